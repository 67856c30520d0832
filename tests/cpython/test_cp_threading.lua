-- CPython's thread tests (Lib/test/test_threading.py: ThreadTests, ThreadingExceptionTests,
-- ThreadJoinOnShutdown) ported to parlab.Thread. parlab differs on purpose where docs/threads.md says so:
-- a thread runs in a Lua state of its own (arguments are copied, shared data lives in parlab's shared
-- objects), join returns the function's results and re-raises its error, ident is the kernel thread id.
local H = require "cp_harness"
local A = H.A
local case = H.case

-- test_threading.ThreadTests.test_various_ops: 10 threads, a Semaphore(3) lets at most 3 run at once
case("test_threading.ThreadTests.test_various_ops", function()
  local sema, running, most, mutex = parlab.BoundedSemaphore(3), parlab.Value("i64", 0), parlab.Value("i64", 0),
    parlab.Lock()
  local ts = {}
  for i = 1, 10 do
    ts[i] = parlab.Thread { name = "<thread " .. i .. ">", args = { sema, running, most, mutex }, target =
      function(sema, running, most, mutex)
        sema:with(function()
          mutex:with(function()
            local n = running:add(1)
            if n > most:get() then most:set(n) end
          end)
          parlab.sleep(0.01)
          running:add(-1)
        end)
        return parlab.thread.ident()
      end }
    A.eq(ts[i].ident, nil, "ident before start")
    ts[i]:start()
  end
  for i = 1, 10 do
    A.eq(ts[i]:join(10), ts[i].ident, "the thread's own ident is t.ident")
    A.eq(ts[i]:is_alive(), false)
  end
  A.eq(running:get(), 0)
  A.between(most:get(), 1, 3)
end)

-- test_threading.ThreadTests.test_args_argument: args given as a table, or after the function
case("test_threading.ThreadTests.test_args_argument", function()
  local t = parlab.Thread { target = function(a, b) return a + b, b end, args = { 2, 40 } }
  t:start()
  local s, b = t:join(10)
  A.eq(s, 42) A.eq(b, 40)
  local u = parlab.Thread(function(...) return select("#", ...) end, 1, nil, 3):start()
  A.eq(u:join(10), 3, "a nil argument in the middle counts")
end)

-- test_threading.ThreadTests.test_default_name / test_name: Thread-N unless named
case("test_threading.ThreadTests.test_default_name", function()
  local t = parlab.Thread(function() end)
  A.ok(tostring(t.name):match("^Thread%-%d+"), tostring(t.name))
  local u = parlab.Thread { target = function() end, name = "worker-1" }
  A.eq(u.name, "worker-1")
  t:start() u:start() t:join() u:join()
end)

-- test_threading.ThreadTests.test_native_id: distinct kernel ids, none the caller's
case("test_threading.ThreadTests.test_native_id", function()
  local me = parlab.thread.ident()
  local a = parlab.thread.start(function() parlab.sleep(0.05) return parlab.thread.ident() end)
  local b = parlab.thread.start(function() parlab.sleep(0.05) return parlab.thread.ident() end)
  local ia, ib = a:join(10), b:join(10)
  A.ok(type(ia) == "number" and ia ~= ib and ia ~= me and ib ~= me)
end)

-- test_threading.ThreadTests.test_daemon_param
case("test_threading.ThreadTests.test_daemon_param", function()
  A.eq(parlab.Thread(function() end).daemon, false)
  A.eq(parlab.Thread { target = function() end, daemon = false }.daemon, false)
  A.eq(parlab.Thread { target = function() end, daemon = true }.daemon, true)
end)

-- test_threading.ThreadTests.test_repr_stopped / is_alive: alive while running, not before or after
case("test_threading.ThreadTests.test_repr_stopped", function()
  local ev = parlab.Event()
  local t = parlab.Thread(function(ev) ev:wait(10) return "done" end, ev)
  A.eq(t:is_alive(), false, "before start")
  t:start()
  A.eq(t:is_alive(), true, "while waiting")
  ev:set()
  A.eq(t:join(10), "done")
  A.eq(t:is_alive(), false, "after join")
end)

-- test_threading.ThreadTests.test_join_with_timeout: a timed join of a busy thread ends with it alive
case("test_threading.ThreadTests.test_join_with_timeout", function()
  local ev = parlab.Event()
  local t = parlab.thread.start(function(ev) ev:wait(10) end, ev)
  local dt = A.timed(function() return t:join(0.1) end)
  A.between(dt, 0.05, 5)
  A.eq(t:is_alive(), true)
  ev:set()
  t:join(10)
  A.eq(t:is_alive(), false)
end)

