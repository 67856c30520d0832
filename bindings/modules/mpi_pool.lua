-- parlab.mpi.Pool and parlab.mpi.PoolExecutor: parlab.Pool's and ProcessPoolExecutor's interface (the same
-- front, bindings/modules/pool.lua and executor.lua) over MPI ranks, as mpi4py.futures' MPIPoolExecutor.
-- Under mpirun/srun rank 0 runs the script and owns the pool; ranks 1..size-1 call the same constructor and
-- serve tasks (bindings/modules/mpi_serve.lua) until rank 0 shuts the pool down, then exit: the constructor
-- never returns there, and a run holds one such pool. A run of one process (plain parlab, or mpirun -n 1)
-- spawns the pool's workers instead (MPI_Comm_spawn; bindings/modules/mpi_link.lua), one set per pool.
-- This file is the pool's core on the master: the interface the front expects of the C pool core (submit,
-- result, cancel, running, close, terminate, join, info), over the pool's link to its workers.
-- Each worker holds up to DEPTH tasks: the one it runs and the next, already in its mailbox, so it never
-- waits for the master between tasks (Python's ProcessPoolExecutor queues one extra call the same way).
local parlab, internal = ...
local mpi, M = rawget(parlab, "mpi"), internal.mpi
if not M then return end -- built without MPI

local type, unpack, error, setmetatable, pairs, tostring = type, unpack, error, setmetatable, pairs, tostring
local clock, sleep = parlab.clock, parlab.sleep
local format, min = string.format, math.min

local Core = {}
Core.__index = Core
local DEPTH = 2

-- Arguments and functions are encoded here, at submit, so what cannot travel fails the call that passed it.
-- Each function is encoded once and reaches each rank once (function -> id; id -> its bytes).
local encode, decode = parlab.transport.encode, parlab.transport.decode
local fn_ids = setmetatable({}, { __mode = "k" })
local fn_bytes, next_fn = {}, 0
local world_core        -- the pool over the world's ranks (they exit after it: one per run)
local live = {}         -- pools whose workers were not released yet, for the exit hook below

local function tags() return M.pool_tags end

-- Tells every serving worker to stop (once per pool); they answer "bye" and exit.
local function release_workers(core)
  if core.released then return end
  core.released = true
  live[core] = nil
  for r = 1, core.link.n do
    if not core.dead[r] then core.link:send({ "stop" }, r, tags().ctrl) end
  end
end

-- Stops the workers and takes in their last answers (a worker blocked sending a large result to a master
-- that never receives it would hang the job); waits for the tasks ranks still run. Spawned workers get half
-- a second; those still busy are left to Open MPI, which ends them with this process (their link stays
-- open, so this process skips MPI_Finalize, which would wait for them: engine/mpi/world.cpp).
local function release_and_drain()
  for core in pairs(live) do
    pcall(release_workers, core)
    pcall(core.join, core, core.link.kind == "spawned" and 0.5 or nil)
  end
end

-- A script that ends without closing the pool still releases the ranks (their MPI_Finalize would otherwise
-- wait for them forever): the CLI closes the Lua state at a normal end, which collects this proxy.
local exit_hook = newproxy(true)
getmetatable(exit_hook).__gc = release_and_drain

-- os.exit(0) on rank 0 skips the Lua state's close, hence the hook above: release the ranks first. A failing
-- exit does not (parlab.mpi aborts the job then, and the ranks with it).
local function guard_exit()
  local real_exit = os.exit
  os.exit = function(code, ...) -- luacheck: ignore 122 (replacing os.exit is the point)
    if code == nil or code == 0 or code == true then release_and_drain() end
    return real_exit(code, ...)
  end
end

local guarded = false

local function new_core(link, n, init, initargs)
  local core = setmetatable({ link = link, n = n, next_id = 0, tasks = {}, queue = {}, first = 1, last = 0,
    per_rank = {}, out = {}, dead = {}, silent = {}, alive = n, byes = 0, sent_fns = {}, answers = {},
    state = "running", hook = exit_hook }, Core)
  for r = 1, n do core.per_rank[r], core.sent_fns[r], core.out[r] = {}, {}, 0 end
  if init then
    for r = 1, link.n do link:send({ "init", init, initargs }, r, tags().ctrl) end
  end
  live[core] = true
  if not guarded then guard_exit() end
  guarded = true
  return core
end

-- Sends task id to rank r, with its function the first time r needs it. Not a blocking send: r may be
-- busy sending a large result, which only rank 0's polling takes in (a blocking send of a large task
-- would wait for r while r waits for rank 0). A dropped object request is safe: MPI finishes it.
function Core:_send(r, id)
  local t = self.tasks[id]
  local fid = t.fn_id
  local fn = not self.sent_fns[r][fid] and fn_bytes[fid] or nil
  self.link:isend({ "task", id, t.mode, fid, fn, t.args }, r, tags().ctrl)
  self.sent_fns[r][fid] = true
  t.rank, self.out[r] = r, self.out[r] + 1
