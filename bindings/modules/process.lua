-- parlab.Process: Python's multiprocessing.Process in Lua idiom (the C side is bindings/modules/lua_process.cpp).
--   local p = parlab.Process(fn, 1, 2)          -- or parlab.Process{target=fn, args={1, 2}, name="w1"}
--   p:start(); p:join(); print(p.exitcode)
local parlab, internal = ...
local start_core = internal.proc_start
local SIGTERM, SIGKILL = 15, 9

local Process = {}
local counter = 0
local started = setmetatable({}, { __mode = "k" })  -- for active_children; weak: never keeps one alive

local function callable(f)
  if type(f) == "function" then return true end
  local mt = getmetatable(f)
  return type(mt) == "table" and mt.__call ~= nil
end

-- Properties computed on read, as Python's exitcode and pid are.
local getters = {
  exitcode = function(self)
    local c = rawget(self, "_child")
    return c and c:poll() or nil
  end,
  pid = function(self)
    local c = rawget(self, "_child")
    return c and c:pid() or nil
  end,
  -- Python's sentinel is a handle that becomes ready when the process ends; here it is the process itself,
  -- which parlab.connection.wait accepts, so `wait({p.sentinel})` reads as it does in Python.
  sentinel = function(self)
    if not rawget(self, "_child") then error("Process.sentinel: the process was not started", 3) end
    return self
  end,
}

local meta = {
  __name = "Process",
  __index = function(self, k)
    local g = getters[k]
    if g then return g(self) end
    return Process[k]
  end,
  __tostring = function(self)
    local c = rawget(self, "_child")
    local state = not c and "initial" or (c:poll() and ("stopped exitcode=" .. c:poll()) or "started")
    return string.format("<Process name='%s' pid=%s %s%s>", self.name, tostring(self.pid), state,
      self.daemon and " daemon" or "")
  end,
}

-- Level: the user's call, counted from the method that checks (2), through these helpers.
local function check_open(self, who, level)
  level = level or 3
  if getmetatable(self) ~= meta then
    error(("Process.%s: expected a Process as self (call it with ':'), got %s"):format(who, type(self)), level)
  end
  if rawget(self, "_closed") then error("Process." .. who .. ": the process object is closed", level) end
end

local function check_started(self, who)
  check_open(self, who, 4)
  if not rawget(self, "_child") then error("Process." .. who .. ": the process was not started", 3) end
end

-- parlab.Process(fn, ...) or parlab.Process{target=, args=, name=, daemon=, start_method=}
function parlab.Process(target, ...)
  local opts
  if type(target) == "table" and not callable(target) then
    opts = target
  else
    opts = { target = target, args = { n = select("#", ...), ... } }
  end
  if not callable(opts.target) then
    error("Process: the target must be a function, got " .. type(opts.target), 2)
  end
  local args = opts.args or {}
  if type(args) ~= "table" then error("Process: args must be a table, got " .. type(args), 2) end
  if opts.name ~= nil and type(opts.name) ~= "string" then
    error("Process: name must be a string, got " .. type(opts.name), 2)
  end
  if opts.start_method ~= nil and type(opts.start_method) ~= "string" then
    error("Process: start_method must be a string, got " .. type(opts.start_method), 2)
  end
  counter = counter + 1
  local self = {
    target = opts.target,
    args = args,
    name = opts.name or ("Process-" .. counter),
    daemon = opts.daemon and true or false,
    start_method = opts.start_method,
  }
  return setmetatable(self, meta)
end

function Process:start()
  check_open(self, "start")
  if rawget(self, "_child") then error("Process.start: a process can only be started once", 2) end
  local args = self.args
  local n = args.n or #args
  self._child = start_core(self.start_method or parlab.get_start_method(), self.name, self.daemon,
    self.target, unpack(args, 1, n))
  started[self] = true
  return self
end

-- join([timeout]): waits for the process to end; true when it has (false after a timeout).
function Process:join(timeout)
  check_started(self, "join")
  return self._child:wait(timeout) ~= nil
end

function Process:is_alive()
  check_open(self, "is_alive")
  local c = rawget(self, "_child")
  return c ~= nil and c:poll() == nil
end

function Process:terminate()
  check_started(self, "terminate")
  self._child:signal(SIGTERM)
end

function Process:kill()
  check_started(self, "kill")
  self._child:signal(SIGKILL)
end

-- How the process ended, in words: "exit status 1", "signal 9 (SIGKILL)", or "running".
function Process:how()
  check_started(self, "how")
  self._child:poll()
  return self._child:how()
end

function Process:close()
  if getmetatable(self) ~= meta then
    error("Process.close: expected a Process as self (call it with ':'), got " .. type(self), 2)
  end
  if rawget(self, "_closed") then return end
  local c = rawget(self, "_child")
  if c and c:poll() == nil then
    error("Process.close: cannot close a process that is still running; join or terminate it first", 2)
  end
  self._closed = true
end

-- Python's multiprocessing.active_children(): the started processes still running (finished ones are
-- reaped on the way), sorted by pid.
function parlab.active_children()
  local live = {}
  for p in pairs(started) do
    if not rawget(p, "_closed") and p:is_alive() then live[#live + 1] = p else started[p] = nil end
  end
  table.sort(live, function(a, b) return a.pid < b.pid end)
  return live
end

-- Python's multiprocessing.current_process(): the name and pid of the running process.
function parlab.current_process()
  return { name = internal.process_name or "MainProcess", pid = internal.getpid() }
end

-- Python's multiprocessing.parent_process(): the name and pid of the process that started this one (also
-- under forkserver, whose children the server forks), or nil in the program's own process.
function parlab.parent_process()
  local pid = internal.parent_pid
  if not pid then return nil end
  return { name = internal.parent_name, pid = tonumber(pid) }
end

-- set_start_method(m): the default for Process and Pool ("forkserver" unless changed; docs/processes.md).
local set_core = internal.set_start_method
local METHODS = { fork = true, spawn = true, forkserver = true }
function parlab.set_start_method(m)
  if type(m) ~= "string" then
    error("set_start_method: expected 'fork', 'spawn' or 'forkserver', got " .. type(m), 2)
  end
  if not METHODS[m] then
    error("set_start_method: unknown start method '" .. m .. "' (expected 'fork', 'spawn' or 'forkserver')", 2)
  end
  set_core(m)
  parlab.default_start_method = m  -- read by parlab.Pool (bindings/modules/pool.lua)
end
parlab.default_start_method = parlab.get_start_method()

internal.Process = Process
