-- parlab.Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier: the Lua face of the shared
-- synchronisation objects (bindings/modules/lua_sync.cpp, lua_sync_wait.cpp). Each is one object in the shared
-- arena, the same from every thread and process it reaches: it travels as a handle (transport kind).
local parlab, internal = ...
local S = internal.sync
local registry = debug.getregistry()
local type, error, pcall, select, setmetatable, getmetatable = type, error, pcall, select, setmetatable, getmetatable
local clock = parlab.clock
local M = S.methods

parlab.Lock, parlab.RLock, parlab.Event = S.Lock, S.RLock, S.Event
parlab.Semaphore, parlab.BoundedSemaphore, parlab.Condition = S.Semaphore, S.BoundedSemaphore, S.Condition

-- Lock and RLock: acquire() with no arguments and release() take the FFI's fast path (lua_sync.cpp's
-- parlab_lock_try_*: a C call from compiled code); whatever it cannot do (a wait, a timeout, an error to
-- raise, a box inherited through fork) goes through the method itself.
do
  local ffi = require "ffi"
  ffi.cdef [[ int parlab_lock_try_acquire(void* box); int parlab_lock_try_release(void* box); ]]
  local C = ffi.C
  local lock_mt, rlock_mt = registry["parlab.Lock"], registry["parlab.RLock"]
  local acquire, release = M.Lock.acquire, M.Lock.release
  local function fast_acquire(self, ...)
    local mt = getmetatable(self)
    if select("#", ...) == 0 and (mt == lock_mt or mt == rlock_mt) and C.parlab_lock_try_acquire(self) ~= 0 then
      return true
    end
    return acquire(self, ...)
  end
  local function fast_release(self, ...)
    local mt = getmetatable(self)
    if select("#", ...) == 0 and (mt == lock_mt or mt == rlock_mt) and C.parlab_lock_try_release(self) ~= 0 then
      return
    end
    return release(self, ...)
  end
  for _, name in ipairs { "Lock", "RLock" } do
    M[name].acquire, M[name].release = fast_acquire, fast_release
  end
end

-- The scoped helper: obj:with(fn, ...) acquires, runs fn(...), releases even when fn errors (and then
-- re-raises the error), and returns fn's results -- Python's `with lock:`.
local function finish(self, ok, ...)
  self:release()
  if not ok then error((...), 0) end
  return ...
end
local function with(self, fn, ...)
  if type(fn) ~= "function" then error("with: expected a function as the body, got " .. type(fn), 2) end
  self:acquire()
  return finish(self, pcall(fn, ...))
end
for _, name in ipairs { "Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition" } do
  M[name].with = with
end

-- Condition:wait_for(predicate [, timeout]): waits until predicate() is true; returns its last value.
function M.Condition.wait_for(self, pred, timeout)
  if type(pred) ~= "function" then error("Condition.wait_for: expected a predicate function, got " .. type(pred), 2) end
  if timeout ~= nil and (type(timeout) ~= "number" or timeout < 0) then
    error("Condition.wait_for: timeout must be a non-negative number", 2)
  end
  local result = pred()
  local deadline = timeout and clock() + timeout
  while not result do
    local left
    if deadline then
      left = deadline - clock()
      if left <= 0 then break end
    end
    self:wait(left)
    result = pred()
  end
  return result
end

-- Barrier(parties [, action] [, timeout]): the last of `parties` callers of wait() runs action() and
-- releases the others. An error in the action, a timeout or abort() breaks the barrier.
local actions = setmetatable({}, { __mode = "k" })
function parlab.Barrier(parties, action, timeout)
  if type(action) == "number" and timeout == nil then action, timeout = nil, action end
  if action ~= nil and type(action) ~= "function" then
    error("Barrier: action must be a function, got " .. type(action), 2)
  end
  local b = S.Barrier(parties, timeout)
  actions[b] = action
  return b
end

local arrive, finish_round, wait_round, info = S.barrier_arrive, S.barrier_finish, S.barrier_wait_round, S.barrier_info
function M.Barrier.wait(self, ...)
  local nargs = select("#", ...)
  if nargs > 1 then error(("Barrier.wait: takes at most 1 argument (timeout), got %d"):format(nargs), 2) end
  local timeout = ...
  local index, round, last = arrive(self)
  if last then
    local action = actions[self]
    if action then
      local ok, err = pcall(action)
      if not ok then
        self:abort()
        error(err, 0)
      end
    end
    finish_round(self, round)
  else
    wait_round(self, round, timeout)
  end
  return index
end

local barrier_fields = {
  parties = function(b) return (info(b)) end,
  n_waiting = function(b) return select(2, info(b)) end,
  broken = function(b) return select(3, info(b)) end,
}
registry["parlab.Barrier"].__index = function(b, k)
  local field = barrier_fields[k]
  if field then return field(b) end
  return M.Barrier[k]
end

-- Transport kinds: every object travels as its handle ("offset:serial": a stale one is refused, never bound
-- to another object); a Barrier also carries its action.
local transport = parlab.transport
local function kind(name, attach)
  local mt = registry["parlab." .. name]
  transport.register_kind("parlab." .. name, {
    test = function(v) return getmetatable(v) == mt end,
    encode = S.handle,
    decode = function(payload) return attach(name, payload) end,
  })
end
for _, name in ipairs { "Lock", "RLock", "Semaphore", "BoundedSemaphore", "Event" } do kind(name, S.attach) end
kind("Condition", S.attach_wait)

local barrier_mt = registry["parlab.Barrier"]
transport.register_kind("parlab.Barrier", {
  test = function(v) return getmetatable(v) == barrier_mt end,
  encode = function(b)
    local action = actions[b]
    return S.handle(b) .. (action and ("|" .. transport.encode(action)) or "")
  end,
  decode = function(payload)
    local handle, action = payload:match("^([%d:]+)|(.*)$")
    local b = S.attach_wait("Barrier", handle or payload)
    if action then actions[b] = transport.decode(action) end
    return b
  end,
})
