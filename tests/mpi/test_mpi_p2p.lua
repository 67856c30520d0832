-- Point to point on objects (mpi4py's lowercase calls), run under mpirun -n 2 and -n 4.
local T = require "mpicheck"
local mpi = T.mpi
local rank, size = mpi.rank, mpi.size

T.test("world: rank, size, thread level, launched", function()
  T.ok(size >= 2, "run this under mpirun -n 2 or more")
  T.ok(rank >= 0 and rank < size)
  T.eq(mpi.launched, true)
  T.ok(({ single = 1, funneled = 1, serialized = 1, multiple = 1 })[mpi.thread_level], mpi.thread_level)
  T.eq(mpi.thread_level_requested, "multiple")
  T.eq(mpi.COMM_WORLD:Get_rank(), rank)
  T.eq(mpi.COMM_WORLD.size, size)
  T.ok(type(mpi.library) == "string" and #mpi.library > 0)
  T.ok(mpi.initialized())
end)

T.test("send/recv: every transportable kind travels", function()
  local cyc = { name = "cycle" }
  cyc.self = cyc
  local value = { 1, 2.5, "bytes\0and\255", true, false, { nested = { deep = { 42 } } }, cyc = cyc,
    big = 2 ^ 53, neg = -7, fn = function(x) return x * 3 end, i64 = 0x7fffffffffffffffLL }
  if rank == 0 then
    for dest = 1, size - 1 do mpi.send(value, dest) end
  else
    local got = mpi.recv(0)
    T.eq(got[3], "bytes\0and\255")
    T.eq(got[6].nested.deep[1], 42)
    T.ok(got.cyc.self == got.cyc, "cycle kept")
    T.eq(got.big, 2 ^ 53)
    T.eq(got.fn(5), 15)
    T.ok(got.i64 == 0x7fffffffffffffffLL)
    T.eq(got[4], true)
    T.eq(got[5], false)
  end
end)

T.test("send/recv: nil, large strings, tags keep messages apart", function()
  local big = string.rep("x", 3 * 1024 * 1024 + 7)
  if rank == 0 then
    mpi.send(nil, 1, 5)
    mpi.send("tag7", 1, 7)
    mpi.send(big, 1, 6) -- large: send returns once the receiver has it (rendezvous), as MPI_Send
  elseif rank == 1 then
    T.eq(mpi.recv(0, 7), "tag7") -- small messages are buffered, so taken out of order by tag
    T.eq(mpi.recv(0, 5), nil)
    T.eq(#mpi.recv(0, 6), #big)
  end
end)

T.test("recv from any source with a status", function()
  if rank == 0 then
    local seen = {}
    for _ = 1, size - 1 do
      local st = {}
      local v = mpi.recv(mpi.ANY_SOURCE, mpi.ANY_TAG, st)
      T.eq(v.from, st.source)
      T.eq(st.tag, 10 + st.source)
      T.ok(st.count > 0)
      seen[st.source] = true
    end
    for r = 1, size - 1 do T.ok(seen[r], "message from rank " .. r) end
  else
    mpi.send({ from = rank }, 0, 10 + rank)
  end
end)

T.test("ring with isend/irecv, wait and test", function()
  local right, left = (rank + 1) % size, (rank - 1) % size
  local rreq = mpi.irecv(left, 3)
  local sreq = mpi.isend({ rank = rank, data = { rank * 10 } }, right, 3)
  T.ok(tostring(sreq):find("mpi.Request"))
  local got = rreq:wait()
  T.eq(got.rank, left)
  T.eq(got.data[1], left * 10)
  T.eq(sreq:wait(), nil)
  T.eq(rreq:wait(), nil, "a finished receive gives its object once")
  -- test() polls: false until the message is there, then true and the object.
  local req = mpi.irecv(left, 4)
  mpi.barrier()
  mpi.send("late", right, 4)
  local done, v
  repeat done, v = req:test() until done
  T.eq(v, "late")
end)

T.test("iprobe sees a waiting message without taking it", function()
  if rank == 0 then
    mpi.send("probe me", 1, 9)
  elseif rank == 1 then
    local st = {}
    while not mpi.iprobe(0, 9, st) do end
    T.eq(st.source, 0)
    T.eq(st.tag, 9)
    T.eq(mpi.recv(0, 9), "probe me")
  end
  mpi.barrier()
  T.eq(mpi.iprobe(mpi.ANY_SOURCE, 9), false)
end)

T.test("COMM_WORLD methods mirror mpi4py", function()
  local comm = mpi.COMM_WORLD
  if rank == 0 then comm:send("via comm", 1, 2) elseif rank == 1 then T.eq(comm:recv(0, 2), "via comm") end
  T.raises("call it as a method", comm.send, "x", 1)
end)

T.test("bad arguments are errors that name the call", function()
  T.raises("mpi.send: dest " .. size .. " is not a rank", mpi.send, 1, size)
  T.raises("mpi.send: dest -2 is not a rank", mpi.send, 1, -2)
  T.raises("mpi.send: dest is required", mpi.send, 1)
  T.raises("mpi.send: dest must be a whole number", mpi.send, 1, 0.5)
  T.raises("mpi.send: tag -3 is outside", mpi.send, 1, 0, -3)
  T.raises("mpi.recv: source 99 is not a rank", mpi.recv, 99)
  T.raises("mpi.recv: source must be a number", mpi.recv, "zero")
  T.raises("cannot send", mpi.send, { co = coroutine.create(print) }, 0)
  T.raises("cannot send", mpi.isend, newproxy(true), 0)
  T.raises("mpi.irecv: tag -5 is outside", mpi.irecv, 0, -5)
  -- shared objects live in one rank's arena: refused at the sender, naming the path (collectives:
  -- test_mpi_single.lua, where no other rank waits on the failed call)
  local a = parlab.array("f64", 4)
  T.raises("cannot send obj[1].data: a parlab.array, which lives in this rank's shared memory and " ..
    "cannot reach another rank (send its elements with mpi.Send", mpi.send, { data = a }, 0, 5)
  T.raises("a parlab.Queue, which lives in this rank's shared memory", mpi.isend, parlab.Queue(), 0)
  T.eq(mpi.iprobe(mpi.rank, 5), false)  -- nothing was sent
  T.raises("expected a Request", mpi.irecv(0, 77).wait, {})
end)

T.test("wtime and wtick", function()
  local t0 = mpi.wtime()
  parlab.sleep(0.01)
  T.ok(mpi.wtime() - t0 >= 0.009)
  T.ok(mpi.wtick() > 0 and mpi.wtick() < 1)
end)

T.done()
