-- parlab.Thread: results, errors with the thread's traceback, timeouts, names, isolation, hammer.
-- A global set in the main state and in a thread, to show each thread has its own.
-- luacheck: globals shared_global
local T = require "check"
local exe = arg[-1]

T.test("join returns the function's results; the shortcut starts at once", function()
  local t = parlab.Thread(function(a, b) return a + b, { a, b }, "x" end, 2, 3)
  T.eq(t:is_alive(), false)
  T.eq(t.ident, nil)
  T.ok(t:start() == t)
  local s, tab, x = t:join()
  T.eq(s, 5)
  T.eq(tab, { 2, 3 })
  T.eq(x, "x")
  T.eq(t:is_alive(), false)
  T.ok(type(t.ident) == "number" and t.ident ~= parlab.thread.ident())
  T.eq(parlab.thread.start(function(s) return s:upper() end, "hi"):join(), "HI")
end)

T.test("names: default Thread-N, or given in the table form", function()
  local t = parlab.Thread(function() end)
  T.ok(t.name:match("^Thread%-%d+$"), t.name)
  local u = parlab.Thread { target = function(a, b) return a * b end, args = { 6, 7 }, name = "worker-1" }
  T.eq(u.name, "worker-1")
  T.eq(u:start():join(), 42)
  T.ok(tostring(u):find("worker-1", 1, true))
end)

T.test("join with a timeout returns nothing while the thread runs", function()
  local t = parlab.thread.start(function() parlab.sleep(0.3) return "late" end)
  local t0 = parlab.clock()
  T.eq(select("#", t:join(0.02)), 0)
  T.ok(parlab.clock() - t0 < 0.25)
  T.ok(t:is_alive())
  T.eq(t:join(), "late")
end)

T.test("an error in a thread is re-raised by join with the thread's traceback", function()
  local t = parlab.thread.start(function()
    local function inner() error("deep trouble") end
    inner()
  end)
  local err = T.raises("raised an error", t.join, t)
  T.ok(err:find("deep trouble", 1, true), err)
  T.ok(err:find("stack traceback", 1, true), err)
  T.ok(err:find("inner", 1, true), "the thread's own frames: " .. err)
  T.raises("deep trouble", t.join, t)  -- every join sees it
end)

T.test("an error value that is not a string reads as it does in the main script", function()
  for _, case in ipairs(T.error_objects) do
    local t = parlab.thread.start(assert(loadstring(case[1])))
    T.error_text_in(T.raises("raised an error", t.join, t), case[2], case[1])
  end
end)

T.test("an error nobody joins is reported on stderr", function()
  local script = [[
    local t = parlab.thread.start(function() error("unseen failure") end)
    parlab.sleep(0.1)
    t = nil
    collectgarbage() collectgarbage()
    print("script end")
  ]]
  local f = io.popen(string.format("%q -e %q 2>&1", exe, script))
  local out = f:read("*a")
  f:close()
  T.ok(out:find("never joined", 1, true) and out:find("unseen failure", 1, true), out)
  -- and at exit, for a thread still running when the script ends
  script = [[parlab.thread.start(function() parlab.sleep(0.1) error("late failure") end)]]
  f = io.popen(string.format("%q -e %q 2>&1", exe, script))
  out = f:read("*a")
  f:close()
  T.ok(out:find("late failure", 1, true), out)
end)

T.test("bad use gives named errors", function()
  T.raises("Thread: expected a function", parlab.Thread, 42)
  T.raises("Thread: expected a function", parlab.Thread, { target = "nope" })
  T.raises("Thread: args must be a table", parlab.Thread, { target = print, args = 3 })
  T.raises("cannot send", parlab.Thread, function() end, coroutine.create(print))
  local t = parlab.Thread(function() end)
  T.raises("never started", t.join, t)
  t:start()
  T.raises("only be started once", t.start, t)
  t:join()
  T.raises("Thread.join: expected a Thread", t.join, {})
end)

T.test("threads share no Lua data: each has its own state", function()
  shared_global = "main"
  local box = { n = 1 }
  local got_global, got_n = parlab.thread.start(function(b)
    b.n = 99
    shared_global = "thread"
    return shared_global, b.n
  end, box):join()
  T.eq(got_global, "thread")
  T.eq(got_n, 99)
  T.eq(shared_global, "main")
  T.eq(box.n, 1)
end)

T.test("a shared Value is shared, and a Lock makes updates exact", function()
  if not parlab.Value then return end
  local v, lock = parlab.Value("i", 0), parlab.Lock()
  local ts = {}
  for i = 1, 4 do
    ts[i] = parlab.thread.start(function(v, lock)
      for _ = 1, 2000 do
        lock:acquire()
        v:set(v:get() + 1)
        lock:release()
      end
    end, v, lock)
  end
  for i = 1, 4 do ts[i]:join() end
  T.eq(v:get(), 8000)
end)

T.test("hammer: many threads, nested threads, exact totals", function()
  local ts = {}
  for i = 1, 16 do
    ts[i] = parlab.thread.start(function(k)
      local inner = parlab.thread.start(function(k)
        local s = 0
        for j = 1, 1000 do s = s + j * k end
        return s
      end, k)
      return inner:join()
    end, i)
  end
  local total = 0
  for i = 1, 16 do total = total + ts[i]:join() end
  T.eq(total, 500500 * (16 * 17 / 2))
end)

T.done()
