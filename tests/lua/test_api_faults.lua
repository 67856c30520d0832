-- Bad arguments that once crashed parlab (found by an API fuzzer) and their siblings: each must raise a
-- Lua error that names the function and the bad argument. tests/lua/test_api_sweep.lua calls everything
-- with bad arguments; this file checks the messages.
local T = require "check"
local internal = require "parlab.internal"
local mpi, W = parlab.mpi, parlab.mpi.COMM_WORLD

-- Whole numbers that no C int holds: converted as they were, 2^63 became rank 0 (this one), so the Lua side
-- passed no root buffer while the C side acted as the root.
local HUGE = { 2 ^ 63, 1e308, -2 ^ 63, 2 ^ 31, -2 ^ 31 - 1 }
local NOT_WHOLE = { 0 / 0, 1 / 0, -1 / 0, 0.5 }

T.test("buffer calls: a root, dest, source or tag that fits no C int is an error naming it", function()
  local a, b = parlab.array("f64", 4), parlab.array("f64", 4)
  for _, r in ipairs(HUGE) do
    local s = tostring(r)
    T.raises("mpi.Scatter: root " .. s .. " is not a rank (size is 1)", mpi.Scatter, a, b, r)
    T.raises("mpi.Scatter: root " .. s .. " is not a rank", W.Scatter, W, a, b, r)
    T.raises("mpi.Gather: root " .. s .. " is not a rank", mpi.Gather, a, b, r)
    T.raises("mpi.Bcast: root " .. s .. " is not a rank", mpi.Bcast, a, r)
    T.raises("mpi.Reduce: root " .. s .. " is not a rank", mpi.Reduce, a, b, "sum", r)
    T.raises("mpi.Send: dest " .. s .. " is out of range (it must fit a C int)", mpi.Send, a, r)
    T.raises("mpi.Send: tag " .. s .. " is out of range", mpi.Send, a, 0, r)
    T.raises("mpi.Recv: source " .. s .. " is out of range", mpi.Recv, a, r)
    T.raises("mpi.Isend: dest " .. s .. " is out of range", mpi.Isend, a, r)
    T.raises("mpi.Irecv: source " .. s .. " is out of range", mpi.Irecv, a, r)
  end
  for _, r in ipairs(NOT_WHOLE) do
    local s = tostring(r)
    T.raises("mpi.Scatter: root must be a whole number, got " .. s, mpi.Scatter, a, b, r)
    T.raises("mpi.Scatter: root must be a whole number, got " .. s, W.Scatter, W, a, b, r)
    T.raises("mpi.Gather: root must be a whole number, got " .. s, W.Gather, W, a, b, r)
    T.raises("mpi.Bcast: root must be a whole number, got " .. s, mpi.Bcast, a, r)
    T.raises("mpi.Send: dest must be a whole number, got " .. s, mpi.Send, a, r)
  end
end)

T.test("buffer collectives: a whole root that is no rank is an error, on every call", function()
  local a, b = parlab.array("f64", 4), parlab.array("f64", 4)
  for _, r in ipairs { -1, 1, 2 ^ 31 - 1, -2 ^ 31 } do
    T.raises(("mpi.Scatter: root %d is not a rank (size is 1)"):format(r), mpi.Scatter, a, b, r)
    T.raises(("mpi.Scatter: root %d is not a rank"):format(r), W.Scatter, W, a, b, r)
    T.raises(("mpi.Gather: root %d is not a rank"):format(r), mpi.Gather, a, b, r)
    T.raises(("mpi.Bcast: root %d is not a rank"):format(r), mpi.Bcast, a, r)
    T.raises(("mpi.Reduce: root %d is not a rank"):format(r), mpi.Reduce, a, b, "sum", r)
  end
  a[0] = 5
  mpi.Scatter(a, b, 0)  -- the one rank still works
  T.eq(b[0], 5)
end)

T.test("object calls: huge, nan and negative ranks are errors naming the argument", function()
  for _, r in ipairs(HUGE) do
    local s = ("%.17g"):format(r)
    T.raises("mpi.bcast: root " .. s .. " is out of range (it must fit a C int)", mpi.bcast, 1, r)
    T.raises("mpi.gather: root " .. s .. " is out of range", mpi.gather, 1, r)
    T.raises("mpi.scatter: root " .. s .. " is out of range", mpi.scatter, { 1 }, r)
    T.raises("mpi.scatter: root " .. s .. " is out of range", W.scatter, W, { 1 }, r)
    T.raises("mpi.send: dest " .. s .. " is out of range", mpi.send, 1, r)
    T.raises("mpi.recv: source " .. s .. " is out of range", mpi.recv, r)
    T.raises("mpi.iprobe: source " .. s .. " is out of range", mpi.iprobe, r)
    T.raises("mpi.reduce: root " .. tostring(r) .. " is not a rank", mpi.reduce, 1, "sum", r)
  end
  for _, r in ipairs(NOT_WHOLE) do
    T.raises("mpi.bcast: root must be a whole number, got", mpi.bcast, 1, r)
    T.raises("mpi.send: dest must be a whole number, got", mpi.send, 1, r)
    T.raises("mpi.reduce: root must be a whole number, got " .. tostring(r), mpi.reduce, 1, "sum", r)
  end
  T.raises("mpi.bcast: root -1 is not a rank", mpi.bcast, 1, -1)
  T.raises("mpi.gather: root 3 is not a rank", mpi.gather, 1, 3)
end)

