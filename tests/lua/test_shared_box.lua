-- A forked child inherits its parent's userdata for shared objects, but not their references
-- (bindings/core/shared_box.hpp; parlab.array views: bindings/modules/lua_array.cpp): collecting them
-- there must leave the parent's objects alive, and a child that uses one takes (and later drops) a
-- reference of its own.
local T = require "check"
local internal = require "parlab.internal"
local S = internal.sync
local transport = parlab.transport

-- One of every kind of shared object that is a Lua userdata.
local function make_objects()
  return {
    parlab.Lock(), parlab.RLock(), parlab.Semaphore(2), parlab.BoundedSemaphore(2), parlab.Event(),
    parlab.Condition(), parlab.Barrier(2), parlab.Value("i32", 7), parlab.Array("i32", 3),
    parlab.ShareableList({ 1, 2 }), parlab.Queue(), parlab.JoinableQueue(), parlab.SimpleQueue(),
  }
end
local queues = { 11, 12, 13 }  -- their indices in make_objects()
local function is_queue(i) return i >= queues[1] end

-- Runs fn in a forked child and returns its exit code.
local function in_fork(fn)
  local p = parlab.Process { target = fn, start_method = "fork" }
  p:start()
  T.ok(p:join(60), "the child ended")
  return p.exitcode
end

-- In the child: drops every object it can reach through objs (a table it is handed in a box, so
-- that the caller's upvalue goes too), collects, and exits 0 only when all of them were finalized.
local function drop_and_collect(holder)
  local weak = setmetatable({}, { __mode = "v" })
  for i, o in ipairs(holder.objs) do weak[i] = o end
  holder.objs = nil
  collectgarbage()
  collectgarbage()
  os.exit(next(weak) == nil and 0 or 3)
end

-- In the parent: every object is still alive and works; sync objects have exactly one holder again.
local function check_alive(objs, what)
  for i, o in ipairs(objs) do
    if not is_queue(i) then T.eq(S.refs(o), 1, what .. ": holders of " .. tostring(o)) end
    T.ok(transport.decode(transport.encode(o)) == o, what .. ": still attachable: " .. tostring(o))
  end
  local lock, event, q = objs[1], objs[5], objs[11]
  T.eq(lock:acquire(false), true)
  lock:release()
  event:set()
  T.eq(event:wait(5), true)
  q:put("after")
  T.eq(q:get(5), "after")
  T.eq(objs[8].value, 7)
end

T.test("a child that collects inherited objects it never used leaves the parent's references", function()
  local holder = { objs = make_objects() }
  T.eq(in_fork(function() drop_and_collect(holder) end), 0)
  check_alive(holder.objs, "unused in the child")
end)

T.test("a child that uses inherited objects takes references of its own and drops only those", function()
  local holder = { objs = make_objects() }
  local code = in_fork(function()
    local objs = holder.objs
    local lock, event, value, q = objs[1], objs[5], objs[8], objs[11]
    lock:acquire()
    lock:release()
    event:set()
    value.value = 8
    q:put("from the child")
    -- the objects it used now have two holders here: the parent's reference and the child's own
    if S.refs(lock) ~= 2 or S.refs(event) ~= 2 or S.refs(value) ~= 2 then os.exit(4) end
    lock, event, value, q, objs = nil, nil, nil, nil, nil  -- luacheck: ignore 311
    drop_and_collect(holder)
  end)
  T.eq(code, 0)
  local objs = holder.objs
  T.eq(objs[5]:is_set(), true)
  T.eq(objs[11]:get(5), "from the child")
  objs[8].value = 7
  objs[5]:clear()
  check_alive(objs, "used in the child")
end)

T.test("an object a child adopted outlives the parent's reference", function()
  local holder = { lock = parlab.Lock() }
  local ready, go = parlab.Event(), parlab.Event()
  local p = parlab.Process { target = function()
    local lock = holder.lock
    lock:acquire()  -- adopts: a reference of the child's own
    lock:release()
    ready:set()
    if not go:wait(30) then os.exit(5) end
    -- the parent let go: the child's reference alone keeps the lock
    if S.refs(lock) ~= 1 or not lock:acquire(false) then os.exit(6) end
    lock:release()
    os.exit(0)
  end, start_method = "fork" }
  p:start()
  T.eq(ready:wait(30), true)
  T.eq(S.refs(holder.lock), 2)
  holder.lock = nil
  collectgarbage()
  collectgarbage()
  go:set()
  T.ok(p:join(60))
  T.eq(p.exitcode, 0)
end)

T.test("a child that collects an inherited parlab.array leaves the parent's reference", function()
  local holder = { objs = { parlab.array("f64", 1000):fill(2), parlab.array("i32", { 3, 4 }) } }
  local view = holder.objs[1]:slice(10, 20)  -- a second view: two references to the first storage
  T.eq(holder.objs[1]:refs(), 2)
  T.eq(in_fork(function() view = nil drop_and_collect(holder) end), 0)
  T.eq(holder.objs[1]:refs(), 2)
  T.eq(holder.objs[2]:refs(), 1)
  T.eq(parlab.kernels.sum(holder.objs[1]), 2000)
  T.eq(view[0], 2)
end)

T.done()
