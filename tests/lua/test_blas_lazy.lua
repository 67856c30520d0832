-- OpenBLAS is opened on first use (engine/kernels/blas_lib.hpp): a parlab process runs one thread, and
-- has not mapped the library, until a BLAS kernel or query needs it; then it takes parlab's thread count
-- (issue 16: linked, its constructor started a pool in every process as it started).
local T = require "check"

-- Runs code in a fresh parlab with env assignments in front; returns its output.
local function run(env, code)
  local p = io.popen(("env %s %q -e %q 2>&1; echo \"status $?\""):format(env, arg[-1], (code:gsub("\n", " "))))
  local out = p:read("*a")
  p:close()
  return out
end

local probe = [[
local function threads()
  for l in io.lines("/proc/self/status") do
    local n = l:match("^Threads:%s*(%d+)")
    if n then return tonumber(n) end
  end
end
local function mapped()
  local f = io.open("/proc/self/maps")
  local s = f:read("*a")
  f:close()
  return s:find("libopenblas", 1, true) ~= nil
end
]]

T.test("parlab -e '' runs one thread and has not opened OpenBLAS", function()
  local out = run("", probe .. "print('threads', threads(), 'blas', mapped())")
  T.ok(out:find("threads\t1\tblas\tfalse", 1, true), out)
  T.ok(out:find("status 0", 1, true), out)
end)

T.test("Process, Pool and the parlab module leave BLAS closed", function()
  local out = run("", probe .. [[
local p = parlab.Process { target = function() end }
p:start() p:join()
local pool = parlab.Pool(1)
pool:map(function(x) return x end, { 1 })
pool:close() pool:join()
print('threads', threads(), 'blas', mapped(), parlab.omp.threads() >= 1)]])
  T.ok(out:find("threads\t1\tblas\tfalse\ttrue", 1, true), out)
end)

T.test("the first product opens it with parlab's thread count", function()
  local out = run("PARLAB_NUM_THREADS=2", probe .. [[
local a = parlab.array("f64", { 2, 2 })
a:fill(1)
print('before', mapped())
local c = parlab.kernels.matmul(a, a)
print('after', mapped(), c:totable()[1], parlab.omp.blas_threads(), threads() >= 1)]])
  T.ok(out:find("before\tfalse", 1, true), out)
  T.ok(out:find("after\ttrue\t2\t2\ttrue", 1, true), out)
end)

T.test("OPENBLAS_NUM_THREADS the user set is kept when it opens", function()
  local out = run("OPENBLAS_NUM_THREADS=1 PARLAB_NUM_THREADS=2", probe .. [[
print(parlab.omp.blas_threads(), parlab.omp.info().blas_follows, mapped(), threads())]])
  T.ok(out:find("1\tfalse\ttrue\t1", 1, true), out)
end)

T.done()
