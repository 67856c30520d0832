-- CPython's multiprocessing tests (Lib/test/_test_multiprocessing.py: _TestProcess, _TestValue, _TestArray,
-- _TestConnection, _TestLock and friends across processes, TestStartMethod, _TestSharedMemory) ported to
-- parlab.Process, Value, Array, Pipe, ShareableList. parlab differs on purpose where docs say so:
-- Array and ShareableList are 0-based like Python's, join returns true once the process ended, an error
-- in a child gives exitcode 1 and its traceback on stderr (docs/processes.md).
local H = require "cp_harness"
local A = H.A
local case = H.case

-- _test_multiprocessing._TestProcess.test_current
case("_test_multiprocessing._TestProcess.test_current", function()
  local cur = parlab.current_process()
  A.eq(cur.name, "MainProcess")
  A.eq(type(cur.pid), "number")
  local q = parlab.Queue()
  local p = parlab.Process { target = function(q) q:put(parlab.current_process()) end, args = { q },
    name = "child-x" }
  p:start()
  local c = q:get(10)
  A.eq(c.name, "child-x")
  A.eq(c.pid, p.pid)
  p:join(10)
end)

-- _test_multiprocessing._TestProcess.test_daemon_argument
case("_test_multiprocessing._TestProcess.test_daemon_argument", function()
  A.eq(parlab.Process(function() end).daemon, false)
  A.eq(parlab.Process { target = function() end, daemon = true }.daemon, true)
  A.eq(parlab.Process { target = function() end, daemon = false }.daemon, false)
end)

