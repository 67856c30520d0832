-- parlab.ThreadPoolExecutor (and ProcessPoolExecutor when process pools exist), parlab.as_completed,
-- parlab.wait: concurrent.futures over the same pool engine as ThreadPool (bindings/modules/pool.lua).
local parlab, internal = ...
local clock = parlab.clock
local type, error, setmetatable, unpack, tostring = type, error, setmetatable, unpack, tostring
local format = string.format

parlab.FIRST_COMPLETED = "FIRST_COMPLETED"
parlab.FIRST_EXCEPTION = "FIRST_EXCEPTION"
parlab.ALL_COMPLETED = "ALL_COMPLETED"

local Future = {}
Future.__index = Future

local function front() return internal.pool_front end

function Future:done()
  return self._cancelled or front().wait_for(self._r, 0)
end

function Future:cancelled() return self._cancelled end

-- True while a worker runs the task (Python's running()): taken from the queue, not yet done.
function Future:running()
  if self:done() then return false end
  local r = self._r
  return r._pool._core:running(r._id)
end

-- Marks a future whose task was taken out of the queue as cancelled and runs its done callbacks (once).
local function set_cancelled(self)
  local r = self._r
  local pool = r._pool
  pool._pending:take(r._id)
  self._cancelled = true
  r._ready, r._ok, r._err = true, false, "the future was cancelled"
  local cbs = r._callbacks
  r._callbacks = nil
  if cbs then for i = 1, #cbs do cbs[i](self) end end
end

-- Cancels the task if no worker has taken it yet; true when it will never run.
function Future:cancel()
  if self._cancelled then return true end
  local r = self._r
  if r._ready then return false end
  local pool = r._pool
  if pool._state == "terminated" or not pool._core:cancel(r._id) then return false end
  set_cancelled(self)
  return true
end

local function wait_done(self, what, timeout)
  if timeout ~= nil and type(timeout) ~= "number" then
    error(format("%s: timeout must be a number of seconds, got %s", what, type(timeout)), 3)
  end
  if self._cancelled then error(what .. ": the future was cancelled", 3) end
  if not front().wait_for(self._r, timeout) then error(format("%s: timed out after %g s", what, timeout), 3) end
end

function Future:result(timeout)
  wait_done(self, "Future.result", timeout)
  local r = self._r
  if not r._ok then error("Future.result: the task raised an error:\n" .. tostring(r._err), 2) end
  return unpack(r._value, 1, r._value.n)
end

-- The task's error message, or nil when it returned normally.
function Future:exception(timeout)
  wait_done(self, "Future.exception", timeout)
  return not self._r._ok and self._r._err or nil
end

-- fn(future) when the future is done (now, if it already is; else when its result is pulled in).
function Future:add_done_callback(fn)
  if type(fn) ~= "function" then error("Future.add_done_callback: expected a function, got " .. type(fn), 2) end
  if self:done() then  -- at once, and as a later callback would be: an error is reported, not raised
    local ok, err = xpcall(fn, debug.traceback, self)
    if not ok then io.stderr:write("parlab: a done callback raised an error:\n" .. tostring(err) .. "\n") end
    return
  end
  local r = self._r
  r._callbacks = r._callbacks or {}
  r._callbacks[#r._callbacks + 1] = function() fn(self) end
end

Future.__tostring = function(self)
  local state = self._cancelled and "cancelled" or self._r._ready and "finished" or "pending"
  return format("Future(%s)", state)
end

local Executor = {}
Executor.__index = Executor

function Executor:submit(fn, ...)
  if getmetatable(self) ~= Executor then error("submit: call it as executor:submit(fn, ...)", 2) end
  if self._shutdown then error(self._name .. ".submit: cannot submit after shutdown()", 2) end
  if type(fn) ~= "function" then error(format("%s.submit: expected a function, got %s", self._name, type(fn)), 2) end
  local f = setmetatable({ _r = self._pool:apply_async(fn, ...), _cancelled = false }, Future)
  f._r._future = f  -- shutdown(wait, true) finds the futures to cancel through the pool's queue
  return f
end

-- Results in order as a table (Python returns an iterator; pool:imap streams). opts: {timeout = s,
-- chunksize = n} (a number is the chunksize). timeout counts from the call: when the results are not all in
-- by then, the tasks not started are cancelled and map raises "<name>.map: timed out after <s> s".
function Executor:map(fn, list, opts)
  if getmetatable(self) ~= Executor then error("map: call it as executor:map(fn, list)", 2) end
  local what = self._name .. ".map"
  if self._shutdown then error(what .. ": cannot submit after shutdown()", 2) end
  if type(fn) ~= "function" then error(format("%s: expected a function, got %s", what, type(fn)), 2) end
  if type(list) ~= "table" then error(format("%s: expected a table of items, got %s", what, type(list)), 2) end
  local timeout, chunksize
  if type(opts) == "number" then
    chunksize = opts
  elseif type(opts) == "table" then
    timeout, chunksize = opts.timeout, opts.chunksize
  elseif opts ~= nil then
    error(format("%s: options must be a table {timeout = s, chunksize = n}, got %s", what, type(opts)), 2)
  end
  if timeout ~= nil and type(timeout) ~= "number" then
    error(format("%s: timeout must be a number of seconds, got %s", what, type(timeout)), 2)
  end
  if chunksize ~= nil and (type(chunksize) ~= "number" or chunksize < 1 or chunksize ~= math.floor(chunksize)) then
    error(format("%s: chunksize must be a positive integer, got %s", what, tostring(chunksize)), 2)
  end
  local pool = self._pool
  if timeout == nil then return pool:map(fn, list, chunksize or 1) end
  local start = clock()
  local r = pool:map_async(fn, list, chunksize or 1)
  r._what = pool._name .. ".map"  -- a task's error reads as it does without a timeout
  if not front().wait_for(r, timeout - (clock() - start)) then
    local pending = pool._pending
    for _, id in ipairs(pending:ids()) do  -- as Python's iterator cancels the rest when it gives up
      if pending:owner(id) == r and pool._core:cancel(id) then pending:take(id) end
    end
    error(format("%s: timed out after %g s", what, timeout), 2)
  end
  return r:get()
end

-- Stops taking work; wait = true (default) waits for submitted tasks; cancel_futures cancels queued ones as
-- Future:cancel does (cancelled() and done() are true, their done callbacks run). shutdown(false, true) also
-- stops the running ones (their futures fail with "the pool was terminated"), where Python leaves them
-- running, so a task that never ends (a spinning loop, even JIT-compiled) cannot keep the program alive.
function Executor:shutdown(wait, cancel_futures)
  if self._shutdown then return end
  self._shutdown = true
  if cancel_futures then
    local pool = self._pool
    local pending = pool._pending
    local dropped = {}
    for _, id in ipairs(pending:ids()) do  -- in the order they were submitted, as Python cancels its queue
      local r = pending:owner(id)
      if r and pool._core:cancel(id) then
        if r._future then
          dropped[#dropped + 1] = r._future
        else
          pending:take(id)
          r._ready, r._ok, r._err = true, false, "the future was cancelled"
        end
      end
    end
    for i = 1, #dropped do set_cancelled(dropped[i]) end  -- callbacks run once the queue is settled
  end
  if cancel_futures and wait == false then
    self._pool:terminate()
  else
    self._pool:close()
  end
  if wait ~= false then self._pool:join() end
end

function Executor:__enter() return self end
function Executor:__exit() self:shutdown(true) end

-- Checks its arguments under the executor's name, at the caller's line (level 3: through its constructor).
local function make_executor(name, make_pool, n, opts)
  if n ~= nil and (type(n) ~= "number" or n < 1 or n ~= math.floor(n)) then
    error(format("%s: the number of workers must be a positive integer, got %s", name, tostring(n)), 3)
  elseif n ~= nil and n > 1024 then
    error(format("%s: the number of workers must be at most 1024, got %s", name, tostring(n)), 3)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error(format("%s: options must be a table, got %s", name, type(opts)), 3)
  end
  return setmetatable({ _pool = make_pool(n, opts), _name = name, _shutdown = false }, Executor)
end

internal.executor_front = { make_executor = make_executor }  -- parlab.mpi.PoolExecutor's maker

function parlab.ThreadPoolExecutor(n, opts)
  return make_executor("ThreadPoolExecutor", parlab.ThreadPool, n, opts)
end

function parlab.ProcessPoolExecutor(n, opts)
  return make_executor("ProcessPoolExecutor", parlab.Pool, n, opts)
end

local function check_futures(what, fs)
  if type(fs) ~= "table" then error(format("%s: expected a table of futures, got %s", what, type(fs)), 3) end
  for i = 1, #fs do
    if getmetatable(fs[i]) ~= Future then error(format("%s: item %d is not a Future", what, i), 3) end
  end
end

-- Pulls in whatever results are ready from the pools behind fs; sleeps up to `slice` when none were.
local function pump(fs, slice)
  local pools, got = {}, false
  for i = 1, #fs do
    local p = fs[i]._r._pool
    if not pools[p] then
      pools[p] = true
      while p:_pump(0) do got = true end
    end
  end
  if not got and slice > 0 then
    for i = 1, #fs do
      if not fs[i]:done() then fs[i]._r._pool:_pump(slice) break end
    end
  end
end

-- The futures of fs, each once, in the order first seen (Python takes a set of them).
local function distinct(fs)
  local seen, out = {}, {}
  for i = 1, #fs do
    local f = fs[i]
    if not seen[f] then seen[f], out[#out + 1] = true, f end
  end
  return out
end

-- for f in parlab.as_completed(futures [, timeout]) do ... end: each distinct future once, as it finishes.
local function check_timeout(what, timeout)
  if timeout ~= nil and (type(timeout) ~= "number" or timeout ~= timeout) then
    error(format("%s: timeout must be a number of seconds, got %s", what, tostring(timeout)), 3)
  end
end

function parlab.as_completed(fs, timeout)
  check_futures("as_completed", fs)
  check_timeout("as_completed", timeout)
  fs = distinct(fs)
  local deadline = timeout and clock() + timeout
  local yielded, left = {}, #fs
  return function()
    while left > 0 do
      for i = 1, #fs do
        local f = fs[i]
        if not yielded[f] and f:done() then
          yielded[f], left = true, left - 1
          return f
        end
      end
      local rest = deadline and deadline - clock()
      if rest and rest <= 0 then
        error(format("as_completed: %d of %d futures unfinished after %g s", left, #fs, timeout), 2)
      end
      pump(fs, rest and math.min(rest, 0.005) or 0.005)
    end
  end
end

-- done, not_done = parlab.wait(futures [, timeout [, return_when]]): two lists, each future in one of them once.
function parlab.wait(fs, timeout, return_when)
  check_futures("wait", fs)
  check_timeout("wait", timeout)
  fs = distinct(fs)
  return_when = return_when or "ALL_COMPLETED"
  if return_when ~= "ALL_COMPLETED" and return_when ~= "FIRST_COMPLETED" and return_when ~= "FIRST_EXCEPTION" then
    error("wait: return_when must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got "
      .. tostring(return_when), 2)
  end
  local deadline = timeout and clock() + timeout
  while true do
    local done, not_done, failed = {}, {}, false
    for i = 1, #fs do
      local f = fs[i]
      if f:done() then
        done[#done + 1] = f
        failed = failed or (not f._cancelled and not f._r._ok)  -- a cancelled future raised nothing
      else
        not_done[#not_done + 1] = f
      end
    end
    if #not_done == 0 or (return_when == "FIRST_COMPLETED" and #done > 0)
        or (return_when == "FIRST_EXCEPTION" and failed) then
      return done, not_done
    end
    local rest = deadline and deadline - clock()
    if rest and rest <= 0 then return done, not_done end
    pump(fs, rest and math.min(rest, 0.005) or 0.005)
  end
end

internal.guard_methods(Executor, "Executor")
internal.guard_methods(Future, "Future")
