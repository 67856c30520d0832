-- The harness of the CPython-ported cases (tests/cpython/test_cp_*.lua): each case ports what one test of
-- CPython's own suite checks (its name is in a comment above the case) and runs in a guard thread of its
-- own, joined with a timeout, so a case that hangs is terminated and fails alone instead of hanging the
-- file. Known gaps (parlab lacks the feature, or behaves otherwise than the ported test wants) are listed
-- in GAPS with their reason; those cases are skipped and printed as "skip", so the suite stays green while
-- the gap stays visible. A case body travels to its thread through the value transport: it may use only
-- its upvalues (copied: the assertions in H.A, local helpers) and parlab's shared objects.
local H = {}
local internal = require "parlab.internal"

-- Assertions: copied into every case's thread with its body, so they must not reach the harness.
local A = {}
H.A = A

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

function A.eq(got, want, msg)
  if got ~= want then
    error(string.format("%sexpected %s, got %s", msg and (msg .. ": ") or "", show(want), show(got)), 2)
  end
end

function A.ok(cond, msg)
  if not cond then error("expected a true value" .. (msg and (": " .. msg) or ""), 2) end
  return cond
end

-- Item by item for i = 1..n (a result list may carry fields of its own, such as n).
function A.list(got, want, msg)
  if type(got) ~= "table" then error((msg or "list") .. ": expected a table, got " .. type(got), 2) end
  for i = 1, #want do
    if got[i] ~= want[i] then
      error(string.format("%s[%d]: expected %s, got %s", msg or "list", i, show(want[i]), show(got[i])), 2)
    end
  end
  if got[#want + 1] ~= nil then error(string.format("%s: more than %d items", msg or "list", #want), 2) end
end

-- fn(...) must raise an error whose text contains `text` (plain); returns the error text.
function A.raises(text, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected an error containing '" .. text .. "', got none", 2) end
  if not tostring(err):find(text, 1, true) then
    error("expected an error containing '" .. text .. "', got: " .. tostring(err), 2)
  end
  return tostring(err)
end

-- a <= x <= b
function A.between(x, a, b, msg)
  if type(x) ~= "number" or x < a or x > b then
    error(string.format("%sexpected a number in [%g, %g], got %s", msg and (msg .. ": ") or "", a, b, show(x)), 2)
  end
end

function A.range(n)
  local t = {}
  for i = 1, n do t[i] = i end
  return t
end

-- Starts fn(i, ...) on n threads (i = 1..n); returns a function that joins them and returns their results.
function A.bunch(n, fn, ...)
  local ts = {}
  for i = 1, n do ts[i] = parlab.thread.start(fn, i, ...) end
  return function()
    local out = {}
    for i = 1, n do out[i] = ts[i]:join(10) end
    return out
  end
end

-- Seconds fn(...) takes, and its first result.
function A.timed(fn, ...)
  local t0 = parlab.clock()
  local r = fn(...)
  return parlab.clock() - t0, r
end

local cases = {}

-- H.case(name, body): body() runs in its own guard thread; it passes when it returns.
function H.case(name, body)
  cases[#cases + 1] = { name = name, body = body }
end

-- Cases kept out of the run: name -> why (parlab lacks the feature or differs from the ported test). Each
-- runs again once its line is removed; the lead's report lists them.
H.GAPS = {
  -- features parlab does not have
  ["test_queue.LifoQueueTest.test_basic"] = "no parlab.LifoQueue (queue.LifoQueue)",
  ["test_queue.PriorityQueueTest.test_basic"] = "no parlab.PriorityQueue (queue.PriorityQueue)",
}

-- PARLAB_CP_TIMEOUT: seconds a case may run (20); PARLAB_CP_RUN_GAPS=1 runs the known gaps too (to see
-- which ones a change closed).
local TIMEOUT = tonumber(os.getenv("PARLAB_CP_TIMEOUT")) or 20
local RUN_GAPS = os.getenv("PARLAB_CP_RUN_GAPS") == "1"

-- Runs a case's body in its guard thread. Every process the body starts is recorded in `pids` (a shared
-- Queue), so a case that hangs can have its children killed: the program's end joins live processes, and
-- a child left blocked would hold it.
local function guard(body, pids)
  local Process = internal.Process
  local start = Process.start
  Process.start = function(self)
    local r = start(self)
    pids:put(self.pid)
    return r
  end
  body()
  return "case finished"
end

local ffi = require "ffi"
ffi.cdef [[ int kill(int pid, int sig); ]]

-- After a hang: SIGKILL to the processes the case started that still run.
local function kill_children(pids)
  while true do
    local ok, pid = pcall(pids.get_nowait, pids)
    if not ok then return end
    ffi.C.kill(pid, 9)
  end
end

local function first_lines(text, n)
  local out, k = {}, 0
  for line in (tostring(text) .. "\n"):gmatch("([^\n]*)\n") do
    k = k + 1
    if k > n then break end
    out[#out + 1] = "      " .. line
  end
  return table.concat(out, "\n")
end

-- Runs one case in its guard; nil when it passed, else why it failed.
local function run_one(c)
  -- A daemon: a guard stuck where terminate() cannot reach (C code) does not hold the exit.
  local pids = parlab.Queue()
  local t = parlab.Thread { target = guard, args = { c.body, pids }, name = c.name, daemon = true }
  t:start()
  local ok, res = pcall(t.join, t, TIMEOUT)
  if ok and res == "case finished" then return nil end
  if ok and t:is_alive() then
    t:terminate()
    kill_children(pids)
    return string.format("hung (still running after %g s; terminated)", TIMEOUT)
  end
  return ok and ("the guard returned " .. tostring(res)) or res
end

-- Small task functions the executor and future ports share (CPython's mul, sleep_and and a raiser). They
-- travel to threads and processes as values, like any local function.
H.work = {
  mul = function(x, y) return x * y end,
  sleep_and = function(s, v) parlab.sleep(s) return v end,
  fail = function(msg) error(msg) end,
}

-- Runs every case registered so far, prints one line each and the counts, and exits (1 on any failure).
function H.run(file)
  local passed, failed, skipped = 0, 0, 0
  local t0 = parlab.clock()
  for _, c in ipairs(cases) do
    local gap = not RUN_GAPS and H.GAPS[c.name]
    if gap then
      skipped = skipped + 1
      io.write("skip  ", c.name, ": ", gap, "\n")
    else
      local why = run_one(c)
      if why then
        failed = failed + 1
        io.write("FAIL  ", c.name, "\n", first_lines(why, 12), "\n")
      else
        passed = passed + 1
        io.write("ok    ", c.name, "\n")
      end
    end
    io.flush()
  end
  io.write(string.format("%s: %d passed, %d failed, %d skipped (known gaps) in %.1f s\n", file or "cases",
    passed, failed, skipped, parlab.clock() - t0))
  os.exit(failed == 0 and passed > 0 and 0 or 1)
end

return H