-- _test_multiprocessing._TestProcess.test_process: name, args, pid, is_alive and exitcode over the life
case("_test_multiprocessing._TestProcess.test_process", function()
  local q, ev = parlab.Queue(), parlab.Event()
  local p = parlab.Process { target = function(q, ev, ...)
    q:put({ ... })
    q:put(parlab.current_process().name)
    ev:wait(10)
  end, args = { q, ev, 1, 2, 3 }, name = "SomeProcess" }
  A.eq(p.exitcode, nil) A.eq(p:is_alive(), false) A.eq(p.pid, nil) A.eq(p.name, "SomeProcess")
  p:start()
  A.eq(p.exitcode, nil) A.eq(p:is_alive(), true) A.eq(type(p.pid), "number")
  A.list(q:get(10), { 1, 2, 3 })
  A.eq(q:get(10), "SomeProcess")
  ev:set()
  A.eq(p:join(10), true)
  A.eq(p.exitcode, 0) A.eq(p:is_alive(), false)
  A.eq(#parlab.active_children(), 0)
end)

-- _test_multiprocessing._TestProcess.test_args_argument: args as a table or after the function
case("_test_multiprocessing._TestProcess.test_args_argument", function()
  local q = parlab.Queue()
  parlab.Process(function(q, a, b) q:put(a .. b) end, q, "x", "y"):start():join(10)
  parlab.Process { target = function(q, t) q:put(t[2]) end, args = { q, { 5, 6 } } }:start():join(10)
  A.eq(q:get(5), "xy")
  A.eq(q:get(5), 6)
end)

-- _test_multiprocessing._TestProcess.test_terminate: exitcode -SIGTERM
case("_test_multiprocessing._TestProcess.test_terminate", function()
  local p = parlab.Process(function() parlab.sleep(60) end)
  p:start()
  parlab.sleep(0.05)
  A.eq(p:is_alive(), true)
  A.eq(p:join(0.05), false, "join with a timeout on a running process")
  p:terminate()
  A.eq(p:join(10), true)
  A.eq(p:is_alive(), false)
  A.eq(p.exitcode, -15)
end)

-- _test_multiprocessing._TestProcess.test_kill: exitcode -SIGKILL
case("_test_multiprocessing._TestProcess.test_kill", function()
  local p = parlab.Process(function() parlab.sleep(60) end)
  p:start()
  p:kill()
  A.eq(p:join(10), true)
  A.eq(p.exitcode, -9)
end)

-- _test_multiprocessing._TestProcess.test_cpu_count
case("_test_multiprocessing._TestProcess.test_cpu_count", function()
  local n = parlab.cpus()
  A.ok(type(n) == "number" and n >= 1 and n == math.floor(n))
end)

-- _test_multiprocessing._TestProcess.test_active_children
case("_test_multiprocessing._TestProcess.test_active_children", function()
  local ev = parlab.Event()
  local p = parlab.Process(function(ev) ev:wait(10) end, ev)
  local function listed()
    for _, c in ipairs(parlab.active_children()) do if c == p then return true end end
    return false
  end
  A.eq(listed(), false)
  p:start()
  A.eq(listed(), true)
  ev:set()
  p:join(10)
  A.eq(listed(), false)
end)

-- _test_multiprocessing._TestProcess.test_recursion: processes that start processes
case("_test_multiprocessing._TestProcess.test_recursion", function()
  local q = parlab.Queue()
  local function rec(q, id, depth)
    q:put(id)
    if depth > 0 then
      for i = 1, 2 do
        local p = parlab.Process(rec, q, id .. i, depth - 1)
        p:start()
        p:join(10)
      end
    end
  end
  local p = parlab.Process(rec, q, "0", 2)
  p:start()
  A.eq(p:join(20), true)
  local got = {}
  for _ = 1, 7 do got[#got + 1] = q:get(5) end
  A.eq(table.concat(got, " "), "0 01 011 012 02 021 022")
end)

-- _test_multiprocessing._TestProcess.test_close
case("_test_multiprocessing._TestProcess.test_close", function()
  local ev = parlab.Event()
  local p = parlab.Process(function(ev) ev:wait(10) end, ev)
  p:start()
  A.raises("Process.close: cannot close a process that is still running", p.close, p)
  ev:set()
  p:join(10)
  p:close()
  p:close()  -- twice is fine
  A.raises("closed", p.is_alive, p)
  A.raises("closed", p.join, p)
end)

-- _test_multiprocessing._TestProcess.test_many_processes: exit codes of many children
case("_test_multiprocessing._TestProcess.test_many_processes", function()
  local ps = {}
  for i = 1, 20 do
    ps[i] = parlab.Process(function(i) if i % 2 == 0 then os.exit(i) end end, i)
    ps[i]:start()
  end
  for i = 1, 20 do
    A.eq(ps[i]:join(10), true)
    A.eq(ps[i].exitcode, i % 2 == 0 and i or 0)
  end
end)

-- _test_multiprocessing._TestProcess.test_sys_exit: os.exit(n) sets the exit code; an error gives 1
case("_test_multiprocessing._TestProcess.test_sys_exit", function()
  local p = parlab.Process(function() os.exit(3) end):start()
  p:join(10)
  A.eq(p.exitcode, 3)
  local e = parlab.Process(function() error("child fails on purpose (expected in this test's stderr)") end)
  e:start()
  e:join(10)
  A.eq(e.exitcode, 1)
end)

-- _test_multiprocessing._TestProcess.test_lose_target_ref: the target needs no reference in the parent
case("_test_multiprocessing._TestProcess.test_lose_target_ref", function()
  local q = parlab.Queue()
  local p = parlab.Process(function(q) q:put(5) end, q)
  p:start()
  collectgarbage()
  A.eq(q:get(10), 5)
  A.eq(p:join(10), true)
end)

-- _test_multiprocessing._TestProcess.test_wait_for_threads: a child's end waits for its threads
case("_test_multiprocessing._TestProcess.test_wait_for_threads", function()
  local ev = parlab.Event()
  local p = parlab.Process(function(ev)
    parlab.thread.start(function(ev) parlab.sleep(0.2) ev:set() end, ev)
  end, ev)
  p:start()
  A.eq(p:join(10), true)
  A.eq(ev:is_set(), true, "the child ended before its thread")
end)

-- _test_multiprocessing._TestProcess.test_process: a process object starts once (multiprocessing asserts
-- "cannot start a process twice")
case("_test_multiprocessing._TestProcess.test_process (start twice)", function()
  local p = parlab.Process(function() end)
  p:start()
  A.raises("only be started once", p.start, p)
  p:join(10)
end)

-- _test_multiprocessing._TestProcess: every start method runs a child (TestStartMethod.test_start_method)
for _, m in ipairs { "fork", "spawn", "forkserver" } do
  case("_test_multiprocessing.TestStartMethod.test_context (" .. m .. ")", function()
    local q = parlab.Queue()
    local p = parlab.Process { target = function(q, x) q:put(x * 2) end, args = { q, 21 }, start_method = m }
    p:start()
    A.eq(q:get(10), 42)
    A.eq(p:join(10), true)
    A.eq(p.exitcode, 0)
  end)
end

-- _test_multiprocessing.TestStartMethod.test_set_get
case("_test_multiprocessing.TestStartMethod.test_set_get", function()
  local old = parlab.get_start_method()
  A.eq(old, "forkserver")
  parlab.set_start_method("spawn")
  A.eq(parlab.get_start_method(), "spawn")
  parlab.set_start_method(old)
  A.eq(parlab.get_start_method(), old)
  A.raises("unknown start method", parlab.set_start_method, "nope")
end)

-- _test_multiprocessing._TestValue.test_value: values of each type, changed by a child
case("_test_multiprocessing._TestValue.test_value", function()
  local vals = { parlab.Value("i", 25), parlab.Value("d", 3.625), parlab.Value("q", 2 ^ 40),
    parlab.Value("?", true) }
  A.eq(vals[1].value, 25) A.eq(vals[2].value, 3.625) A.eq(vals[3].value, 2 ^ 40) A.eq(vals[4].value, true)
  local p = parlab.Process(function(a, b, c, d)
    a.value = -a.value b.value = b.value * 2 c.value = c.value + 1 d.value = false
  end, vals[1], vals[2], vals[3], vals[4])
  p:start()
  p:join(10)
  A.eq(vals[1].value, -25) A.eq(vals[2].value, 7.25) A.eq(vals[3].value, 2 ^ 40 + 1) A.eq(vals[4].value, false)
end)

-- _test_multiprocessing._TestValue.test_getobj_getlock: a lock comes with the value
case("_test_multiprocessing._TestValue.test_getobj_getlock", function()
  local v = parlab.Value("i", 5)
  local lock = v:get_lock()
  A.eq(lock:acquire(), true)
  lock:release()
  A.eq(v:get(), 5)
  v:set(6)
  A.eq(v.value, 6)
  A.eq(v:add(4), 10, "add returns the new value")
end)

-- _test_multiprocessing._TestValue.test_value (bad values): a value that does not fit is refused
case("_test_multiprocessing._TestValue.test_value (bad values)", function()
  A.raises("Value", parlab.Value, "i", 1.5)
  A.raises("Value", parlab.Value, "B", 256)
  A.raises("Value", parlab.Value, "i", "x")
end)

-- _test_multiprocessing._TestValue.test_rawvalue: a typecode the ported test uses
case("_test_multiprocessing._TestValue.test_rawvalue (typecode h)", function()
  A.eq(parlab.Value("h", -5).value, -5)
end)

-- _test_multiprocessing._TestArray.test_array: a child doubles every item (0-based, as Python)
case("_test_multiprocessing._TestArray.test_array", function()
  local seq = { 680, 626, 934, 821, 150, 233, 548, 982, 714, 831 }
  local arr = parlab.Array("i", seq)
  A.eq(#arr, 10)
  A.eq(arr[0], 680) A.eq(arr[9], 831)
  local p = parlab.Process(function(a) for i = 0, #a - 1 do a[i] = a[i] * 2 end end, arr)
  p:start()
  p:join(10)
  local t = arr:totable()
  for i = 1, 10 do A.eq(t[i], seq[i] * 2) end
end)

-- _test_multiprocessing._TestArray.test_array_from_size: zero filled
case("_test_multiprocessing._TestArray.test_array_from_size", function()
  local arr = parlab.Array("d", 10)
  A.eq(#arr, 10)
  for i = 0, 9 do A.eq(arr[i], 0) end
end)

-- _test_multiprocessing._TestArray.test_getobj_getlock_obj: the array's lock serialises children
case("_test_multiprocessing._TestArray.test_getobj_getlock_obj", function()
  local arr = parlab.Array("q", 1)
  local ps = {}
  for i = 1, 3 do
    ps[i] = parlab.Process(function(a)
      for _ = 1, 500 do a:get_lock():with(function() a[0] = a[0] + 1 end) end
    end, arr)
    ps[i]:start()
  end
  for i = 1, 3 do ps[i]:join(10) end
  A.eq(arr[0], 1500)
end)

-- _test_multiprocessing._TestArray.test_array (out of range): Python's IndexError is an error here
case("_test_multiprocessing._TestArray.test_array (index out of range)", function()
  local arr = parlab.Array("i", 3)
  A.ok(not pcall(function() return arr[3] end))
  A.ok(not pcall(function() arr[-4] = 1 end))
end)

-- _test_multiprocessing._TestArray.test_rawarray: the ctypes code 'c' (char)
case("_test_multiprocessing._TestArray.test_rawarray (typecode c)", function()
  local arr = parlab.Array("c", 4)
  A.eq(#arr, 4)
end)

-- _test_multiprocessing._TestSharedMemory.test_shared_memory_ShareableList_basics (0-based)
case("_test_multiprocessing._TestSharedMemory.test_shared_memory_ShareableList_basics", function()
  local sl = parlab.ShareableList { "howdy", 2, -42.5, true, "howdy" }
  A.eq(#sl, 5)
  A.eq(sl[0], "howdy") A.eq(sl[2], -42.5) A.eq(sl[3], true)
  A.eq(sl:count("howdy"), 2)
  A.eq(sl:index(-42.5), 2)
  A.eq(sl:index("absent"), nil)
  sl[1] = 7
  local p = parlab.Process(function(sl) sl[1] = sl[1] * 6 end, sl)
  p:start()
  p:join(10)
  A.eq(sl[1], 42)
  A.raises("does not fit", function() sl[0] = string.rep("x", 100) end)
end)

-- _test_multiprocessing._TestProcess.test_parent_process
case("_test_multiprocessing._TestProcess.test_parent_process", function()
  A.eq(parlab.parent_process(), nil, "the main process has no parent process")
  local q = parlab.Queue()
  local p = parlab.Process(function(q) q:put(parlab.parent_process().pid) end, q)
  p:start()
  A.eq(q:get(10), parlab.current_process().pid)
  p:join(10)
end)

-- _test_multiprocessing._TestValue.test_rawvalue: a value without a lock
case("_test_multiprocessing._TestValue.test_rawvalue", function()
  local v = parlab.RawValue("i", 7)
  A.eq(v.value, 7)
  local a = parlab.RawArray("d", { 1.5, 2.5 })
  A.eq(a[1], 2.5)
end)

H.run("test_cp_multiprocessing")
