-- parlab.mpi.Pool and parlab.mpi.PoolExecutor: parlab.Pool's and ProcessPoolExecutor's interface (the same
-- front, bindings/modules/pool.lua and executor.lua) over MPI ranks, as mpi4py.futures' MPIPoolExecutor.
-- Rank 0 runs the script and owns the pool; ranks 1..size-1 call the same constructor and serve tasks
-- (bindings/modules/mpi_serve.lua) until rank 0 shuts the pool down, then exit: the constructor never
-- returns there. This file is the pool's core on rank 0: the interface the front expects of the C pool
-- core (submit, result, cancel, running, close, terminate, join, info), built on parlab.mpi's send/recv.
-- Each rank holds up to DEPTH tasks: the one it runs and the next, already in its mailbox, so it never waits
-- for rank 0 between tasks (Python's ProcessPoolExecutor queues one extra call the same way). One pool per run.
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
local released = false  -- the worker ranks were told to stop (they exit then: one pool per run)
local the_core          -- the run's pool core, for the exit hook below

local function tags() return M.pool_tags end

-- Tells every serving rank to stop (once per run); they answer "bye" and exit.
local function release_workers(core)
  if released then return end
  released = true
  for r = 1, mpi.size - 1 do
    if not core.dead[r] then mpi.send({ "stop" }, r, tags().ctrl) end
  end
end

-- Stops the ranks and takes in their last answers (a rank blocked sending a large result to a rank 0 that
-- never receives it would hang the job); waits for the tasks they still run.
local function release_and_drain()
  if the_core and not released then
    pcall(release_workers, the_core)
    pcall(the_core.join, the_core)
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

local function new_core(n, init, initargs)
  local core = setmetatable({ n = n, next_id = 0, tasks = {}, queue = {}, first = 1, last = 0, per_rank = {},
    out = {}, dead = {}, alive = n, byes = 0, sent_fns = {}, answers = {}, state = "running", hook = exit_hook },
    Core)
  for r = 1, n do core.per_rank[r], core.sent_fns[r], core.out[r] = {}, {}, 0 end
  if init then
    for r = 1, mpi.size - 1 do mpi.send({ "init", init, initargs }, r, tags().ctrl) end
  end
  the_core = core
  guard_exit()
  return core
end

-- Sends task id to rank r, with its function the first time r needs it. Not a blocking send: r may be
-- busy sending a large result, which only rank 0's polling takes in (a blocking send of a large task
-- would wait for r while r waits for rank 0). A dropped object request is safe: MPI finishes it.
function Core:_send(r, id)
  local t = self.tasks[id]
  local fid = t.fn_id
  local fn = not self.sent_fns[r][fid] and fn_bytes[fid] or nil
  mpi.isend({ "task", id, t.mode, fid, fn, t.args }, r, tags().ctrl)
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

-- One answer from a rank, or nil: polls without waiting.
local function poll(status)
  if not mpi.iprobe(mpi.ANY_SOURCE, tags().result, status) then return nil end
  return mpi.recv(status.source, tags().result), status.source
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
    local m, r = poll(status)
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

-- A rank cannot be stopped from outside: terminate forgets every task (the front fails their results),
-- drops the queued ones and stops each rank after the task it runs; a rank drops the next task it holds
-- when it sees the stop behind it (join waits for the running tasks and drops their answers).
function Core:terminate()
  self.tasks = {}
  self.state = "terminated"
  for r = 1, self.n do self.per_rank[r] = {} end
  self.first, self.last = 1, 0
  release_workers(self)
end

-- Waits until every rank said "bye" (true) or timeout seconds passed (false).
function Core:join(timeout)
  local deadline = timeout and clock() + timeout
  local status = {}
  while self.byes + self:_dead_count() < mpi.size - 1 do
    local m, r = poll(status)
    if m then
      local got = { self:_take(m, r) }
      if got[1] and got[1] ~= 0 then self.answers[#self.answers + 1] = got end
    else
      if deadline and clock() >= deadline then return false end
      sleep(1e-4)
    end
  end
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
  return { size = self.n, queued = queued, deaths = self:_dead_count(), kind = "mpi", functions = next_fn }
end

local OPTIONS = { scheduling = true, chunksize = true, initializer = true, initargs = true }

-- Checks what make_pool does not: that this run has worker ranks, n of them free, a known option.
local function check_world(name, n, opts, level)
  if mpi.size < 2 then
    error(name .. ": no worker ranks: this run is a single rank; start it under a launcher "
      .. "(mpirun -n 3 parlab script.lua: rank 0 runs the script, ranks 1 and 2 the tasks)", level + 1)
  end
  if n ~= nil and (type(n) ~= "number" or n < 1 or n % 1 ~= 0) then
    error(format("%s: the number of workers must be a positive integer, got %s", name, tostring(n)), level + 1)
  end
  if n and n > mpi.size - 1 then
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
  if the_core then
    error(name .. ": one pool per run (the worker ranks ended with the first pool): reuse it", level + 1)
  end
end

-- parlab.mpi.Pool([n [, opts]]): on rank 0 a pool over ranks 1..n (default: every other rank); on any
-- other rank it serves tasks until rank 0 shuts the pool down, then ends the process: it never returns.
function mpi.Pool(n, opts)
  if mpi.rank ~= 0 then M.serve() end
  check_world("mpi.Pool", n, opts, 2)
  local pool = internal.pool_front.make_pool("mpi.Pool", new_core, n or mpi.size - 1, opts, 2)
  return pool
end

-- parlab.mpi.PoolExecutor([n [, opts]]): concurrent.futures' interface over mpi.Pool (mpi4py's
-- MPIPoolExecutor); on ranks other than 0 it serves and never returns, as mpi.Pool.
function mpi.PoolExecutor(n, opts)
  if mpi.rank ~= 0 then M.serve() end
  check_world("mpi.PoolExecutor", n, opts, 2)
  local ex = internal.executor_front.make_executor("mpi.PoolExecutor", mpi.Pool, n, opts)
  return ex
end