-- test_threading.ThreadTests.test_enumerate_after_join: many short threads, each joined, none left alive
case("test_threading.ThreadTests.test_enumerate_after_join", function()
  for i = 1, 50 do
    local t = parlab.thread.start(function(i) return i * 2 end, i)
    A.eq(t:join(10), i * 2)
    A.eq(t:is_alive(), false)
  end
end)

-- test_threading.ThreadTests.test_no_refcycle_through_target: the target gets copies (parlab: a table
-- passed to a thread is copied; the thread's changes stay in its copy)
case("test_threading.ThreadTests.test_no_refcycle_through_target", function()
  local box = { n = 1 }
  local t = parlab.thread.start(function(b) b.n = 99 return b.n end, box)
  A.eq(t:join(10), 99)
  A.eq(box.n, 1)
end)

-- test_threading.ThreadTests.test_boolean_target: a target that is not callable is refused
case("test_threading.ThreadTests.test_boolean_target", function()
  A.raises("Thread: expected a function", parlab.Thread, true)
  A.raises("Thread: expected a function to run (target)", parlab.Thread, { target = 42 })
end)

-- test_threading.ThreadTests.test_finalize_running_thread / test_join_nondaemon_on_shutdown: a thread's end
-- waits for the non-daemon threads it started (parlab waits as Python's interpreter does at exit)
case("test_threading.ThreadTests.test_join_nondaemon_on_shutdown", function()
  local q = parlab.Queue()
  local outer = parlab.thread.start(function(q)
    parlab.thread.start(function(q) parlab.sleep(0.2) q:put("inner finished") end, q)
    return "outer returned"
  end, q)
  A.eq(outer:join(10), "outer returned")
  A.eq(q:get(false), "inner finished", "the outer thread ended before its child")
end)

-- test_threading.ThreadTests.test_join_nondaemon_on_shutdown, its daemon half (docs/threads.md: a daemon
-- thread is not waited for by its starter's end, and lives on, as in Python)
case("test_threading.ThreadTests.test_join_nondaemon_on_shutdown (daemon)", function()
  local ev, q = parlab.Event(), parlab.Queue()
  local outer = parlab.thread.start(function(ev, q)
    parlab.Thread { target = function(ev, q) ev:wait(10) q:put("daemon ran on") end, args = { ev, q },
      daemon = true }:start()
    return "outer"
  end, ev, q)
  A.eq(outer:join(5), "outer", "the outer thread waited for its daemon")
  ev:set()
  A.eq(q:get(5), "daemon ran on")
end)

-- test_threading.ThreadingExceptionTests.test_start_thread_again
case("test_threading.ThreadingExceptionTests.test_start_thread_again", function()
  local t = parlab.Thread(function() end)
  t:start()
  A.ok(not pcall(t.start, t), "a second start is refused")
  t:join()
end)

-- test_threading.ThreadingExceptionTests.test_joining_inactive_thread
case("test_threading.ThreadingExceptionTests.test_joining_inactive_thread", function()
  local t = parlab.Thread(function() end)
  A.ok(not pcall(t.join, t), "join before start is refused")
end)

-- test_threading.ThreadingExceptionTests.test_daemonize_active_thread
case("test_threading.ThreadingExceptionTests.test_daemonize_active_thread", function()
  local ev = parlab.Event()
  local t = parlab.thread.start(function(ev) ev:wait(10) end, ev)
  local ok = pcall(function() t.daemon = true end)
  ev:set()
  t:join()
  A.eq(ok, false, "setting daemon on a running thread is refused")
end)

-- test_threading.ThreadingExceptionTests.test_print_exception: the thread's error and its traceback reach
-- the joiner (parlab re-raises it at join, where Python prints it through excepthook)
case("test_threading.ThreadingExceptionTests.test_print_exception", function()
  local t = parlab.Thread { target = function() error("deep trouble") end, name = "bad" }
  t:start()
  local err = A.raises("deep trouble", t.join, t, 10)
  A.ok(err:find("thread 'bad' raised an error", 1, true), err)
  A.ok(err:find("stack traceback", 1, true), err)
  A.raises("deep trouble", t.join, t, 10)  -- every join re-raises it
end)

-- test_threading.ThreadingExceptionTests.test_recursion_limit: deep recursion in a thread is a clean error
case("test_threading.ThreadingExceptionTests.test_recursion_limit", function()
  local t = parlab.thread.start(function()
    local function r(n) return 1 + r(n + 1) end
    return r(1)
  end)
  A.raises("stack overflow", t.join, t, 10)
end)

-- test_threading.ThreadTests.test_PyThreadState_SetAsyncExc (parlab: terminate() stops a running thread,
-- even a loop compiled by the JIT; join then raises)
if os.getenv("PARLAB_TEST_SANITIZE") == "thread" then  -- as tests/lua/test_thread_terminate.lua skips it
  H.GAPS["test_threading.ThreadTests.test_PyThreadState_SetAsyncExc"] =
    "TSan defers the stop signal past a compiled loop (docs/contributing.md, Sanitizers)"
end
case("test_threading.ThreadTests.test_PyThreadState_SetAsyncExc", function()
  local t = parlab.thread.start(function() local x = 0 while true do x = x + 1 end end)
  parlab.sleep(0.05)
  A.eq(t:terminate(), true)
  A.eq(t:is_alive(), false)
  A.raises("was terminated", t.join, t)
end)

-- test_threading.ThreadTests.test_finalize_with_trace: terminate of a thread blocked in a wait
case("test_threading.ThreadTests.test_finalize_with_trace (terminate in a wait)", function()
  local q = parlab.Queue()
  local t = parlab.thread.start(function(q) return q:get() end, q)
  parlab.sleep(0.05)
  A.eq(t:terminate(), true)
  A.raises("terminated", t.join, t)
  q:put(1)
  A.eq(q:get(1), 1, "the terminated getter took no item")
end)

-- test_threading.ThreadTests.test_join_from_multiple_threads: several threads join one thread
case("test_threading.ThreadTests.test_join_from_multiple_threads", function()
  local ev, done = parlab.Event(), parlab.Value("i64", 0)
  local waiters = {}
  for i = 1, 3 do
    waiters[i] = parlab.thread.start(function(ev, done)
      A.eq(ev:wait(10), true)
      done:add(1)
    end, ev, done)
  end
  parlab.sleep(0.05)
  A.eq(done:get(), 0)
  ev:set()
  for i = 1, 3 do waiters[i]:join(10) end
  A.eq(done:get(), 3)
end)

-- test_threading.ThreadTests.test_various_ops_large_stack: many threads at once all complete
case("test_threading.ThreadTests.test_various_ops_large_stack", function()
  local ts = {}
  for i = 1, 20 do ts[i] = parlab.thread.start(function(i) parlab.sleep(0.01) return i * i end, i) end
  local s = 0
  for i = 1, 20 do s = s + ts[i]:join(10) end
  A.eq(s, 2870)
end)

-- test_threading.ThreadingExceptionTests.test_releasing_unacquired_lock
case("test_threading.ThreadingExceptionTests.test_releasing_unacquired_lock", function()
  local lock = parlab.Lock()
  A.raises("Lock.release", lock.release, lock)
end)

-- test_threading.ThreadTests.test_name: a name that is not a string is converted (Thread(name=123))
case("test_threading.ThreadTests.test_name", function()
  A.eq(parlab.Thread { target = function() end, name = "myname1" }.name, "myname1")
  A.eq(parlab.Thread { target = function() end, name = 123 }.name, "123")
end)

-- test_threading.ThreadingExceptionTests.test_multithread_modify_file_noerror: 100 threads in turn
-- each write a file
case("test_threading.ThreadingExceptionTests.test_multithread_modify_file_noerror", function()
  local name = os.tmpname()
  for i = 1, 100 do
    local t = parlab.thread.start(function(name, i)
      local f = assert(io.open(name, "w"))
      f:write(i)
      f:close()
      return debug.traceback() ~= nil
    end, name, i)
    A.eq(t:join(10), true)
  end
  local f = assert(io.open(name))
  A.eq(f:read("*a"), "100")
  f:close()
  os.remove(name)
end)

-- test_threading.ThreadTests.test_ident_of_no_threading_threads: current_thread() inside a thread is it
case("test_threading.ThreadTests.test_ident_of_no_threading_threads", function()
  local t = parlab.Thread { target = function()
    local c = parlab.current_thread()
    return c.name, c.ident
  end, name = "named" }
  t:start()
  local name, ident = t:join(10)
  A.eq(name, "named")
  A.eq(ident, t.ident)
end)

-- test_threading.TimerTests.test_init_immutable_default_args: a Timer runs its function once, later
case("test_threading.TimerTests.test_init_immutable_default_args", function()
  local q = parlab.Queue()
  local t = parlab.Timer(0.05, function(q, x) q:put(x) end, q, "fired")
  t:start()
  A.eq(q:get(5), "fired")
  t:join(5)
  local c = parlab.Timer(10, function(q) q:put("late") end, q)
  c:start()
  c:cancel()
  c:join(5)
  A.raises("Empty", q.get, q, false)
end)

-- test_threading.ThreadTests.test_enumerate_after_join: active_count() and enumerate() list live threads
case("test_threading.ThreadTests.test_enumerate_after_join (enumerate)", function()
  local before = parlab.active_count()
  local t = parlab.thread.start(function() end)
  t:join()
  A.eq(parlab.active_count(), before)
  for _, th in ipairs(parlab.enumerate()) do A.ok(th ~= t, "a joined thread is listed") end
end)

H.run("test_cp_threading")
