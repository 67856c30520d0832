-- The workers' half of parlab.mpi.Pool (bindings/modules/mpi_pool.lua is the master's): a rank >= 1 that
-- calls mpi.Pool(), or a process the master spawned (parlab -e "require('parlab.internal').mpi.serve()"),
-- lands in serve(), which runs the tasks the master sends until it stops the pool, then ends the process
-- (exit status 0, MPI_Finalize at exit): serve never returns. Tasks run as in a local pool's worker: apply
-- (fn(args...) -> every result), map/starmap (fn over a chunk -> a list of first results), errors with
-- their traceback; functions are cached by id so each reaches a rank once.
local parlab, internal = ...
local mpi, M = rawget(parlab, "mpi"), internal.mpi
if not M then return end -- built without MPI

local type, select, unpack, xpcall, pcall, tostring = type, select, unpack, xpcall, pcall, tostring
local format = string.format

-- The pool's tags, far above the ones scripts use, so a script's own messages never match them.
local encode, decode = parlab.transport.encode, parlab.transport.decode

local TAG_CTRL, TAG_RESULT = 32001, 32002
M.pool_tags = { ctrl = TAG_CTRL, result = TAG_RESULT }

local function pack(...)
  return { n = select("#", ...), ... }
end

-- The task's frames only: the traceback stops where serve's xpcall called the task.
local function traceback(err)
  local tb = debug.traceback(tostring(err), 2)
  return (tb:gsub("\n\t%[C%]: in function 'xpcall'.*", ""))
end

local function map_items(fn, items, star)
  local out = { n = items.n or #items }
  for i = 1, out.n do
    local item = items[i]
    local r
    if star then
      if type(item) ~= "table" then
        return false, format("starmap: item %d is a %s, not a table of arguments", i, type(item))
      end
      r = pack(xpcall(fn, traceback, unpack(item, 1, item.n or #item)))
    else
      r = pack(xpcall(fn, traceback, item))
    end
    if not r[1] then return false, r[2] end
    out[i] = r[2]
  end
  return true, out
end

-- Runs one task: true and its values encoded, or false and the error message (a result that cannot
-- travel, such as a coroutine or an array, fails the task).
local function run_task(fn, mode, argbytes)
  local r
  if mode == "apply" then
    r = pack(xpcall(fn, traceback, decode(argbytes)))
    if not r[1] then return false, r[2] end
    r = pack(pcall(encode, unpack(r, 2, r.n)))
  else
    local ok, out = map_items(fn, decode(argbytes), mode == "starmap")
    if not ok then return false, out end
    r = pack(pcall(encode, out))
  end
  if not r[1] then return false, "cannot send the task's result: " .. tostring(r[2]) end
  return true, r[2]
end

-- The master: rank 0 of the world, or the parent of a spawned worker; `me` is this worker's number as the
-- master counts (a spawned worker's world rank + 1).
local master, me

local function to_master()
  local parent = M.links.parent()
  if parent then return parent, mpi.rank + 1 end
  return {
    send = function(msg, tag) mpi.send(msg, 0, tag) end,
    recv = function(tag) return mpi.recv(0, tag) end,
    iprobe = function(tag) return mpi.iprobe(0, tag) end,
  }, mpi.rank
end

local function answer(id, ok, out)
  master.send({ id, ok and "ok" or "error", out }, TAG_RESULT)
end

-- The initializer's new globals go to this rank's _G (a decoded function keeps its writes to itself
-- otherwise), as in a local pool's workers: Python's pattern of an initializer setting globals for tasks.
local function run_init(fn, args)
  local env = getfenv(fn)
  local mt = env ~= _G and getmetatable(env)
  if mt then mt.__newindex = _G end
  local ok, err = xpcall(fn, traceback, unpack(args, 1, args.n or #args))
  if ok then return nil end
  local why = format("the initializer failed on rank %d: %s", me, tostring(err))
  master.send({ 0, "broken", why }, TAG_RESULT)
  return "the pool is broken: " .. why
end

-- A task that calls os.exit would leave rank 0 waiting for its answer: tell rank 0 first, then exit.
local function guard_exit(real_exit, current)
  return function(code, ...)
    local id = current()
    if id then
      pcall(master.send, { id, "died", format("worker rank %d exited (os.exit(%s)) while running this task",
        me, tostring(code == nil and "" or code)) }, TAG_RESULT)
    end
    io.stdout:flush()
    return real_exit(code, ...)
  end
end

-- Rank 0 keeps up to two tasks in this rank's mailbox; messages already there are taken into `inbox`
-- at each fetch, so a stop that rank 0's terminate sent is seen before the next task runs.
-- Open MPI's iprobe moves what arrived into its queues and may answer false that time: ask twice.
local function waiting()
  return master.iprobe(TAG_CTRL) or master.iprobe(TAG_CTRL)
end

local function fetch(inbox)
  local m = table.remove(inbox, 1) or master.recv(TAG_CTRL)
  while waiting() do inbox[#inbox + 1] = master.recv(TAG_CTRL) end
  return m
end

local function stop_waits(inbox)
  for i = 1, #inbox do
    if inbox[i][1] == "stop" then return true end
  end
  return false
end

function M.serve()
  master, me = to_master()
  local cache, inbox, running, broken = {}, {}, nil, nil -- broken: why the initializer failed
  local real_exit = os.exit
  os.exit = guard_exit(real_exit, function() return running end) -- luacheck: ignore 122
  while true do
    local m = fetch(inbox)
    local kind = m[1]
    if kind == "stop" then
      master.send({ 0, "bye" }, TAG_RESULT)
      io.stdout:flush()
      real_exit(0)
    elseif kind == "init" then
      broken = run_init(m[2], m[3])
    elseif kind == "task" and not stop_waits(inbox) then -- after a stop, tasks still held are dropped
      local id, mode, fn_id, fn, args = m[2], m[3], m[4], m[5], m[6]
      if fn then
        fn = decode(fn)
        cache[fn_id] = fn
      else
        fn = cache[fn_id]
      end
      running = id
      if broken then
        answer(id, false, broken)
      else
        answer(id, run_task(fn, mode, args))
      end
      running = nil
    end
  end
end
