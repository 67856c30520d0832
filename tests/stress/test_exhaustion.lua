-- Running out gives an error that names the limit, and the program goes on: threads past the memory for
-- their stacks (ulimit -v), processes past the descriptor limit (ulimit -n), a queue of two million items,
-- a 1 GiB message through a Queue and a Pipe (where the machine has the memory). Each limit is set in a
-- child shell, so this test never pushes the machine itself to its limits.
local T = require "check"

-- The program runs under `sh -c "<limits>; exec parlab file"` (check.lua).
local function run_limited(limits, code) return T.run_program(limits .. ";", code) end

-- What each limited program does after it hit the limit: let go of what it made and use parlab again.
-- A thread that started just before the limit may find no memory left for its Lua state and raise that
-- at join: the limit named again, not a reason to stop.
local AFTER = [[
ev:set()
for _, x in ipairs(made) do
  local ok, e = pcall(x.join, x, 60)
  if not ok and not tostring(e):find("memory", 1, true) then error(e, 0) end
end
made = nil
collectgarbage()
local q = parlab.Queue()
local p = parlab.Process(function(out) out:put("goes on") end, q)
p:start()
print("after: " .. q:get(60))
p:join(60)
]]

T.test("threads past the memory for their stacks: Thread.start names the thread and the limit", function()
  if os.getenv("PARLAB_TEST_SANITIZE") then
    print("skip  (a sanitizer's shadow memory needs the address space ulimit -v takes away)")
    return
  end
  local out = run_limited("ulimit -v 3000000", [[
    local ev, made, err = parlab.Event(), {}, nil
    for _ = 1, 5000 do
      local t = parlab.Thread(function(e) e:wait(60) end, ev)
      local ok, e = pcall(t.start, t)
      if not ok then err = e break end
      made[#made + 1] = t
    end
    print("made " .. #made)
    print("error: " .. tostring(err))
  ]] .. AFTER)
  T.ok(out:find("error: [^\n]*Thread.start: thread 'Thread%-%d+': cannot start a thread: .*this process runs %d+ " ..
    "threads"), out)
  T.ok(out:find("after: goes on", 1, true), out)
  T.ok(out:find("status 0", 1, true), out)
end)

T.test("processes past the descriptor limit: Process.start says which limit, and its value", function()
  local out = run_limited("ulimit -n 64", [[
    local ev, made, err = parlab.Event(), {}, nil
    for _ = 1, 500 do
      local p = parlab.Process(function(e) e:wait(60) end, ev)
      local ok, e = pcall(p.start, p)
      if not ok then err = e break end
      made[#made + 1] = p
    end
    print("made " .. #made)
    print("error: " .. tostring(err))
  ]] .. AFTER)
  T.ok(out:find("Too many open files (the open-descriptor limit, ulimit -n, is 64)", 1, true), out)
  T.ok(out:find("after: goes on", 1, true), out)
  T.ok(out:find("status 0", 1, true), out)
end)

T.test("a queue of two million items: each once, in order, and the arena back to where it was", function()
  local q, before = parlab.Queue(), parlab.memory().arena_used
  local n = 2000000
  for i = 1, n do q:put(i) end
  T.eq(q:qsize(), n)
  local ok = true
  for i = 1, n do
    if q:get() ~= i then ok = false end
  end
  T.ok(ok, "every item once, in order")
  T.ok(parlab.memory().arena_used <= before + 2 ^ 20, "the arena gave the blocks back")
end)

T.test("a 1 GiB message through a Queue and a Pipe, and no 1 GiB spare kept afterwards", function()
  if parlab.memory().available < 6 * 2 ^ 30 then
    print("skip  (less than 6 GiB of memory available: the message, its copy and the Lua string)")
    return
  end
  local before = parlab.memory().arena_used
  local big = ("z"):rep(2 ^ 30)
  local q = parlab.Queue()
  q:put(big)
  T.ok(q:get(120) == big, "the queue's message arrived whole")
  collectgarbage()
  T.ok(parlab.memory().arena_used < before + 2 ^ 26, "the queue keeps no 1 GiB spare")
  local a, b = parlab.Pipe()
  local p = parlab.Process(function(c) local s = c:recv(120) c:send({ #s, s:sub(-3) }) end, b)
  p:start()
  a:send(big)
  T.eq(a:recv(120), { 2 ^ 30, "zzz" })
  p:join(120)
  T.eq(p.exitcode, 0)
end)

T.done()
