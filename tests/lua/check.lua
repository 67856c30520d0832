-- A small assertion helper for the Lua tests: each tests/lua/test_*.lua is one ctest test.
--   local T = require "check"
--   T.test("queue keeps order", function() T.eq(q:get(), 1) end)
--   T.done()   -- prints "N passed, N failed" and exits non-zero on any failure
local T = { passed = 0, failed = 0 }

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

local function deep_eq(a, b, seen)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for k, v in pairs(a) do
    if not deep_eq(v, b[k], seen) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

function T.fail(msg, level)
  error(msg, (level or 1) + 1)
end

function T.ok(cond, msg)
  if not cond then error("expected a true value" .. (msg and (": " .. msg) or ""), 2) end
  return cond
end

function T.eq(got, want, msg)
  if not deep_eq(got, want) then
    error(string.format("%sexpected %s, got %s", msg and (msg .. ": ") or "", show(want), show(got)), 2)
  end
end

-- A result list of map/starmap (and Executor:map): the items of want, and n (their count, table.pack's
-- rule, so that nil results are counted), nothing else.
function T.list(got, want, msg)
  local n = want.n or #want
  if type(got) ~= "table" or got.n ~= n then
    error(string.format("%sexpected a result list with n = %d, got %s", msg and (msg .. ": ") or "", n, show(got)), 2)
  end
  local items = {}
  for k, v in pairs(got) do
    if k ~= "n" then items[k] = v end
  end
  local plain = {}
  for i = 1, n do plain[i] = want[i] end
  if not deep_eq(items, plain) then
    error(string.format("%sexpected %s, got %s", msg and (msg .. ": ") or "", show(want), show(got)), 2)
  end
end

function T.near(got, want, tol, msg)
  if type(got) ~= "number" or math.abs(got - want) > tol then
    error(string.format("%sexpected %s within %g, got %s", msg and (msg .. ": ") or "", show(want), tol,
      show(got)), 2)
  end
end

-- Calls fn(...) and checks that it raises an error whose message matches pattern (plain find).
function T.raises(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected an error matching '" .. pattern .. "', got none", 2) end
  if not tostring(err):find(pattern, 1, true) then
    error("expected an error matching '" .. pattern .. "', got: " .. tostring(err), 2)
  end
  return err
end

function T.test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    T.passed = T.passed + 1
    io.write("ok    ", name, "\n")
  else
    T.failed = T.failed + 1
    io.write("FAIL  ", name, "\n", tostring(err), "\n")
  end
  io.flush()
end

-- Helpers the process tests share.
function T.slurp(name)
  local f = io.open(name, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

-- Runs the Lua program `code` in a fresh parlab (this test's executable) as `sh -c '<shell> exec parlab
-- FILE'`: `shell` sets its environment or limits ("PARLAB_SHM_LIMIT=256M", "ulimit -n 64;"). Returns the
-- program's output (stdout and stderr) followed by "status N".
function T.run_program(shell, code)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  local p = io.popen(("sh -c '%s exec %q %q' 2>&1; echo \"status $?\""):format(shell, arg[-1], path))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  return out
end

-- A pid is gone when /proc has no entry for it, or only a zombie that is not ours to reap.
function T.pid_gone(pid)
  local stat = T.slurp("/proc/" .. pid .. "/stat")
  return stat == nil or stat:match("^%d+ %b() (%a)") == "Z"
end

-- Writes text to a fresh temporary file (a script to run as a separate parlab) and returns its name.
function T.write_script(text)
  local name = os.tmpname()
  local f = assert(io.open(name, "w"))
  f:write(text)
  f:close()
  return name
end

-- A raw fork (no parlab.Process): the child runs fn and leaves with _exit, status 0 when fn returned,
-- 1 when it raised (without closing the Lua state it inherited). Returns the child's pid.
local ffi = require "ffi"
ffi.cdef [[ int fork(void); void _exit(int); int waitpid(int, int*, int); ]]
function T.forked(fn)
  local pid = ffi.C.fork()
  if pid == 0 then
    local ok, err = pcall(fn)
    if not ok then io.stderr:write("child: ", tostring(err), "\n") end
    ffi.C._exit(ok and 0 or 1)
  end
  return pid
end

-- Waits for a child T.forked started and returns its raw wait status (0: exited with 0).
function T.wait_status(pid)
  local st = ffi.new("int[1]")
  ffi.C.waitpid(pid, st, 0)
  return st[0]
end

-- Seeds math.random for a test of faults at random moments: from the environment variable `var` when set
-- (a replay), else from the clock; prints the seed and how to replay it.
function T.seed_random(var)
  local seed = tonumber(os.getenv(var)) or os.time()
  math.randomseed(seed)
  print("seed " .. seed .. " (" .. var .. "=" .. seed .. " replays it)")
  return seed
end

-- A fresh temporary file name (nothing created).
function T.tmpfile()
  local name = os.tmpname()
  os.remove(name)
  return name
end

-- Error values that are not strings: a chunk that raises one, and the text parlab's one message handler
-- (bindings/core/errors.hpp) gives it in the main script, a thread, a pool task and a Process alike.
T.error_objects = {
  { "error({})", "(error object is not a string)" },
  { "error(nil)", "(error object is a nil value)" },
  { "error(setmetatable({}, {__tostring = function() return 'custom text' end}))", "custom text" },
}

-- Checks that msg carries text as its error's text, on a line of its own right before the traceback.
function T.error_text_in(msg, text, where)
  msg = tostring(msg)
  if not msg:find("\n" .. text .. "\nstack traceback:", 1, true) then
    error(string.format("%s: expected the text '%s' before the traceback in: %s", where, text, msg), 2)
  end
  if msg:find("table: 0x", 1, true) then error(where .. ": an address instead of a text in: " .. msg, 2) end
end

function T.done()
  io.write(string.format("%d passed, %d failed\n", T.passed, T.failed))
  os.exit(T.failed == 0 and T.passed > 0 and 0 or 1)
end

return T
