-- parlab.Process: lifecycle, exit codes, signals, errors, bad input, for each start method.
local T = require "check"
local internal = require "parlab.internal"
local methods = { "fork", "spawn", "forkserver" }

local tmpfile = T.tmpfile

local slurp = T.slurp

local gone = T.pid_gone

T.test("the default start method is forkserver and can be changed", function()
  T.eq(parlab.get_start_method(), "forkserver")
  parlab.set_start_method("spawn")
  T.eq(parlab.get_start_method(), "spawn")
  parlab.set_start_method("forkserver")
  T.raises("unknown start method 'vfork'", parlab.set_start_method, "vfork")
  T.raises("set_start_method: expected", parlab.set_start_method, 42)
  T.eq(parlab.get_start_method(), "forkserver")
end)

for _, m in ipairs(methods) do
  T.test(m .. ": start, join, exitcode 0, arguments and upvalues reach the child", function()
    local out = tmpfile()
    local base = 40
    local p = parlab.Process { target = function(path, x, t)
      local f = assert(io.open(path, "w"))
      f:write(base + x + t.y, " ", parlab.current_process().name)
      f:close()
    end, args = { out, 1, { y = 1 } }, name = "writer", start_method = m }
    T.eq(p.exitcode, nil)
    T.eq(p.pid, nil)
    T.eq(p:is_alive(), false)
    p:start()
    T.ok(type(p.pid) == "number" and p.pid > 0)
    T.eq(p:join(), true)
    T.eq(p.exitcode, 0)
    T.eq(p:is_alive(), false)
    T.eq(slurp(out), "42 writer")
    os.remove(out)
    T.ok(gone(p.pid), "the child was reaped")
  end)

  T.test(m .. ": os.exit(n) gives exitcode n; a Lua error gives 1", function()
    local p = parlab.Process(function() os.exit(7) end)
    p.start_method = m
    p:start()
    p:join()
    T.eq(p.exitcode, 7)
    local q = parlab.Process { target = function() error("boom") end, start_method = m, name = "bad" }
    q:start()
    q:join()
    T.eq(q.exitcode, 1)
  end)

  T.test(m .. ": join with a timeout, terminate gives -15, kill gives -9", function()
    local p = parlab.Process { target = function() parlab.sleep(30) end, start_method = m }
    p:start()
    local t0 = parlab.clock()
    T.eq(p:join(0.05), false)
    T.ok(parlab.clock() - t0 < 5)
    T.eq(p:is_alive(), true)
    T.eq(p.exitcode, nil)
    p:terminate()
    T.eq(p:join(10), true)
    T.eq(p.exitcode, -15)
    T.eq(p:how(), "signal 15 (SIGTERM)")
    local k = parlab.Process { target = function() while true do end end, start_method = m }
    k:start()
    k:kill()
    k:join()
    T.eq(k.exitcode, -9)
    T.eq(k:is_alive(), false)
  end)
end

T.test("a child's error prints its traceback with the process name", function()
  local script = tmpfile()
  local f = assert(io.open(script, "w"))
  f:write([[
    for _, m in ipairs{"fork", "spawn", "forkserver"} do
      local p = parlab.Process{target = function() local t = nil; return t.field end, name = "oops-" .. m,
                               start_method = m}
      p:start(); p:join(); print("exitcode", m, p.exitcode)
    end]])
  f:close()
  local pipe = io.popen(string.format("%q %q 2>&1", arg[-1], script))
  local text = pipe:read("*a")
  pipe:close()
  os.remove(script)
  for _, m in ipairs(methods) do
    T.ok(text:find("Process oops-" .. m .. " (pid ", 1, true), "name of " .. m .. " in: " .. text)
    T.ok(text:find("exitcode\t" .. m .. "\t1", 1, true), m .. " exit code in: " .. text)
  end
  T.ok(text:find("attempt to index local 't'", 1, true), text)
  T.ok(text:find("stack traceback", 1, true), text)
end)

T.test("a child's error value that is not a string reads as it does in the main script", function()
  local sources = {}
  for i, case in ipairs(T.error_objects) do sources[i] = string.format("%q", case[1]) end
  local script = T.write_script(string.format([[
    for _, m in ipairs{"fork", "spawn", "forkserver"} do
      for i, src in ipairs{%s} do
        local p = parlab.Process{target = assert(loadstring(src)), name = m .. "-" .. i, start_method = m}
        p:start(); p:join()
      end
    end]], table.concat(sources, ", ")))
  local pipe = io.popen(string.format("%q %q 2>&1", arg[-1], script))
  local text = pipe:read("*a")
  pipe:close()
  os.remove(script)
  for _, m in ipairs(methods) do
    for i, case in ipairs(T.error_objects) do
      local failed = "Process " .. m .. "%-" .. i .. " %(pid %d+%) failed:\n"
      local want = failed .. case[2]:gsub("%p", "%%%0") .. "\nstack traceback:"
      T.ok(text:find(want), m .. " " .. case[1] .. ": " .. text)
    end
  end
  T.ok(not text:find("table: 0x", 1, true), text)
end)

