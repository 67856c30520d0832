-- parlab.Thread and parlab.thread: threading.Thread in Lua idiom. Each thread runs its function in a
-- Lua state of its own (bindings/modules/lua_thread.cpp), so threads share data only through parlab's shared
-- objects (Value, Array, Queue, Lock, ...), never through Lua tables or upvalues.
local parlab, internal = ...
local new, ident = internal.thread_new, internal.thread_ident
local type, select, unpack, getmetatable = type, select, unpack, getmetatable

-- parlab.Thread(fn, ...) or parlab.Thread{target = fn, args = {...}, name = "worker-1", daemon = true}
function parlab.Thread(a, ...)
  if type(a) == "table" and getmetatable(a) == nil and select("#", ...) == 0 then
    local args = a.args or {}
    if type(args) ~= "table" then
      error("Thread: args must be a table, got " .. type(args), 2)
    end
    if type(a.name) == "number" then a.name = tostring(a.name) end  -- Python's str(name): 123 is "123"
    if a.name ~= nil and type(a.name) ~= "string" then
      error("Thread: name must be a string or a number, got " .. type(a.name), 2)
    end
    if type(a.target) ~= "function" then
      error("Thread: expected a function to run (target), got " .. type(a.target), 2)
    end
    if a.daemon ~= nil and type(a.daemon) ~= "boolean" then
      error("Thread: daemon must be a boolean, got " .. type(a.daemon), 2)
    end
    local t = new(a.name, a.target, unpack(args, 1, args.n or #args))
    if a.daemon then t.daemon = true end
    return t
  end
  if type(a) ~= "function" then error("Thread: expected a function to run, got " .. type(a), 2) end
  local t = new(nil, a, ...)  -- not a tail call: errors name the caller's line
  return t
end

parlab.thread = {
  -- Starts fn(...) on a new thread and returns the Thread (join it for the results).
  start = function(fn, ...)
    if type(fn) ~= "function" then error("thread.start: expected a function to run, got " .. type(fn), 2) end
    local t = new(nil, fn, ...):start()
    return t
  end,
  -- The calling thread's kernel id (threading.get_native_id).
  ident = ident,
}

-- threading.current_thread(): the running thread's name and kernel id. A Thread's state sees its name,
-- a pool worker "ThreadPoolWorker-N", the program's first thread (and a process's) "MainThread".
function parlab.current_thread()
  local id = ident()
  return { name = internal.thread_name or "MainThread", ident = id, native_id = id }
end

-- threading.main_thread(): the process's first thread, whose kernel id is the process id.
function parlab.main_thread()
  local pid = internal.getpid()
  return { name = "MainThread", ident = pid, native_id = pid }
end

-- threading.enumerate(): the main thread and every parlab.Thread running in this process now, as
-- current_thread() describes them. Pool workers are not listed (they belong to their pool).
function parlab.enumerate()
  local list = { parlab.main_thread() }
  for _, t in ipairs(internal.live_threads()) do
    list[#list + 1] = { name = t.name, ident = t.ident, native_id = t.ident }
  end
  return list
end

-- threading.active_count(): #parlab.enumerate().
function parlab.active_count() return #internal.live_threads() + 1 end

-- threading.Timer(interval, fn, ...): a Thread that runs fn(...) after interval seconds unless cancel()
-- comes first (the wait is an Event's, so cancel ends it at once).
local Timer = {}
Timer.__index = function(self, k)
  local m = rawget(Timer, k)
  if m ~= nil then return m end
  return rawget(self, "_thread")[k]  -- name, ident, daemon
end

local function timer_body(cancelled, interval, fn, ...)
  if cancelled:wait(interval) then return end
  return fn(...)
end

function parlab.Timer(interval, fn, ...)
  if type(interval) ~= "number" or interval ~= interval or interval < 0 then
    error("Timer: interval must be a non-negative number of seconds, got " .. tostring(interval), 2)
  end
  if type(fn) ~= "function" then error("Timer: expected a function to run, got " .. type(fn), 2) end
  local cancelled = parlab.Event()
  local t = new(nil, timer_body, cancelled, interval, fn, ...)
  return setmetatable({ _thread = t, _cancelled = cancelled, interval = interval }, Timer)
end

function Timer:start() self._thread:start() return self end
function Timer:cancel() self._cancelled:set() end
function Timer:join(timeout) return self._thread:join(timeout) end
function Timer:is_alive() return self._thread:is_alive() end
function Timer:terminate() return self._thread:terminate() end
Timer.__newindex = function(self, k, v)
  if k ~= "daemon" then error("Timer: cannot set field '" .. tostring(k) .. "' (only daemon can be set)", 2) end
  self._thread.daemon = v
end
Timer.__tostring = function(self) return "Timer(" .. tostring(self._thread) .. ")" end

-- threading.get_ident() / get_native_id(): the calling thread's kernel id.
parlab.get_ident, parlab.get_native_id = ident, ident
