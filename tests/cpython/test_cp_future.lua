-- CPython's Future tests (Lib/test/test_concurrent_futures/test_future.py) ported to the futures of
-- parlab.ThreadPoolExecutor. parlab differs on purpose (docs/threads.md): exception() is the error text, and
-- done callbacks run when the owner pulls results in (a wait, done(), result()).
local H = require "cp_harness"
local A = H.A
local case = H.case

local mul, sleep_and, fail = H.work.mul, H.work.sleep_and, H.work.fail

-- A future that runs (a worker has taken it) until the caller sets the Event returned with it.
local function blocker(ex)
  local ev, started = parlab.Event(), parlab.Event()
  local f = ex:submit(function(ev, started) started:set() ev:wait(10) return "released" end, ev, started)
  A.eq(started:wait(10), true, "the blocker started")
  return f, ev
end

-- test_future.FutureTests.test_done_callback_with_result
case("test_future.FutureTests.test_done_callback_with_result", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local f = ex:submit(mul, 2, 5)
  local got
  f:add_done_callback(function(fut) got = fut:result() end)
  f:result(10)
  A.eq(got, 10)
  ex:shutdown()
end)

-- test_future.FutureTests.test_done_callback_with_exception
case("test_future.FutureTests.test_done_callback_with_exception", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local f = ex:submit(fail, "test")
  local got
  f:add_done_callback(function(fut) got = fut:exception() end)
  f:exception(10)
  A.ok(got and got:find("test", 1, true), tostring(got))
  ex:shutdown()
end)

-- test_future.FutureTests.test_done_callback_with_cancel
case("test_future.FutureTests.test_done_callback_with_cancel", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local b, ev = blocker(ex)
  local f = ex:submit(mul, 1, 1)
  local was_cancelled
  f:add_done_callback(function(fut) was_cancelled = fut:cancelled() end)
  A.eq(f:cancel(), true)
  A.eq(was_cancelled, true)
  ev:set()
  A.eq(b:result(10), "released")
  ex:shutdown()
end)

-- test_future.FutureTests.test_done_callback_already_successful
case("test_future.FutureTests.test_done_callback_already_successful", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local f = ex:submit(mul, 3, 4)
  f:result(10)
  local got
  f:add_done_callback(function(fut) got = fut:result() end)
  A.eq(got, 12, "a callback added to a done future runs at once")
  ex:shutdown()
end)

-- test_future.FutureTests.test_done_callback_already_failed
case("test_future.FutureTests.test_done_callback_already_failed", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local f = ex:submit(fail, "already failed")
  f:exception(10)
  local got
  f:add_done_callback(function(fut) got = fut:exception() end)
  A.ok(got and got:find("already failed", 1, true))
  ex:shutdown()
end)

-- test_future.FutureTests.test_done_callback_already_cancelled
case("test_future.FutureTests.test_done_callback_already_cancelled", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local b, ev = blocker(ex)
  local f = ex:submit(mul, 1, 1)
  A.eq(f:cancel(), true)
  local got
  f:add_done_callback(function(fut) got = fut:cancelled() end)
  A.eq(got, true)
  ev:set()
  b:result(10)
  ex:shutdown()
end)

-- test_future.FutureTests.test_done_callback_raises: one failing callback does not stop the others
case("test_future.FutureTests.test_done_callback_raises", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local f = ex:submit(sleep_and, 0.1, 1)
  local raising_was_called, fn_was_called = false, false
  f:add_done_callback(function() raising_was_called = true error("doh!") end)
  f:add_done_callback(function() fn_was_called = true end)
  pcall(f.result, f, 10)
  A.eq(f:result(10), 1)
  A.eq(raising_was_called, true)
  A.eq(fn_was_called, true)
  ex:shutdown()
end)

-- test_future.FutureTests.test_repr
case("test_future.FutureTests.test_repr", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local b, ev = blocker(ex)
  local f = ex:submit(mul, 1, 1)
  A.eq(tostring(b), "Future(pending)")
  f:cancel()
  A.eq(tostring(f), "Future(cancelled)")
  ev:set()
  b:result(10)
  A.eq(tostring(b), "Future(finished)")
  ex:shutdown()
end)

-- test_future.FutureTests.test_cancel: a queued future cancels, a running or finished one does not
case("test_future.FutureTests.test_cancel", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local b, ev = blocker(ex)
  local queued = ex:submit(mul, 1, 1)
  A.eq(b:cancel(), false, "running")
  A.eq(queued:cancel(), true, "pending")
  A.eq(queued:cancel(), true, "cancelled again")
  ev:set()
  b:result(10)
  A.eq(b:cancel(), false, "finished")
  ex:shutdown()
end)

-- test_future.FutureTests.test_cancelled / test_done
case("test_future.FutureTests.test_done", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local b, ev = blocker(ex)
  local queued = ex:submit(mul, 1, 1)
  A.eq(b:done(), false) A.eq(b:cancelled(), false)
  queued:cancel()
  A.eq(queued:done(), true) A.eq(queued:cancelled(), true)
  ev:set()
  b:result(10)
  A.eq(b:done(), true) A.eq(b:cancelled(), false)
  ex:shutdown()
end)

-- test_future.FutureTests.test_running
case("test_future.FutureTests.test_running", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local b, ev = blocker(ex)
  A.eq(b:running(), true)
  ev:set()
  b:result(10)
  A.eq(b:running(), false)
  ex:shutdown()
end)

-- test_future.FutureTests.test_result_with_timeout
case("test_future.FutureTests.test_result_with_timeout", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local b, ev = blocker(ex)
  local dt = A.timed(function() A.raises("timed out", b.result, b, 0.1) end)
  A.between(dt, 0.05, 5)
  ev:set()
  A.eq(b:result(10), "released")
  ex:shutdown()
end)

-- test_future.FutureTests.test_result_with_success: a result that arrives while result() waits
case("test_future.FutureTests.test_result_with_success", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local f = ex:submit(sleep_and, 0.1, 42)
  A.eq(f:result(5), 42)
  ex:shutdown()
end)

-- test_future.FutureTests.test_result_with_cancel
case("test_future.FutureTests.test_result_with_cancel", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local b, ev = blocker(ex)
  local f = ex:submit(mul, 1, 1)
  f:cancel()
  A.raises("cancelled", f.result, f, 1)
  A.raises("cancelled", f.exception, f, 1)
  ev:set()
  b:result(10)
  ex:shutdown()
end)

-- test_future.FutureTests.test_exception_with_timeout
case("test_future.FutureTests.test_exception_with_timeout", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local b, ev = blocker(ex)
  A.raises("timed out", b.exception, b, 0.05)
  ev:set()
  A.eq(b:exception(10), nil)
  ex:shutdown()
end)

-- test_future.FutureTests.test_exception_with_success: exception() of a failing task is its error
case("test_future.FutureTests.test_exception_with_success", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local f = ex:submit(function() parlab.sleep(0.05) error("with success") end)
  local e = f:exception(10)
  A.ok(e and e:find("with success", 1, true), tostring(e))
  A.raises("with success", f.result, f)
  ex:shutdown()
end)

H.run("test_cp_future")
