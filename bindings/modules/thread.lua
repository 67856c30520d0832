-- parlab.Thread and parlab.thread: threading.Thread in Lua idiom. Each thread runs its function in a
-- Lua state of its own (bindings/modules/lua_thread.cpp), so threads share data only through parlab's shared
-- objects (Value, Array, Queue, Lock, ...), never through Lua tables or upvalues.
local parlab = ...
local new, ident = parlab._thread_new, parlab._thread_ident
local type, select, unpack, getmetatable = type, select, unpack, getmetatable

-- parlab.Thread(fn, ...) or parlab.Thread{target = fn, args = {...}, name = "worker-1", daemon = true}
function parlab.Thread(a, ...)
  if type(a) == "table" and getmetatable(a) == nil and select("#", ...) == 0 then
    local args = a.args or {}
    if type(args) ~= "table" then
      error("Thread: args must be a table, got " .. type(args), 2)
    end
    if a.name ~= nil and type(a.name) ~= "string" then
      error("Thread: name must be a string, got " .. type(a.name), 2)
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
  return { name = parlab._thread_name or "MainThread", ident = id, native_id = id }
end

-- threading.main_thread(): the process's first thread, whose kernel id is the process id.
function parlab.main_thread()
  local pid = parlab._getpid()
  return { name = "MainThread", ident = pid, native_id = pid }
end

-- threading.get_ident() / get_native_id(): the calling thread's kernel id.
parlab.get_ident, parlab.get_native_id = ident, ident
