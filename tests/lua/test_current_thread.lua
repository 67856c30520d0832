-- threading.current_thread / main_thread / get_ident and multiprocessing.current_process as each kind of
-- worker sees them: a Thread its own name, a ThreadPool worker "ThreadPoolWorker-N", a process pool
-- worker "PoolWorker-N" (its thread "MainThread"), the program "MainThread" / "MainProcess".
local T = require "check"

T.test("the program's thread is the main thread", function()
  local me, main = parlab.current_thread(), parlab.main_thread()
  T.eq(me.name, "MainThread")
  T.eq(me.ident, main.ident)
  T.eq(parlab.get_ident(), me.ident)
  T.eq(me.native_id, me.ident)
  T.eq(parlab.current_process().name, "MainProcess")
end)

T.test("a Thread sees its own name and an ident that is not the main thread's", function()
  local body = function()
    local me = parlab.current_thread()
    return me.name, me.ident, parlab.main_thread().ident
  end
  local t = parlab.Thread { target = body, name = "reader-1" }
  t:start()
  local name, id, main = t:join()
  T.eq(name, "reader-1")
  T.ok(id ~= main, "a thread of its own")
  T.eq(id, t.ident, "the ident its Thread object shows")
  T.eq(main, parlab.main_thread().ident)
  local u = parlab.Thread(body)
  u:start()
  T.eq((u:join()), u.name, "the default name (Thread-N)")
end)

T.test("pool workers are named as in the error messages", function()
  local tp = parlab.ThreadPool(2)
  local names = tp:map(function() parlab.sleep(0.01) return parlab.current_thread().name end, { 1, 2, 3, 4 })
  for i = 1, 4 do T.ok(names[i]:match("^ThreadPoolWorker%-[12]$"), names[i]) end
  tp:close()
  tp:join()
  for _, method in ipairs { "fork", "spawn", "forkserver" } do
    local pp = parlab.Pool(1, { start_method = method })
    local pname, tname = pp:apply(function() return parlab.current_process().name, parlab.current_thread().name end)
    T.eq(pname, "PoolWorker-1", method)
    T.eq(tname, "MainThread", method)
    pp:close()
    pp:join()
  end
end)

T.test("a Process sees its name from current_process", function()
  local q = parlab.Queue()
  local p = parlab.Process { target = function(out) out:put(parlab.current_process().name) end, args = { q },
    name = "loader" }
  p:start()
  T.eq(q:get(30), "loader")
  p:join(30)
end)

T.test("parent_process: nil in the program; the starting process's name and pid in a child, any method", function()
  T.eq(parlab.parent_process(), nil)
  for _, method in ipairs { "fork", "spawn", "forkserver" } do
    local q = parlab.Queue()
    local p = parlab.Process { start_method = method, name = "outer", args = { q }, target = function(out)
      local me = parlab.parent_process()
      out:put({ me.name, me.pid })
      local inner = parlab.Process { name = "inner", args = { out }, target = function(o)
        local pp = parlab.parent_process()
        o:put({ pp.name, pp.pid, parlab.current_process().pid })
      end }
      inner:start()
      inner:join(30)
      local pool = parlab.Pool(1)
      out:put(pool:apply(function() return parlab.parent_process().name end))
      pool:close()
      pool:join(30)
    end }
    p:start()
    local first, second, third = q:get(30), q:get(30), q:get(30)
    p:join(30)
    T.eq(first, { "MainProcess", parlab.current_process().pid }, method)
    T.eq(second[1], "outer", method .. ": a grandchild's parent is the child")
    T.eq(second[2], p.pid, method)
    T.ok(second[3] ~= p.pid)
    T.eq(third, "outer", method .. ": a pool worker's parent is the pool's owner")
  end
end)

T.done()
