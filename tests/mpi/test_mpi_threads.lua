-- Hybrid runs: threads of each rank call MPI at once (MPI_THREAD_MULTIPLE), a hammer of many messages in
-- flight, and blocking MPI calls that release the GIL. Run under mpirun -n 2 and -n 4.
local T = require "mpicheck"
local mpi = T.mpi
local rank, size = mpi.rank, mpi.size

T.test("hammer: every rank isends 300 messages to every other, all arrive in order per sender", function()
  local N = 300
  local sends = {}
  for dest = 0, size - 1 do
    if dest ~= rank then
      for i = 1, N do
        sends[#sends + 1] = mpi.isend({ from = rank, i = i, pad = ("p"):rep(i % 50) }, dest, 1)
      end
    end
  end
  local next_from = {}
  for _ = 1, N * (size - 1) do
    local v = mpi.recv(mpi.ANY_SOURCE, 1)
    next_from[v.from] = (next_from[v.from] or 0) + 1
    T.eq(v.i, next_from[v.from], "MPI keeps order between one pair of ranks")
  end
  for _, r in ipairs(sends) do r:wait() end
  for src = 0, size - 1 do if src ~= rank then T.eq(next_from[src], N) end end
end)

T.test("threads of one rank send and receive at the same time", function()
  if mpi.thread_level ~= "multiple" then return end -- the library gave less: nothing to test
  local K, N = 3, 100
  local threads = {}
  for t = 1, K do
    threads[t] = parlab.Thread(function(tid, n)
      local m = parlab.mpi
      local right, left = (m.rank + 1) % m.size, (m.rank - 1) % m.size
      local r = m.irecv(left, 100 + tid)
      local sum = 0
      for i = 1, n do
        m.send(i, right, 200 + tid)
      end
      for i = 1, n do
        local v = m.recv(left, 200 + tid)
        if v ~= i then error("thread " .. tid .. ": got " .. tostring(v) .. " for message " .. i) end
        sum = sum + v
      end
      m.send("done", right, 100 + tid)
      return sum, r:wait()
    end, t, N):start()
  end
  for t = 1, K do
    local sum, done = threads[t]:join()
    T.eq(sum, N * (N + 1) / 2)
    T.eq(done, "done")
  end
end)

T.test("a blocking recv releases the GIL (a thread of the waiting rank sends the message it waits for)", function()
  if mpi.thread_level ~= "multiple" or not parlab.gil then return end
  if rank == 1 then
    parlab.gil.enable(true)
    local helper = parlab.Thread(function()
      -- Runs only if the main thread let go of the GIL inside recv.
      parlab.mpi.send("from rank 1's thread", 0, 300)
    end):start()
    T.eq(mpi.recv(0, 301), "reply") -- rank 0 replies only after the thread's message
    helper:join()
    parlab.gil.enable(false)
  elseif rank == 0 then
    local r = mpi.irecv(1, 300)
    local deadline = mpi.wtime() + 60
    while not r:test() do
      if mpi.wtime() > deadline then error("rank 1's thread never ran: recv kept the GIL") end
      parlab.sleep(0.001)
    end
    mpi.send("reply", 1, 301)
  end
end)

T.test("processes a rank starts cannot use the rank's MPI, and their exit leaves the job alone", function()
  if not parlab.Process then return end
  for _, method in ipairs({ "fork", "forkserver", "spawn" }) do
    local p = parlab.Process{ target = function()
      local ok, err = pcall(parlab.mpi.send, "x", 0)
      if ok or not tostring(err):find("started by an MPI rank", 1, true) then os.exit(9) end
    end, start_method = method }
    p:start()
    p:join()
    T.eq(p.exitcode, 0, method)
  end
  T.eq(mpi.allreduce(1), size, "the ranks still talk afterwards")
end)

T.done()
