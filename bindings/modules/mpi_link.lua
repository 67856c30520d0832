-- The ways parlab.mpi.Pool's master reaches its workers (bindings/modules/mpi_pool.lua), behind one
-- interface: send/isend(msg, r, tag), poll(tag, status) -> msg, r or nil, dead() -> workers gone unnoticed,
-- kill(), close(). Workers are numbered 1..n on both. The world link drives ranks 1..size-1 of an mpirun/srun
-- job (one pool per run: they exit after it). A spawned link drives n processes that MPI_Comm_spawn started
-- from this one (engine/mpi/spawn.cpp) over their own intercommunicator, so a run may hold several;
-- those on this host (all of them in a plain run: Open MPI's singleton places them here) are watched through
-- their pids (a death is noticed) and, in a plain run, killed at terminate. Under mpirun -n 1 they are not
-- killed: mpirun would abort the whole job, the script included; they end after their task, as ranks do.
local parlab, internal = ...
local mpi, M = rawget(parlab, "mpi"), internal.mpi
if not M then return end -- built without MPI

local setmetatable, clock = setmetatable, parlab.clock
local ANY = -1

local World = {}
World.__index = World

function World.send(_, msg, r, tag) mpi.send(msg, r, tag) end
function World.isend(_, msg, r, tag) mpi.isend(msg, r, tag) end -- dropped: MPI finishes it (mpi.hpp)

function World.poll(_, tag, status)
  if not mpi.iprobe(ANY, tag, status) then return nil end
  return mpi.recv(status.source, tag), status.source
end

-- Under a launcher a rank that dies ends the job (mpirun aborts it): nothing to watch, nothing to kill.
function World.dead() return nil end
function World.kill() return {} end
function World.close() end

local Spawned = {}
Spawned.__index = Spawned

function Spawned:send(msg, r, tag) M.link_send(self.link, msg, r - 1, tag) end
function Spawned:isend(msg, r, tag) M.link_isend(self.link, msg, r - 1, tag) end

function Spawned:poll(tag, status)
  if self.closed then return nil end -- after join: nothing more can come
  if not M.link_iprobe(self.link, ANY, tag, status) then return nil end
  local src = status.source
  return M.link_recv(self.link, src, tag), src + 1
end

-- Workers whose process is gone without a word (killed, crashed): checked at most every 0.1 s.
function Spawned:dead()
  local now = clock()
  if now < self.next_check then return nil end
  self.next_check = now + 0.1
  local gone
  for r = 1, self.n do
    if self.here[r] and not self.gone[r] and not M.pid_alive(self.pids[r]) then
      self.gone[r] = true
      gone = gone or {}
      gone[#gone + 1] = r
    end
  end
  return gone
end

-- Ends the workers on this host at once (SIGTERM, whose handler ends even a running task, after shutting
-- the worker's sockets so Open MPI's daemon can start the next ones: engine/mpi/worker_exit.cpp); returns
-- the set of workers ended.
function Spawned:kill()
  local killed = {}
  if mpi.launched then return killed end
  for r = 1, self.n do
    if self.here[r] and not self.gone[r] then
      M.kill(self.pids[r])
      self.gone[r], killed[r] = true, true
    end
  end
  return killed
end

-- After the workers said bye or died.
function Spawned:close()
  if self.closed then return end
  self.closed = true
  M.link_close(self.link)
end

local links = {}

-- The world's ranks 1..size-1.
function links.world()
  return setmetatable({ n = mpi.size - 1, kind = "ranks" }, World)
end

-- n new processes of this binary serving the pool; `what` names the caller in a failed spawn's error.
function links.spawn(n, what)
  local link, pids, hosts = M.spawn(n, what)
  local host, here = M.host(), {}
  for r = 1, n do here[r] = hosts[r] == host end
  return setmetatable({ n = n, kind = "spawned", link = link, pids = pids, here = here, gone = {}, next_check = 0 },
    Spawned)
end

-- A spawned worker's link to its master (rank 0 of the parent side), or nil in a launched rank.
function links.parent()
  local link = M.parent()
  if not link then return nil end
  return {
    send = function(msg, tag) M.link_send(link, msg, 0, tag) end,
    recv = function(tag) return M.link_recv(link, 0, tag) end,
    iprobe = function(tag) return M.link_iprobe(link, 0, tag) end,
  }
end

M.links = links
