-- parlab.connection.wait(list [, timeout]): multiprocessing.connection.wait, waiting on several things at
-- once. Each kind is ready as Python's is: a Pipe end when a message (or the other end's close) can be read,
-- a queue when it holds an item, a Process (or its sentinel) and a Thread when they have ended. There is no
-- one kernel handle behind all of them, so the wait polls their states with a growing nap (20 us up to
-- 1 ms): a ready object is seen within about a millisecond, and an idle wait costs ~1000 cheap checks a
-- second per object. Like every parlab wait it ends at Ctrl-C and at its timeout.
local parlab = ...
local clock, sleep = parlab.clock, parlab.sleep
local type, getmetatable, error, format, min, max = type, getmetatable, error, string.format, math.min, math.max

local QUEUES = { Queue = true, SimpleQueue = true, JoinableQueue = true }

-- The readiness test for item i of the list, or an error that names the item.
local function ready_test(obj, i)
  local mt = getmetatable(obj)
  local kind = type(mt) == "table" and mt.__name
  if kind == "Connection" then
    return function() return obj:poll(0) end
  elseif QUEUES[kind] then
    return function() return not obj:empty() end
  elseif kind == "Thread" then
    if obj.ident == nil then error(format("connection.wait: item %d (a Thread) was never started", i), 4) end
    return function() return not obj:is_alive() end
  elseif kind == "Process" then
    if obj.pid == nil then error(format("connection.wait: item %d (a Process) was not started", i), 4) end
    return function() return obj.exitcode ~= nil end
  end
  error(format("connection.wait: item %d is a %s; it takes Pipe ends, queues, processes (or their sentinels) " ..
    "and threads", i, kind or type(obj)), 4)
end

local function tests_for(list)
  local tests = {}
  for i = 1, #list do tests[i] = ready_test(list[i], i) end
  return tests
end

local function wait(list, timeout)
  if type(list) ~= "table" then error("connection.wait: expected a list of objects, got " .. type(list), 2) end
  if timeout ~= nil and (type(timeout) ~= "number" or timeout ~= timeout) then
    error("connection.wait: timeout must be a number of seconds, got " .. tostring(timeout), 2)
  end
  if #list == 0 and timeout == nil then
    error("connection.wait: an empty list with no timeout would wait for ever", 2)
  end
  local tests = tests_for(list)
  local deadline = timeout and clock() + max(timeout, 0)
  local nap = 0
  while true do
    local ready = {}
    for i = 1, #tests do
      if tests[i]() then ready[#ready + 1] = list[i] end
    end
    if #ready > 0 then return ready end
    local left = deadline and deadline - clock()
    if left and left <= 0 then return ready end
    nap = min(max(nap * 2, 20e-6), 1e-3)
    sleep(left and min(nap, left) or nap)
  end
end

parlab.connection = { wait = wait }
