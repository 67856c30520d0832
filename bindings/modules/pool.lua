-- parlab.ThreadPool and parlab.Pool: multiprocessing.pool's interface over one engine (engine/exec/pool.hpp)
-- with two backends (threads here, processes from the processes issue). Results are pulled by the thread
-- that owns the pool whenever it waits (there is no result-handler thread: one Lua state per thread).
-- Chunking and scheduling (static, dynamic, guided: OpenMP's words) happen here, before tasks are sent;
-- the results they fill in are async_result.lua's.
local parlab, internal = ...
local core_new = internal.pool_core
local clock = parlab.clock
local type, select, unpack, error, setmetatable, pcall = type, select, unpack, error, setmetatable, pcall
local getmetatable, pairs, ipairs, tostring = getmetatable, pairs, ipairs, tostring
local floor, ceil, max, min = math.floor, math.ceil, math.max, math.min
local format = string.format
local new_table = require "table.new"

local results = internal.async_result  -- async_result.lua: loaded first (file name order)
local AsyncResult, MapResult, finish = results.AsyncResult, results.MapResult, results.finish
local wait_for, check_number, pack = results.wait_for, results.check_number, results.pack

local Pool = {}
Pool.__index = Pool

local SCHEDULES = { static = true, dynamic = true, guided = true }

local function check_chunksize(what, c, level)
  if c ~= nil and (type(c) ~= "number" or c < 1 or c ~= floor(c)) then
    error(format("%s: chunksize must be a positive integer, got %s", what, tostring(c)), level + 1)
  end
end

-- Pulls one result (waiting up to timeout; nil waits forever) and hands it to its task's owner.
function Pool:_pump(timeout)
  return self:_dispatch(self._core:result(timeout))
end

function Pool:_dispatch(id, status, ...)
  if id == nil then return false end
  if status == "broken" then
    self:_fail_all(format("%s: the pool is broken: %s", self._name, (...)), "broken")
    return true
  end
  local owner, arg = self._pending:take(id)
  if owner then owner:_deliver(arg, status, ...) end
  return true
end

-- Every task still out fails with msg (terminate, a broken pool).
function Pool:_fail_all(msg, state)
  while self:_pump(0) do end  -- answers already in are delivered, not failed
  self._state = state
  self._broken = state == "broken" and msg or nil
  local pending = self._pending
  for _, id in ipairs(pending:ids()) do
    local owner, arg = pending:take(id)
    if owner then owner:_deliver(arg, "error", msg) end  -- a callback may have taken it already
  end
  if state == "broken" then
    self._core:terminate()
    self._core:join()
  end
end

function Pool:_check_running(what, level)
  if self._state ~= "running" then
    local why = self._state == "broken" and self._broken or ("the pool is " .. self._state)
    error(format("%s.%s: %s", self._name, what, why), level + 1)
  end
end

function Pool:_submit(owner, arg, mode, worker, fn, ...)
  local id = self._core:submit(mode, worker, fn, ...)
  self._pending:add(id, owner, arg)
  return id
end

-- Splits n items into chunks as the scheduling option says, calling emit(start, count, worker) for each
-- in order (worker -1: any); returns how many. No list of chunks is built: at chunksize 1 a million-item
-- map would allocate a million small tables (fresh memory on a first map) just to walk them once.
function Pool:_plan(n, chunksize, emit)
  local k, workers, sched = 0, self._n, self._scheduling
  if sched == "static" and not chunksize then
    for w = 0, workers - 1 do
      local a, b = floor(w * n / workers) + 1, floor((w + 1) * n / workers)
      if b >= a then
        emit(a, b - a + 1, w)
        k = k + 1
      end
    end
  elseif sched == "static" then  -- OpenMP schedule(static, c): chunks dealt round-robin
    for a = 1, n, chunksize do
      emit(a, min(chunksize, n - a + 1), k % workers)
      k = k + 1
    end
  elseif sched == "guided" then  -- chunks of remaining/workers, shrinking to chunksize
    local a, least = 1, chunksize or 1
    while a <= n do
      local c = min(n - a + 1, max(least, ceil((n - a + 1) / workers)))
      emit(a, c, -1)
      a, k = a + c, k + 1
    end
  else  -- dynamic; Python's default chunksize: about 4 chunks per worker
    local c = chunksize or max(1, ceil(n / (workers * 4)))
    for a = 1, n, c do
      emit(a, min(c, n - a + 1), -1)
      k = k + 1
    end
  end
  return k
end

-- Called from _map_async, itself called by the public method: the user's code is 4 levels up.
local function check_map_args(self, what, fn, list, chunksize)
  self:_check_running(what:match("([^.]*)$"), 4)
  if type(fn) ~= "function" then error(format("%s: expected a function, got %s", what, type(fn)), 4) end
  if type(list) ~= "table" then error(format("%s: expected a table of items, got %s", what, type(list)), 4) end
  check_chunksize(what, chunksize, 4)
end

-- callback and error_callback of an options table (Python's keyword arguments), checked at the call.
local function check_callbacks(what, opts, allowed, names, level)
  for k in pairs(opts) do
    if type(k) == "number" and not allowed[k] then
      error(format("%s: extra item %d in the call table: pass the function's arguments as args = {...}", what, k),
        level + 1)
    elseif not allowed[k] then
      error(format("%s: unknown option %s (it takes %s)", what, tostring(k), names), level + 1)
    end
  end
  for _, k in ipairs { "callback", "error_callback" } do
    if opts[k] ~= nil and type(opts[k]) ~= "function" then
      error(format("%s: %s must be a function, got %s", what, k, type(opts[k])), level + 1)
    end
  end
  return opts.callback, opts.error_callback
end

local MAP_OPTIONS = { chunksize = true, callback = true, error_callback = true }

-- The third argument of map_async/starmap_async: a chunksize, or {chunksize =, callback =, error_callback =}.
local function map_options(what, opts)
  if type(opts) ~= "table" then return opts end
  local on_ok, on_err = check_callbacks(what, opts, MAP_OPTIONS, "chunksize, callback, error_callback", 4)
  return opts.chunksize, on_ok, on_err
end

function Pool._map_async(self, what, mode, fn, list, opts, track)
  if getmetatable(self) ~= Pool then error(format("%s: call it as pool:%s(fn, list)", what, what), 3) end
  local full = self._name .. "." .. what
  local chunksize, on_ok, on_err = map_options(full, opts)
  check_map_args(self, full, fn, list, chunksize)
  local n = list.n or #list
  local results = new_table(n, 1)  -- sized once: no doubling (and rehashing) as the answers come in
  results.n = n
  local r = setmetatable({ _pool = self, _what = full, _results = results,
    _have = track == "have" and {} or nil, _arrived = track == "arrived" and {} or nil,
    _errs = {}, _counts = {}, _n = n, _left = 0, _on_ok = on_ok, _on_err = on_err }, MapResult)
  local counts = r._counts
  -- No answer is delivered while tasks are submitted (only a pump delivers), so _left may be set after.
  r._left = self:_plan(n, chunksize or self._chunksize, function(a, c, w)
    counts[a] = c
    self:_submit(r, a, mode, w, fn, list, a, a + c - 1)
  end)
  if n == 0 then
    r._ready, r._ok, r._value = true, true, { n = 1, r._results }
    finish(r)
  end
  return r
end

-- Not tail calls: the argument checks name the caller's line, four frames up.
function Pool:map_async(fn, list, opts)
  local r = Pool._map_async(self, "map_async", "map", fn, list, opts)
  return r
end
function Pool:starmap_async(fn, list, opts)
  local r = Pool._map_async(self, "starmap_async", "starmap", fn, list, opts)
  return r
end

function Pool:map(fn, list, chunksize)
  return Pool._map_async(self, "map", "map", fn, list, chunksize):get()
end

function Pool:starmap(fn, list, chunksize)
  return Pool._map_async(self, "starmap", "starmap", fn, list, chunksize):get()
end

-- for i, v in pool:imap(fn, list) do ... end: results in order, each as soon as it and those before it are in.
function Pool:imap(fn, list, chunksize)
  local r = Pool._map_async(self, "imap", "map", fn, list, chunksize or 1, "have")
  local i = 0
  return function()
    if i >= r._n then return nil end
    i = i + 1
    while not r._have[i] do self:_pump() end
    if r._errs[i] then error(format("%s: a task raised an error:\n%s", r._what, tostring(r._errs[i])), 2) end
    return i, r._results[i]
  end
end

-- for i, v in pool:imap_unordered(fn, list) do ... end: results as tasks finish; i is the item's index.
function Pool:imap_unordered(fn, list, chunksize)
  local r = Pool._map_async(self, "imap_unordered", "map", fn, list, chunksize or 1, "arrived")
  local k = 0
  return function()
    if k >= #r._arrived and r._left == 0 then return nil end
    k = k + 1
    while not r._arrived[k] do
      if r._left == 0 then return nil end
      self:_pump()
    end
    local i = r._arrived[k]
    if r._errs[i] then error(format("%s: a task raised an error:\n%s", r._what, tostring(r._errs[i])), 2) end
    return i, r._results[i]
  end
end

local APPLY_OPTIONS = { [1] = true, args = true, callback = true, error_callback = true }

-- pool:apply_async{fn, args = {...}, callback = f, error_callback = g}: Python's keyword form, line for line.
local function apply_call(self, call)
  local what = self._name .. ".apply_async"
  if call.kwds ~= nil then
    error(what .. ": kwds: Lua functions take no keyword arguments; pass a table in args", 3)
  end
  local on_ok, on_err = check_callbacks(what, call, APPLY_OPTIONS, "args, callback, error_callback", 3)
  local args = call.args or {}
  if type(args) ~= "table" then error(format("%s: args must be a table, got %s", what, type(args)), 3) end
  return call[1], on_ok, on_err, args
end

function Pool:apply_async(fn, ...)
  if getmetatable(self) ~= Pool then error("apply_async: call it as pool:apply_async(fn, ...)", 2) end
  self:_check_running("apply_async", 2)
  local on_ok, on_err, args
  if type(fn) == "table" and select("#", ...) == 0 then fn, on_ok, on_err, args = apply_call(self, fn) end
  if type(fn) ~= "function" then
    error(format("%s.apply_async: expected a function, got %s", self._name, type(fn)), 2)
  end
  local r = setmetatable({ _pool = self, _what = self._name .. ".apply_async", _on_ok = on_ok, _on_err = on_err },
    AsyncResult)
  if args then
    r._id = self:_submit(r, nil, "apply", -1, fn, unpack(args, 1, args.n or #args))
  else
    r._id = self:_submit(r, nil, "apply", -1, fn, ...)
  end
  return r
end

function Pool:apply(fn, ...)
  if getmetatable(self) ~= Pool then error("apply: call it as pool:apply(fn, ...)", 2) end
  self:_check_running("apply", 2)
  if type(fn) ~= "function" then error(format("%s.apply: expected a function, got %s", self._name, type(fn)), 2) end
  local r = setmetatable({ _pool = self, _what = self._name .. ".apply" }, AsyncResult)
  self:_submit(r, nil, "apply", -1, fn, ...)
  return r:get()
end

function Pool:close()
  if self._state == "running" then
    self._state = "closed"
    self._core:close()
  end
end

-- Waits for the workers to end; answers still out are pumped in first, so every callback has run when
-- join returns true (Python's result handler runs them before join returns).
function Pool:join(timeout)
  if self._state == "running" then error(self._name .. ".join: call close() or terminate() first", 2) end
  check_number(self._name .. ".join", timeout)
  if self._state == "broken" then return true end
  local deadline = timeout and clock() + timeout
  while self._pending.out > 0 do
    local left = deadline and deadline - clock()
    if left and left <= 0 then return false end
    self:_pump(left)
    if self._state == "broken" then return true end
  end
  return self._core:join(deadline and max(0, deadline - clock()))
end

-- Stops the workers now; tasks not finished fail with "the pool was terminated".
function Pool:terminate()
  if self._state == "terminated" or self._state == "broken" then return end
  self._core:terminate()
  self._core:join()
  self:_fail_all(self._name .. ": the pool was terminated before this task finished", "terminated")
end

-- For parlab.with: a clean exit closes and joins (queued tasks finish), an error terminates.
function Pool:__enter() return self end
function Pool:__exit(ok)
  if ok then
    self:close()
    self:join()
  else
    self:terminate()
  end
end

function Pool:info()
  local t = self._core:info()
  t.state, t.pending, t.callback_errors = self._state, self._pending.out, self._callback_errors or 0
  return t
end

Pool.__tostring = function(self) return format("%s(%d workers, %s)", self._name, self._n, self._state) end

-- The one constructor behind ThreadPool and Pool.
local function make_pool(name, backend, n, opts, level)
  level = level + 1
  if n == nil then n = parlab.cpus() end
  if type(n) ~= "number" or n < 1 or n ~= floor(n) then
    error(format("%s: the number of workers must be a positive integer, got %s", name, tostring(n)), level)
  elseif n > 1024 then
    error(format("%s: the number of workers must be at most 1024, got %s", name, tostring(n)), level)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error(format("%s: options must be a table, got %s", name, type(opts)), level)
  end
  opts = opts or {}
  local sched = opts.scheduling or "dynamic"
  if not SCHEDULES[sched] then
    error(format("%s: scheduling must be \"static\", \"dynamic\" or \"guided\", got %s", name, tostring(sched)), level)
  end
  check_chunksize(name, opts.chunksize, level)
  local init, initargs = opts.initializer, opts.initargs or {}
  if init ~= nil and type(init) ~= "function" then
    error(format("%s: initializer must be a function, got %s", name, type(init)), level)
  end
  if type(initargs) ~= "table" then
    error(format("%s: initargs must be a table, got %s", name, type(initargs)), level)
  end
  local core
  if type(backend) == "function" then  -- another core with the C core's methods (parlab.mpi.Pool's)
    core = backend(n, init, initargs)
  elseif init then
    core = core_new(backend, n, opts, init, unpack(initargs, 1, initargs.n or #initargs))
  else
    core = core_new(backend, n, opts)
  end
  return setmetatable({ _core = core, _name = name, _n = n, _state = "running", _pending = internal.pending(),
    _scheduling = sched, _chunksize = opts.chunksize }, Pool)
end

function parlab.ThreadPool(n, opts)
  local pool = make_pool("ThreadPool", "thread", n, opts, 2)  -- not a tail call: errors name the caller
  return pool
end

-- Process pools: the backend is the start method (registered by the processes part of parlab).
function parlab.Pool(n, opts)
  local method = type(opts) == "table" and opts.start_method or parlab.default_start_method or parlab.get_start_method()
  local pool = make_pool("Pool", method, n, opts, 2)
  return pool
end

-- A lock-like object (Lock, RLock, Semaphore, Condition) in parlab.with: acquire, then release.
local function lock_enter(o) o:acquire() return o end
local function lock_exit(o) o:release() end

-- with(obj, fn, ...): fn(obj:__enter(), ...), then obj:__exit(ok, err) whether fn returned or raised; for a
-- lock-like object, fn(obj, ...) between acquire and release (Python's `with lock:`).
function parlab.with(obj, fn, ...)
  local kind = type(obj)
  if kind ~= "table" and kind ~= "userdata" then
    error("with: expected a scoped object (a pool, an executor, a lock), got " .. kind, 2)
  end
  local enter, exit = obj.__enter, obj.__exit
  if exit == nil and type(obj.acquire) == "function" and type(obj.release) == "function" then
    enter, exit = lock_enter, lock_exit
  end
  if type(exit) ~= "function" then error("with: the object has no __exit method (not a scoped object)", 2) end
  if type(fn) ~= "function" then error("with: expected a function to run, got " .. type(fn), 2) end
  local target = enter and enter(obj) or obj
  local res = pack(pcall(fn, target, ...))
  exit(obj, res[1], res[2])
  if not res[1] then error(res[2], 0) end
  return unpack(res, 2, res.n)
end

internal.guard_methods(Pool, "Pool")
-- Here, not in async_result.lua: that file opens before core.lua (file name order), which defines it.
internal.guard_methods(AsyncResult, "AsyncResult")
internal.pool_front = { Pool = Pool, AsyncResult = AsyncResult, wait_for = wait_for, make_pool = make_pool }