end

-- The next queued task for rank r: its own (static scheduling) first, then the shared queue.
function Core:_next_for(r)
  local own = self.per_rank[r]
  while #own > 0 do
    local id = table.remove(own, 1)
    if self.tasks[id] then return id end
  end
  while self.first <= self.last do
    local id = self.queue[self.first]
    self.queue[self.first] = nil
    self.first = self.first + 1
    if self.tasks[id] then return id end
  end
end

-- Tops up every live rank to DEPTH tasks; when the pool is closed and nothing is left, stops the ranks.
function Core:_feed()
  for r = 1, self.n do
    while self.out[r] < DEPTH and not self.dead[r] do
      local id = self:_next_for(r)
      if not id then break end
      self:_send(r, id)
    end
  end
  if self.state ~= "running" and self:_idle() and not self:_queued() then release_workers(self) end
end

-- True when no rank holds a task of this pool.
function Core:_idle()
  for r = 1, self.n do
    if self.out[r] > 0 and not self.dead[r] then return false end
  end
  return true
end

-- A rank that died held its next task too, which never ran: it goes back to the shared queue.
function Core:_requeue_from(r, died)
  for id, t in pairs(self.tasks) do
    if t.rank == r and id ~= died then
      t.rank = nil
      self.last = self.last + 1
      self.queue[self.last] = id
    end
  end
end

function Core:_queued()
  if self.first <= self.last then return true end
  for r = 1, self.n do
    if #self.per_rank[r] > 0 then return true end
  end
  return false
end

