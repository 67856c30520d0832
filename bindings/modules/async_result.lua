-- The results of pool tasks (parlab.Pool, ThreadPool, mpi.Pool; the executors' futures wait on them):
-- AsyncResult (one apply_async task) and MapResult (the items of a map, chunk by chunk). A pool hands each
-- answer to its task's owner with owner:_deliver(arg, status, ...); waiting pumps the owning pool
-- (pool:_pump), so results are filled in by the thread that owns the pool. pool.lua builds the pools on these.
local parlab, internal = ...
local clock = parlab.clock
local type, select, unpack, error, setmetatable = type, select, unpack, error, setmetatable
local tostring, xpcall = tostring, xpcall
local format = string.format

local function pack(...)
  return { n = select("#", ...), ... }
end

-- One apply_async task: ready once its answer is pumped in.
local AsyncResult = {}
AsyncResult.__index = AsyncResult

-- Runs one callback for the pool's owner thread; an error in it is reported on stderr with its traceback
-- and counted in pool:info().callback_errors, never raised into the wait that happened to run it (which
-- would lose it, or break the pool as an exception does in Python's result-handler thread).
local function run_callback(r, fn, ...)
  local ok, err = xpcall(fn, debug.traceback, ...)
  if not ok then
    err = tostring(err):gsub("\n\t%[C%]: in function 'xpcall'.*", "")  -- the callback's frames only
    local pool = r._pool
    pool._callback_errors = (pool._callback_errors or 0) + 1
    io.stderr:write(format("parlab: a callback of %s raised an error (the pool goes on):\n%s\n", r._what, err))
  end
end

-- Once a result is ready: its callback or error_callback (apply_async/map_async options), then the done
-- callbacks (Future:add_done_callback), all in the thread that pumped the answer in, in completion order.
local function finish(r)
  if r._finished then return end
  r._finished = true
  if r._ok and r._on_ok then
    run_callback(r, r._on_ok, unpack(r._value, 1, r._value.n))
  elseif not r._ok and r._on_err then
    run_callback(r, r._on_err, r._err)
  end
  local cbs = r._callbacks
  if cbs then
    for i = 1, #cbs do run_callback(r, cbs[i], r) end
  end
end

function AsyncResult:_deliver(_, status, ...)
  if self._ready then return end
  self._ready = true
  if status == "ok" then
    self._ok, self._value = true, pack(...)
  else
    self._ok, self._err = false, (...)
  end
  finish(self)
end

-- The items of a map/starmap/imap, arriving chunk by chunk (ready once every chunk is in, or one failed).
local MapResult = setmetatable({}, { __index = AsyncResult })
MapResult.__index = MapResult

function MapResult:_deliver(start, status, results)
  local count = self._counts[start]
  if status == "ok" then
    local out, have, arrived = self._results, self._have, self._arrived
    for k = 1, count do out[start + k - 1] = results[k] end
    if have then  -- imap: which items are in
      for k = 1, count do have[start + k - 1] = true end
    end
    if arrived then  -- imap_unordered: in which order they came
      for k = 1, count do arrived[#arrived + 1] = start + k - 1 end
    end
  else
    self._errs[start] = results
    if self._have then self._have[start] = true end
    if self._arrived then self._arrived[#self._arrived + 1] = start end
    if not self._err then self._err = results end
  end
  self._left = self._left - 1
  if self._left == 0 or self._err then
    self._ready = true
    self._ok = not self._err
    self._value = { n = 1, self._results }
    finish(self)
  end
end

-- Waits (pumping the pool) until obj._ready or `timeout` seconds; true when ready.
local function wait_for(obj, timeout)
  if obj._ready then return true end
  local pool = obj._pool
  if timeout and timeout <= 0 then
    while pool:_pump(0) do
      if obj._ready then return true end
    end
    return obj._ready == true
  end
  local deadline = timeout and clock() + timeout
  while not obj._ready do
    local left = deadline and deadline - clock()
    if left and left <= 0 then return false end
    pool:_pump(left)
  end
  return true
end

local function check_number(what, v)
  if v ~= nil and type(v) ~= "number" then
    error(format("%s: timeout must be a number of seconds, got %s", what, type(v)), 3)
  end
end

function AsyncResult:wait(timeout)
  check_number("AsyncResult.wait", timeout)
  return wait_for(self, timeout)
end

function AsyncResult:ready()
  return wait_for(self, 0)
end

function AsyncResult:successful()
  if not wait_for(self, 0) then error("AsyncResult.successful: the result is not ready", 2) end
  return self._ok
end

function AsyncResult:get(timeout)
  check_number("AsyncResult.get", timeout)
  if not wait_for(self, timeout) then error(format("AsyncResult.get: timed out after %g s", timeout), 2) end
  if not self._ok then error(format("%s: a task raised an error:\n%s", self._what, tostring(self._err)), 2) end
  local v = self._value
  return unpack(v, 1, v.n)
end

internal.async_result = { AsyncResult = AsyncResult, MapResult = MapResult, finish = finish, wait_for = wait_for,
  check_number = check_number, pack = pack }
