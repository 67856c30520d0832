-- Every metamethod and method of parlab's userdata types goes through call_guarded
-- (bindings/core/module.hpp, register_type): called with the wrong object, a bad key or after its __gc,
-- each raises a Lua error that names the problem at the user's file:line, or answers; none crashes.
local T = require "check"

-- Checks that fn (a closure written on one line) raises message at that line of this file: the error
-- crossed into Lua once, at the user's file:line.
local function raises_here(message, fn)
  local line = debug.getinfo(fn, "S").linedefined
  local err = T.raises(message, fn)
  T.ok(err:find("test_userdata_guard.lua:" .. line .. ": ", 1, true), "at the caller's line: " .. err)
end

T.test("a method called on another type's userdata names the method, at the caller's line", function()
  local q, lock = parlab.Queue(), parlab.Lock()
  local r, w = parlab.Pipe()
  local t = parlab.Thread(function() end)
  raises_here("Queue.put: expected a queue as self, got userdata", function() local _ = q.put(lock, 1) end)
  raises_here("Lock.acquire: expected a Lock as self, got userdata", function() local _ = lock.acquire(q) end)
  raises_here("Connection.send: expected a connection as self", function() local _ = w.send(q, 1) end)
  raises_here("Thread.join: expected a Thread", function() local _ = t.join(q) end)
  raises_here("Value.get: expected a Value as self", function() local _ = parlab.Value("i32", 0).get(r) end)
end)

T.test("metamethods called by hand with wrong arguments raise at the caller's line or answer", function()
  local q, lock = parlab.Queue(), parlab.Lock()
  local mt = getmetatable(q)
  T.eq(mt.__eq(q, 1), false)
  T.eq(mt.__eq(q, q), true)
  T.eq(q == 5, false)
  T.eq(lock == q, false)
  T.eq(getmetatable(lock).__eq(lock, "x"), false)
  T.eq(mt.__gc(5), nil)
  local v = parlab.Value("i32", 1)
  raises_here("Value: expected a Value as self", function() local _ = getmetatable(v).__index(q, "value") end)
  raises_here("Value.__tostring: expected a Value", function() local _ = getmetatable(v).__tostring(q) end)
  raises_here("Value: cannot set field 'x' (only .value)", function() v.x = 1 end)
  local a = parlab.Array("i32", 3)
  raises_here("Array: index 3 out of range 0..2", function() local _ = a[3] end)
  raises_here("Array.__len: expected a", function() local _ = getmetatable(a).__len(q) end)
  T.eq(a.no_such_field, nil)
  local l = parlab.ShareableList({ 1, 2 })
  raises_here("ShareableList: index 5 out of range 0..1", function() local _ = l[5] end)
  local t = parlab.Thread(function() end)
  raises_here("Thread.index: expected a Thread", function() local _ = getmetatable(t).__index(5, "name") end)
  T.eq(t.no_such_field, nil)
  local r = parlab.Pipe()
  T.eq(getmetatable(r).__index(5, "closed"), nil)
end)

T.test("after a __gc called by hand, a second __gc does nothing and a use raises", function()
  local q = parlab.Queue()
  getmetatable(q).__gc(q)
  getmetatable(q).__gc(q)
  raises_here("Queue.put: expected a queue as self", function() local _ = q:put(1) end)
  T.eq(tostring(q), "Queue(released)")

  local t = parlab.Thread(function() local _ = 1 end)
  t:start()
  t:join()
  getmetatable(t).__gc(t)
  getmetatable(t).__gc(t)
  raises_here("Thread.join: this Thread was finalized", function() local _ = t:join() end)
  raises_here("Thread.tostring: this Thread was finalized", function() local _ = tostring(t) end)

  local p = parlab.Process { target = function() end }
  p:start()
  p:join()
  local c = p._child
  getmetatable(c).__gc(c)
  getmetatable(c).__gc(c)
  raises_here("Process: this child handle was finalized", function() local _ = c:pid() end)
  raises_here("Process: expected a child handle as self, got number", function() local _ = c.pid(1) end)

  local pool = parlab.ThreadPool(1)
  T.list(pool:map(function(x) return x + 1 end, { 1 }), { 2 })
  local core = pool._core
  getmetatable(core).__gc(core)
  getmetatable(core).__gc(core)
  raises_here("pool: this pool's engine is gone", function() local _ = core:info() end)
  raises_here("pool: expected a pool core as self, got table", function() local _ = core.info({}) end)
  raises_here("pool.destroy: expected a pool core as self, got number", function() core.destroy(1) end)
  core:destroy()
end)

T.test("tostring and properties of closed objects say so", function()
  local q = parlab.Queue()
  q:close()
  T.ok(tostring(q):find("closed", 1, true), tostring(q))
  local r, w = parlab.Pipe()
  r:close()
  T.ok(tostring(r):find("closed", 1, true), tostring(r))
  T.eq(r.closed, true)
  T.eq(w.closed, false)
  raises_here("Connection.recv: the connection is closed", function() local _ = r:recv() end)
  local t = parlab.Thread(function() end)
  T.eq(tostring(t):match("^Thread%(.*, initial%)$") ~= nil, true)
end)

T.test("a type without computed properties keeps its methods table as __index (a plain lookup)", function()
  local r = parlab.Pipe()
  local plain = { parlab.Queue(), parlab.SimpleQueue(), parlab.JoinableQueue(), parlab.Lock(),
                  parlab.Event() }
  for _, o in ipairs(plain) do
    T.eq(type(getmetatable(o).__index), "table")
    T.ok(getmetatable(o).__index == getmetatable(o).methods)
  end
  T.eq(type(parlab.JoinableQueue().task_done), "function")
  T.eq(parlab.SimpleQueue().task_done, nil)
  for _, o in ipairs { parlab.Value("i32", 0), parlab.Array("i32", 1), r, parlab.Thread(function() end) } do
    T.eq(type(getmetatable(o).__index), "function")
  end
end)

T.done()
