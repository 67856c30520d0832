-- Run by Debian's stock luajit (not parlab) with an installed lib/lua/5.1 on package.cpath: require
-- "parlab" gives the module the parlab command line preloads, and every start method works from this
-- host (spawn and forkserver children run the installed bin/parlab). Prints "ok" at the end.
--   LUA_CPATH="PREFIX/lib/lua/5.1/?.so;;" luajit tests/install/luajit_host.lua
local parlab = require "parlab"
assert(not rawget(_G, "parlab"), "require must not set a global (luajit's rule)")
assert(package.loaded.parlab == parlab)
local function check(cond, what) if not cond then error("FAILED: " .. what, 2) end end

-- Threads and a pool of threads.
local t = parlab.Thread(function(a, b) return a + b end, 20, 22)
t:start()
t:join()
check(not t:is_alive(), "thread joined")
local tp = parlab.ThreadPool(2)
check(tp:map(function(x) return x * x end, { 1, 2, 3 })[3] == 9, "ThreadPool.map")
tp:close()
tp:join()

-- Shared arrays, the FFI fast path (a loop the JIT compiles) and a kernel.
local a = parlab.array("f64", 1000)
for i = 0, a.len - 1 do a[i] = i end
check(a[999] == 999, "array element")
check(parlab.kernels.sum(a) == 999 * 1000 / 2, "kernels.sum")
check(pcall(function() return a[1000] end) == false, "bounds check")

-- Every start method: a Process that writes into the shared array, a process Pool, a Queue.
for k, m in ipairs({ "fork", "spawn", "forkserver" }) do
  local p = parlab.Process { target = function(arr, i) arr[i] = -i end, args = { a, k }, start_method = m }
  p:start()
  check(p:join() == true and p.exitcode == 0, m .. ": Process exit code " .. tostring(p.exitcode))
  check(a[k] == -k, m .. ": the child wrote into the shared array")
  local pool = parlab.Pool(2, { start_method = m })
  local r = pool:map(function(x) return x + 1 end, { 1, 2, 3 })
  check(r[1] == 2 and r[3] == 4, m .. ": Pool.map")
  pool:close()
  pool:join()
  local q = parlab.Queue()
  local w = parlab.Process { target = function(qq) qq:put("from " .. parlab.current_process().name) end,
    args = { q }, name = m, start_method = m }
  w:start()
  check(q:get(30) == "from " .. m, m .. ": Queue across processes")
  w:join()
end

-- Pipes, locks, the GIL switch and MPI (one rank without mpirun).
local left, right = parlab.Pipe()
left:send({ x = 1 })
check(right:recv().x == 1, "Pipe")
local lock = parlab.Lock()
check(lock:acquire() and lock:release() == nil, "Lock")
parlab.gil.enable(true)
check(parlab.gil.enabled(), "GIL on")
parlab.gil.enable(false)
check(parlab.mpi ~= nil, "parlab.mpi is there")
if os.getenv("PARLAB_TEST_MPI") == "1" then check(parlab.mpi.size == 1, "MPI: one rank") end
print("ok")