T.test("bad input: non-function target, bad args, bad method, double start, join before start", function()
  T.raises("Process: the target must be a function, got number", parlab.Process, 42)
  T.raises("Process: the target must be a function, got nil", parlab.Process, { args = {} })
  T.raises("Process: args must be a table", parlab.Process, { target = print, args = 3 })
  local p = parlab.Process { target = function() end, start_method = "clone" }
  T.raises("unknown start method 'clone'", p.start, p)
  local q = parlab.Process(function() end)
  T.raises("Process.join: the process was not started", q.join, q)
  T.raises("Process.terminate: the process was not started", q.terminate, q)
  q:start()
  T.raises("Process.start: a process can only be started once", q.start, q)
  T.raises("timeout must be non-negative", q.join, q, -1)
  T.raises("timeout must be a number", q.join, q, "soon")
  q:join()
  q:close()
  T.raises("Process.join: the process object is closed", q.join, q)
  local r = parlab.Process { target = function() parlab.sleep(30) end, start_method = "spawn" }
  r:start()
  T.raises("Process.close: cannot close a process that is still running", r.close, r)
  r:kill()
  r:join()
  T.raises("cannot send args[1]: a coroutine", function()
    parlab.Process { target = print, args = { coroutine.create(print) }, start_method = "spawn" }:start()
  end)
end)

T.test("a callable table is a valid target", function()
  local out = tmpfile()
  local obj = setmetatable({}, { __call = function(_, path)
    local f = io.open(path, "w"); f:write("called"); f:close()
  end })
  local p = parlab.Process { target = obj, args = { out }, start_method = "fork" }
  p:start(); p:join()
  T.eq(p.exitcode, 0)
  T.eq(slurp(out), "called")
  os.remove(out)
end)

T.test("many children of every method, all reaped", function()
  local ps = {}
  for i = 1, 30 do
    local p = parlab.Process { target = function(n) os.exit(n % 50) end, args = { i },
                               start_method = methods[i % 3 + 1] }
    p:start()
    ps[i] = p
  end
  for i, p in ipairs(ps) do
    p:join()
    T.eq(p.exitcode, i % 50)
  end
  T.eq(internal.live_children(), 0)
  for _, p in ipairs(ps) do T.ok(gone(p.pid), "child " .. p.pid .. " was reaped") end
end)

T.test("a forked child cannot join its parent's other children", function()
  local other = parlab.Process { target = function() parlab.sleep(30) end }
  other:start()
  local p = parlab.Process { target = function()
    local ok, err = pcall(other.join, other)
    os.exit((not ok and err:find("can only join a child of this process", 1, true)) and 42 or 1)
  end, start_method = "fork" }
  p:start()
  p:join()
  T.eq(p.exitcode, 42)
  other:kill()
  other:join()
end)

for _, m in ipairs(methods) do
  T.test(m .. ": results come back through a Queue and a Pipe (as in the lecture)", function()
    local q = parlab.Queue()
    local ps = {}
    for i = 1, 4 do
      ps[i] = parlab.Process { target = function(queue, x) queue:put({ x, x * x }) end, args = { q, i },
                               start_method = m }
      ps[i]:start()
    end
    local sum = 0
    for _ = 1, 4 do
      local r = q:get(20)
      T.eq(r[2], r[1] * r[1])
      sum = sum + r[2]
    end
    T.eq(sum, 1 + 4 + 9 + 16)
    for i = 1, 4 do ps[i]:join(); T.eq(ps[i].exitcode, 0) end
    local parent_end, child_end = parlab.Pipe()
    local p = parlab.Process { target = function(c) c:send({ hello = "world", n = 7 }); c:close() end,
                               args = { child_end }, start_method = m }
    p:start()
    T.eq(parent_end:recv(), { hello = "world", n = 7 })
    p:join()
    T.eq(p.exitcode, 0)
  end)
end

T.test("active_children lists the running processes only", function()
  local a = parlab.Process(function() parlab.sleep(30) end)
  local b = parlab.Process(function() end)
  a:start()
  b:start()
  b:join()
  local live = parlab.active_children()
  T.eq(#live, 1)
  T.ok(live[1] == a)
  a:terminate()
  a:join()
  T.eq(#parlab.active_children(), 0)
end)

for _, m in ipairs(methods) do
  T.test(m .. ": a shared array handed to a Process and to a Pool is the same memory (no copy)", function()
    local a = parlab.array("f64", 1000)
    local p = parlab.Process { target = function(arr)
      for i = 0, #arr - 1 do arr[i] = i * 2 end
    end, args = { a }, start_method = m }
    p:start()
    p:join()
    T.eq(p.exitcode, 0)
    T.eq(a[999], 1998)
    local pool = parlab.Pool(2, { start_method = m })
    -- Each task fills its own quarter in place and returns only a count.
    local counts = pool:map(function(q)
      local n = #a / 4
      for i = q * n, (q + 1) * n - 1 do a[i] = -i end
      return n
    end, { 0, 1, 2, 3 }, 1)
    T.list(counts, { 250, 250, 250, 250 })
    local ok = 0
    for i = 0, 999 do if a[i] == -i then ok = ok + 1 end end
    T.eq(ok, 1000)
    pool:close()
    pool:join()
  end)
end

T.test("after an OpenMP kernel ran in the parent, children of every method run kernels", function()
  local a = parlab.array("f64", 100000)
  a:fill(1)
  T.eq(parlab.kernels.sum(a, 2), 100000)
  for _, m in ipairs(methods) do
    local p = parlab.Process { target = function(arr)
      os.exit(parlab.kernels.sum(arr, 2) == 100000 and 0 or 3)
    end, args = { a }, start_method = m }
    p:start()
    local ended = p:join(30)
    if not ended then p:kill(); p:join() end
    T.ok(ended, m .. " child finished")
    T.eq(p.exitcode, 0, m)
  end
end)

T.test("an error raised in C below parlab's own Lua names the user's line", function()
  local p = parlab.Process(function() end)
  p:start()
  local line = debug.getinfo(1, "l").currentline + 1
  local ok, err = pcall(function() return p:join("soon") end)
  T.eq(ok, false)
  T.eq(err, ("%s:%d: Process.join: timeout must be a number, got string"):format(arg[0], line))
  T.ok(p:join(30))
end)

T.done()