T.test("the raw buffer calls check their numbers and refuse address 0", function()
  T.raises("mpi.Bcast: argument 3 must be a whole number (a C int)", internal.mpi.Bcast, 0, 0, 2 ^ 63)
  T.raises("mpi.Scatter: argument 4 must be a whole number (a C int)", internal.mpi.Scatter, 0, 0, 8, 0 / 0)
  local b = parlab.array("f64", 1)
  local addr = tonumber(require("ffi").cast("uintptr_t", b.data))
  T.raises("mpi.Scatter: argument 1 is address 0", internal.mpi.Scatter, 0, addr, 8, 0)  -- at the root: the whole
  T.raises("mpi.Scatter: argument 2 is address 0", internal.mpi.Scatter, addr, 0, 8, 0)
  T.raises("mpi.Gather: argument 1 is address 0", internal.mpi.Gather, 0, addr, 8, 0)
  T.raises("mpi.Gather: argument 2 is address 0", internal.mpi.Gather, addr, 0, 8, 0)
  T.raises("mpi.Send: argument 1 is address 0", internal.mpi.Send, 0, 8, 0, 0)
  T.raises("mpi.Allreduce: argument 1 is address 0", internal.mpi.Allreduce, 0, addr, 1, "f64", "sum")
  T.raises("mpi.Bcast: argument 1 must be an address, got -1", internal.mpi.Bcast, -1, 8, 0)
  T.raises("mpi.Bcast: argument 2 must be a byte count, got", internal.mpi.Bcast, 0, 0 / 0, 0)
  T.raises("mpi.Send: argument 2 must be a byte count, got -8", internal.mpi.Send, addr, -8, 0, 0)
end)

T.test("internal.set_start_method with no, nil or a non-string argument is an error naming it", function()
  local before = parlab.get_start_method()
  T.raises("set_start_method: expected 'fork', 'spawn' or 'forkserver', got no value",
    internal.set_start_method)
  T.raises("set_start_method: expected 'fork', 'spawn' or 'forkserver', got nil",
    internal.set_start_method, nil)
  T.raises("set_start_method: expected 'fork', 'spawn' or 'forkserver', got table",
    internal.set_start_method, {})
  T.raises("set_start_method: expected 'fork', 'spawn' or 'forkserver', got number",
    internal.set_start_method, 1)
  T.raises("set_start_method: unknown start method 'x'", internal.set_start_method, "x")
  T.eq(parlab.get_start_method(), before)
end)

T.test("array methods called with '.' instead of ':' are errors naming the method", function()
  local a = parlab.array("f64", 10)
  local m2 = parlab.array("i32", { 2, 3 })
  for _, name in ipairs { "refs", "slice", "view", "row", "reshape", "fill", "copy", "totable" } do
    for _, bad in ipairs { "x", 1, {}, true, m2.data } do
      T.raises("array." .. name .. ": expected an array as self", a[name], bad)
    end
    T.raises("(call it as a:", a[name])
  end
  T.raises("array.get: ", a.get, "x", 1)
  T.raises("array.set: ", a.set, "x", 1, 2)
  T.eq(a:refs(), 1)
  T.eq(#m2:totable(), 6)
end)

T.test("pool, executor, future and result methods called with '.' are refused by name at the caller's line",
  function()
    local pool, ex = parlab.ThreadPool(1), parlab.ThreadPoolExecutor(1)
    local r, f = pool:apply_async(function() return 1 end), ex:submit(function() return 2 end)
    local cases = {
      { pool, "Pool", { "map", "apply_async", "close", "join", "terminate", "imap", "info" } },
      { ex, "Executor", { "submit", "map", "shutdown" } },
      { f, "Future", { "result", "done", "cancel", "add_done_callback" } },
      { r, "AsyncResult", { "get", "wait", "ready", "successful" } },
    }
    for _, c in ipairs(cases) do
      local obj, kind, names = c[1], c[2], c[3]
      for _, name in ipairs(names) do
        for _, bad in ipairs { 5, "x", {}, false } do
          T.raises(kind .. "." .. name .. ": expected", obj[name], bad)
        end
      end
    end
    local line = debug.getinfo(1, "l").currentline + 1
    local _, err = pcall(function() pool.close(5) end)
    T.ok(err:find("test_api_faults.lua:" .. line, 1, true), err)
    T.eq(r:get(5), 1)
    T.eq(f:result(5), 2)
    ex:shutdown()
    pool:close()
    pool:join()
  end)

T.test("the array transport kind encodes arrays only", function()
  local kind = internal.transport.kinds_by_name["parlab.array"]
  for _, bad in ipairs { "x", 1, {}, false } do
    T.raises("transport: the parlab.array kind encodes arrays only", kind.encode, bad)
  end
  T.raises("transport: the parlab.array kind encodes arrays only", kind.encode)
end)

T.done()
