-- Without a launcher parlab.mpi is a single rank (size 1) that never starts MPI: run by plain `parlab`.
local T = require "check"
local ffi = require "ffi"

T.test("reading parlab.mpi's functions does not start MPI", function()
  T.ok(type(parlab.mpi.send) == "function")
  T.eq(parlab.mpi.initialized(), false)
end)

local mpi = parlab.mpi

T.test("a single rank of size 1, not launched", function()
  T.eq(mpi.rank, 0)
  T.eq(mpi.size, 1)
  T.eq(mpi.launched, false)
  T.eq(mpi.thread_level, "multiple")
  T.ok(mpi.library:find("single rank"))
  T.eq(mpi.COMM_WORLD:Get_size(), 1)
  T.ok(mpi.initialized())
end)

T.test("messages to self queue up and match by tag", function()
  mpi.send({ a = 1 }, 0)
  mpi.send("second", 0, 5)
  T.ok(mpi.iprobe(0, 5))
  T.eq(mpi.recv(0, 5), "second")
  local st = {}
  T.eq(mpi.recv(mpi.ANY_SOURCE, mpi.ANY_TAG, st).a, 1)
  T.eq(st.source, 0)
  T.eq(st.tag, 0)
  local r = mpi.irecv(0, 8)
  T.eq(r:test(), false)
  mpi.isend(function(x) return x + 1 end, 0, 8):wait()
  local done, f = r:test()
  T.ok(done)
  T.eq(f(1), 2)
end)

T.test("a receive that nothing can satisfy is an error, not a hang", function()
  T.raises("no matching message was sent: this run is a single rank", mpi.recv)
  T.raises("no matching message", mpi.Recv, ffi.new("double[1]"))
  T.raises("mpi.send: dest 1 is not a rank (size is 1)", mpi.send, 1, 1)
  T.raises("mpi.recv: source 1 is not a rank", mpi.recv, 1)
  T.raises("mpi.Request.wait: no matching message", mpi.irecv(0, 99).wait, mpi.irecv(0, 99))
end)

T.test("collectives on one rank", function()
  T.eq(mpi.bcast({ 1, 2 }), { 1, 2 })
  T.eq(mpi.gather("g"), { "g" })
  T.eq(mpi.allgather(3), { 3 })
  T.eq(mpi.scatter({ "only" }), "only")
  T.raises("one item per rank", mpi.scatter, { 1, 2 })
  for _, op in ipairs({ "sum", "prod", "max", "min" }) do T.eq(mpi.reduce(7, op), 7) end
  T.eq(mpi.allreduce(4, function(a, b) return a - b end), 4)
  mpi.barrier()
end)

T.test("buffer calls on one rank", function()
  local a, b = ffi.new("double[3]", 1, 2, 3), ffi.new("double[3]")
  mpi.Send(a, 0, 1)
  T.eq(mpi.Recv(b, 0, 1), 3)
  T.eq(b[2], 3)
  mpi.Bcast(a)
  mpi.Allreduce(a, b, "max")
  T.eq(b[1], 2)
  mpi.Reduce(mpi.IN_PLACE, b, "sum", 0)
  mpi.Gather(a, b)
  mpi.Scatter(a, b)
  T.eq(b[0], 1)
  mpi.Send(ffi.new("double[4]"), 0, 2)
  T.raises("does not fit the buffer of 8 bytes", mpi.Recv, ffi.new("double[1]"), 0, 2)
end)

T.test("wtime is a clock", function()
  local t = mpi.wtime()
  T.ok(mpi.wtime() >= t)
  T.ok(mpi.wtick() > 0)
end)

T.test("init refuses another thread level once started", function()
  T.raises("already initialised with thread level multiple", mpi.init, "funneled")
  T.raises("unknown thread level 'lots'", mpi.init, "lots")
  T.eq(mpi.init("multiple").size, 1)
end)

T.test("shared objects cannot reach another rank, in collectives either", function()
  T.raises("cannot send obj[1]: a parlab.Lock, which lives in this rank's shared memory", mpi.bcast,
    parlab.Lock())
  T.raises("cannot send sendobj[1].a: a parlab.array", mpi.gather, { a = parlab.array("i32", 2) })
  T.eq(mpi.bcast({ n = 1 }).n, 1)  -- a plain table still travels
end)

T.test("alone, mpi.Pool spawns its workers (tests/mpi/spawn_pool.lua); bad arguments are refused first", function()
  T.raises("mpi.Pool: the number of workers must be a positive integer, got 1.5", mpi.Pool, 1.5)
  T.raises("mpi.PoolExecutor: unknown option nodes", mpi.PoolExecutor, 2, { nodes = 2 })
end)

T.done()