-- core:submit(mode, worker, fn, ...) as the C core: apply's ... are the arguments; map/starmap's are
-- list, i, j (the chunk list[i..j]); worker >= 0 pins the task to rank worker + 1.
function Core:submit(mode, worker, fn, ...)
  local ok, args
  if mode == "apply" then
    ok, args = pcall(encode, ...)
  else
    local list, i, j = ...
    local chunk = { n = j - i + 1 }
    for k = i, j do chunk[k - i + 1] = list[k] end
    ok, args = pcall(encode, chunk)
  end
  if not ok then error(args, 0) end
  local fid = fn_ids[fn]
  if not fid then
    local fok, bytes = pcall(encode, fn)
    if not fok then error(bytes, 0) end
    next_fn = next_fn + 1
    fid, fn_ids[fn], fn_bytes[next_fn] = next_fn, next_fn, bytes
  end
  self.next_id = self.next_id + 1
  local id = self.next_id
  self.tasks[id] = { mode = mode, fn_id = fid, args = args }
  if worker >= 0 then
    local own = self.per_rank[worker % self.n + 1]
    own[#own + 1] = id
  else
    self.last = self.last + 1
    self.queue[self.last] = id
  end
  self:_feed()
  return id
end

-- One answer from a worker, or nil: polls without waiting. A spawned worker whose process is gone without
-- a word (killed, crashed) answers here as one that died in its task: the oldest task it holds fails.
function Core:_poll(status)
  local m, r = self.link:poll(tags().result, status)
  if m then return m, r end
  local gone = self.link:dead()
  for i = 1, gone and #gone or 0 do self.silent[#self.silent + 1] = gone[i] end
  local w = table.remove(self.silent, 1)
  if not w or self.dead[w] then return nil end
  local oldest
  for id, t in pairs(self.tasks) do
    if t.rank == w and (not oldest or id < oldest) then oldest = id end
  end
  return { oldest or 0, "died", format("worker %d (pid %d) ended without an answer (killed or crashed) while "
    .. "running this task", w, self.link.pids[w]) }, w
end

-- Takes one answer in: a task's (returned as id, status, values...), a "bye" or a death (counted here).
function Core:_take(m, r)
  local id, status = m[1], m[2]
  if status == "bye" then
    self.byes = self.byes + 1
    return nil
  end
  if status == "broken" then return 0, "broken", m[3] end
  if r <= self.n then self.out[r] = self.out[r] - 1 end
  if status == "died" then
    self.dead[r], self.alive = true, self.alive - 1
    self:_requeue_from(r, id)
    if self.alive == 0 then self.answers[#self.answers + 1] = { 0, "broken", "every worker rank has exited" } end
  end
  local known = self.tasks[id] ~= nil
  self.tasks[id] = nil
  self:_feed()
  if not known then return nil end  -- a terminated pool's late answer
  if status == "ok" then return id, "ok", decode(m[3]) end
  return id, status, m[3]
end

-- core:result([timeout]) -> nil on timeout, or id, status, values... Spins 200 us (an answer often comes
-- within microseconds), then sleeps 10 us, 20 us, ... up to 1 ms between polls, as parlab.mpi's waits.
function Core:result(timeout)
  local status, deadline, nap = {}, timeout and clock() + timeout, 0
  local spin_until = clock() + 2e-4
  while true do
    local queued = table.remove(self.answers, 1)
    if queued then return unpack(queued) end
    local m, r = self:_poll(status)
    if m then
      local got = { self:_take(m, r) }
      if got[1] then return unpack(got) end
      nap = 0
    elseif self:_idle() and #self.answers == 0 and not self:_queued() then
      return nil -- nothing is out: no answer can come
    else
      local now = clock()
      if deadline and now >= deadline then return nil end
      if now >= spin_until then
        nap = min(nap == 0 and 1e-5 or nap * 2, 1e-3)
        sleep(deadline and min(nap, deadline - now) or nap)
      end
    end
  end
end

-- Only a task still queued on rank 0 can be cancelled (one sent to a rank runs to its end).
function Core:cancel(id)
  local t = self.tasks[id]
  if not t or t.rank then return false end
  self.tasks[id] = nil
  return true
end

function Core:running(id)
  local t = self.tasks[id]
  return t ~= nil and t.rank ~= nil
end

function Core:close()
  if self.state == "running" then self.state = "closed" end
  self:_feed()
end

-- terminate forgets every task (the front fails their results) and drops the queued ones. Spawned workers
-- on this host are ended at once (SIGTERM: engine/mpi/worker_exit.cpp), as parlab.Pool's terminate kills
-- its processes. A rank of an mpirun/srun job cannot be stopped from outside (killing it would end the
-- job): it is told to stop and drops the next task it holds when it sees the stop behind it, so join waits
-- for the tasks the ranks run and drops their answers.
function Core:terminate()
  self.tasks = {}
  self.state = "terminated"
  for r = 1, self.n do self.per_rank[r] = {} end
  self.first, self.last = 1, 0
  self:_kill()
  release_workers(self)
end

function Core:_kill()
  for r in pairs(self.link:kill()) do
    if not self.dead[r] then self.dead[r], self.alive = true, self.alive - 1 end
  end
end

-- Waits until every worker said "bye" or died (true; the link is closed then) or timeout seconds passed
-- (false).
function Core:join(timeout)
  local deadline = timeout and clock() + timeout
  local status = {}
  while self.byes + self:_dead_count() < self.link.n do
    local m, r = self:_poll(status)
    if m then
      local got = { self:_take(m, r) }
      if got[1] and got[1] ~= 0 then self.answers[#self.answers + 1] = got end
    else
      if deadline and clock() >= deadline then return false end
      sleep(1e-4)
    end
  end
  self.link:close()
  return true
end

function Core:_dead_count()
  local k = 0
  for _ in pairs(self.dead) do k = k + 1 end
  return k
end

function Core:info()
  local queued = self.last - self.first + 1
  for r = 1, self.n do queued = queued + #self.per_rank[r] end
  return { size = self.n, queued = queued, deaths = self:_dead_count(), kind = "mpi", functions = next_fn,
    workers = self.link.kind, pids = self.link.pids }
end

local OPTIONS = { scheduling = true, chunksize = true, initializer = true, initargs = true }

-- Checks what make_pool does not: n of the world's ranks free (under a launcher), a known option.
local function check_args(name, n, opts, level)
  if n ~= nil and (type(n) ~= "number" or n < 1 or n % 1 ~= 0) then
    error(format("%s: the number of workers must be a positive integer, got %s", name, tostring(n)), level + 1)
  end
  if mpi.size > 1 and n and n > mpi.size - 1 then
    error(format("%s: %d workers asked, but this run has %d worker ranks (ranks 1..%d; rank 0 runs the script)",
      name, n, mpi.size - 1, mpi.size - 1), level + 1)
  end
  if type(opts) == "table" then
    for k in pairs(opts) do
      if not OPTIONS[k] then
        error(format("%s: unknown option %s (it takes scheduling, chunksize, initializer, initargs)", name,
          tostring(k)), level + 1)
      end
    end
  end
  if mpi.size > 1 and world_core then
    error(name .. ": one pool per run under a launcher (the worker ranks ended with the first pool): reuse it",
      level + 1)
  end
end

-- The pool's workers: the world's ranks 1..n under a launcher, else n spawned processes (default: one per
-- CPU). Spawning happens after make_pool checked the options, so a bad call starts nothing.
local function core_maker(name)
  return function(n, init, initargs)
    if mpi.size > 1 then
      world_core = new_core(M.links.world(), n, init, initargs)
      return world_core
    end
    return new_core(M.links.spawn(n, name), n, init, initargs)
  end
end

local function default_n()
  if mpi.size > 1 then return mpi.size - 1 end
  return parlab.cpus()
end

-- parlab.mpi.Pool([n [, opts]]): under a launcher, on rank 0 a pool over ranks 1..n (default: every other
-- rank), and on any other rank it serves tasks until rank 0 shuts the pool down, then ends the process: it
-- never returns. In a run of one process, a pool over n spawned worker processes.
function mpi.Pool(n, opts)
  if mpi.rank ~= 0 then M.serve() end
  check_args("mpi.Pool", n, opts, 2)
  local pool = internal.pool_front.make_pool("mpi.Pool", core_maker("mpi.Pool"), n or default_n(), opts, 2)
  return pool
end

-- parlab.mpi.PoolExecutor([n [, opts]]): concurrent.futures' interface over mpi.Pool (mpi4py's
-- MPIPoolExecutor); on ranks other than 0 it serves and never returns, as mpi.Pool.
function mpi.PoolExecutor(n, opts)
  if mpi.rank ~= 0 then M.serve() end
  check_args("mpi.PoolExecutor", n, opts, 2)
  local ex = internal.executor_front.make_executor("mpi.PoolExecutor", mpi.Pool, n, opts)
  return ex
end
