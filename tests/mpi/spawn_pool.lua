-- parlab.mpi.Pool and PoolExecutor in a run of one process (plain parlab, or mpirun -n 1): the workers are
-- spawned (MPI_Comm_spawn), each pool its own set, and none outlives its pool or the run, whether the pool
-- is closed, terminated, left open, or the master fails or is killed. Registered in tests/mpi/CMakeLists.txt.
local T = require "check"
local mpi = parlab.mpi

local function range(n)
  local t = {}
  for i = 1, n do t[i] = i end
  return t
end

-- True once every pid is gone, waiting up to `within` seconds (Open MPI ends spawned processes itself
-- when their parent dies, which takes a moment).
local function all_gone(pids, within)
  local deadline = parlab.clock() + (within or 15)
  repeat
    local left = false
    for _, pid in ipairs(pids) do
      if not T.pid_gone(pid) then left = true end
    end
    if not left then return true end
    parlab.sleep(0.05)
  until parlab.clock() > deadline
  return false
end

local mypid = tonumber(T.slurp("/proc/self/stat"):match("^(%d+)"))

T.test("bad arguments fail before anything is spawned", function()
  T.raises("mpi.Pool: the number of workers must be a positive integer, got 0", mpi.Pool, 0)
  T.raises("mpi.Pool: unknown option start_method", mpi.Pool, 2, { start_method = "fork" })
  T.raises("mpi.PoolExecutor: the number of workers must be a positive integer, got -1", mpi.PoolExecutor, -1)
end)

T.test("a spawned pool: map, starmap, apply_async, errors with their traceback; close and join end it", function()
  T.eq(mpi.size, 1, "a run of one process")
  local pool = mpi.Pool(2)
  local info = pool:info()
  T.eq(info.workers, "spawned")
  T.eq(#info.pids, 2)
  for _, pid in ipairs(info.pids) do T.ok(pid ~= mypid and not T.pid_gone(pid), "worker " .. pid .. " runs") end
  local k = 3
  T.list(pool:map(function(x) return x * k end, range(20), 3), { 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39,
    42, 45, 48, 51, 54, 57, 60 })
  T.list(pool:starmap(function(a, b) return a + b end, { { 1, 2 }, { 3, 4 } }), { 3, 7 })
  local pids = pool:map(function() return tonumber(io.open("/proc/self/stat"):read("*a"):match("^(%d+)")) end,
    range(8))
  for _, pid in ipairs(pids) do T.ok(pid == info.pids[1] or pid == info.pids[2], "ran in a spawned worker") end
  T.eq(pool:apply_async(function(a, b) return a * b end, 6, 7):get(10), 42)
  local err = T.raises("spawned boom", pool.apply, pool, function() error("spawned boom") end)
  T.ok(tostring(err):find("traceback", 1, true), "the task's traceback comes back: " .. tostring(err))
  pool:close()
  T.ok(pool:join(30), "join returns true")
  T.ok(all_gone(info.pids), "no worker is left after join")
end)

T.test("PoolExecutor: submit, as_completed, shutdown; two pools at once, each its own workers", function()
  local a = mpi.PoolExecutor(1)
  local b = mpi.Pool(1)
  local fa = a:submit(function(x) return x + 1 end, 41)
  T.eq(b:apply(function() return "b" end), "b")
  T.eq(fa:result(10), 42)
  local apids, bpids = a._pool:info().pids, b:info().pids
  T.ok(apids[1] ~= bpids[1], "separate workers")
  local n = 0
  for f in parlab.as_completed({ a:submit(math.sqrt, 4), a:submit(math.sqrt, 9) }) do
    n = n + 1
    T.ok(f:result() == 2 or f:result() == 3)
  end
  T.eq(n, 2)
  a:shutdown()
  T.eq(b:apply(function() return "b still" end), "b still", "the other pool serves on")
  b:close()
  b:join(30)
  T.ok(all_gone(apids) and all_gone(bpids), "both pools' workers are gone")
end)

T.test("terminate does not wait for running tasks: the workers are killed", function()
  if mpi.launched then -- mpirun would abort the job for a killed worker: they end after their task instead
    local pool = mpi.Pool(2)
    local r = pool:apply_async(function() parlab.sleep(1) return 1 end)
    parlab.sleep(0.3)
    pool:terminate()
    T.raises("mpi.Pool: the pool was terminated before this task finished", r.get, r, 0)
    T.ok(all_gone(pool:info().pids), "the workers ended after their task")
    return
  end
  local pool = mpi.Pool(2)
  local pids = pool:info().pids
  local rs = {}
  for i = 1, 6 do rs[i] = pool:apply_async(function() parlab.sleep(60) return 1 end) end
  parlab.sleep(0.5)
  local t0 = parlab.clock()
  pool:terminate()
  T.ok(parlab.clock() - t0 < 5, "terminate returned at once: " .. (parlab.clock() - t0) .. " s")
  for i = 1, #rs do T.raises("mpi.Pool: the pool was terminated before this task finished", rs[i].get, rs[i], 0) end
  T.ok(all_gone(pids), "the killed workers are gone")
  T.raises("mpi.Pool.map: the pool is terminated", pool.map, pool, print, { 1 })
end)

T.test("a worker killed from outside fails its task clearly; the other worker finishes the rest", function()
  if mpi.launched then return end -- mpirun aborts the job for a killed process (docs/mpi.md)
  local pool = mpi.Pool(2)
  local pids = pool:info().pids
  local r = pool:apply_async(function() parlab.sleep(60) end)
  local deadline = parlab.clock() + 10
  while not pool._core:running(1) and parlab.clock() < deadline do parlab.sleep(0.01) end
  local holder = pool._core.tasks[1].rank
  os.execute("kill -9 " .. pids[holder])
  T.raises("ended without an answer (killed or crashed) while running this task", r.get, r, 20)
  T.list(pool:map(function(x) return -x end, range(5)), { -1, -2, -3, -4, -5 })
  T.eq(pool:info().deaths, 1)
  pool:close()
  T.ok(pool:join(30), "join returns with one worker dead")
  T.ok(all_gone(pids), "no worker left")
end)

-- A separate parlab that makes a pool, prints its workers' pids, then ends the way `ending` says. It also
-- prints Open MPI's daemon (orted, its child in a run of one process), which must not outlive it either:
-- Open MPI 4.1's sometimes deadlocks when its process is SIGKILLed, and parlab's guard stops it. The master
-- runs with TMPDIR set to a new empty folder of this test's, where every session file of its run goes.
local function run_master(ending, tmpdir)
  local out = T.run_program("TMPDIR=" .. tmpdir, ([[
local pool = parlab.mpi.Pool(2)
print("pids " .. table.concat(pool:info().pids, " "))
local me, ps = io.open("/proc/self/stat"):read("*a"):match("^(%%d+)"), io.popen("ps -eo pid=,ppid=,comm=")
for pid, ppid, comm in ps:read("*a"):gmatch("(%%d+)%%s+(%%d+)%%s+(%%S+)") do
  if ppid == me and comm == "orted" then print("orted " .. pid) end
end
ps:close()
io.stdout:flush()
%s
]]):format(ending))
  local pids = {}
  for pid in (out:match("pids ([%d ]+)") or ""):gmatch("%d+") do pids[#pids + 1] = tonumber(pid) end
  return out, pids, tonumber(out:match("orted (%d+)"))
end

local function listing(dir)
  local ls = io.popen(('ls -A "%s" 2>/dev/null'):format(dir))
  local out = ls:read("*a")
  ls:close()
  return out
end

-- The daemon is gone, and the run's TMPDIR is empty again (no ompi.HOST.UID, no parlab-mpi.*), now or
-- within 10 s: the guard gives the daemon 2 s to leave by itself, then stops it and removes the run's
-- session folder. Returns the verdict and what was left.
local function nothing_left(daemon, tmpdir)
  local deadline = parlab.clock() + 10
  while (not T.pid_gone(daemon) or listing(tmpdir) ~= "") and parlab.clock() < deadline do parlab.sleep(0.05) end
  return T.pid_gone(daemon) and listing(tmpdir) == "", listing(tmpdir)
end

T.test("no worker, daemon or session file outlives the master: closed, left open, os.exit, an error, SIGKILL, "
  .. "terminate, a worker killed", function()
  if mpi.launched then -- a program started from a rank holds its launcher's environment: it could not spawn
    print("skipped under mpirun: the master programs run from the plain-parlab test")
    return
  end
  local busy = "pool:apply_async(function() parlab.sleep(60) end) parlab.sleep(0.3) "
  local cases = {
    { "print(pool:apply(function() return 'served' end)) pool:close() pool:join(30)", "served\nstatus 0" },
    { "print(pool:apply(function() return 'served' end))", "served\nstatus 0" },
    { "pool:apply(print, 'x') os.exit(0)", "status 0" },
    { busy .. "error('master boom')", "master boom" },
    { busy .. "os.execute('kill -9 ' .. io.open('/proc/self/stat'):read('*a'):match('^(%d+)'))", "status 137" },
    { busy .. "pool:terminate() print('terminated')", "terminated\nstatus 0" },
    -- The task goes to the dead worker's socket before the pool can notice the death: the task fails,
    -- the run is not ended by SIGPIPE.
    { "os.execute('kill -9 ' .. pool:info().pids[1]) parlab.sleep(0.3) "
      .. "print(pcall(pool.map, pool, function(x) return x end, { 1, 2, 3, 4 }))", "ended without an answer" },
  }
  for _, c in ipairs(cases) do
    local t0 = parlab.clock()
    local tmpdir = io.popen("mktemp -d"):read("*l")
    local out, pids, daemon = run_master(c[1], tmpdir)
    T.eq(#pids, 2, "the master printed its workers: " .. out)
    T.ok(daemon, "the master printed its orted: " .. out)
    T.ok(out:find(c[2], 1, true), c[1] .. ": " .. out)
    T.ok(not out:find("PMIX ERROR", 1, true), c[1] .. ": no PMIX ERROR line: " .. out)
    T.ok(all_gone(pids), c[1] .. ": no worker is left")
    local clean, left = nothing_left(daemon or 0, tmpdir)
    T.ok(clean, c[1] .. ": Open MPI's daemon and the run's session files are gone; left in TMPDIR: " .. left)
    os.execute(('rm -rf "%s"'):format(tmpdir))
    T.ok(parlab.clock() - t0 < 50, c[1] .. ": the run did not wait for the running task")
  end
end)

-- A spawn that Open MPI leaves waiting (engine/mpi/spawn_attempt.cpp) is abandoned after
-- PARLAB_MPI_SPAWN_TIMEOUT seconds (5 here: a spawn takes up to 2 s under load) and tried again. The stall
-- is made here: LUA_INIT holds a spawned worker (it has OMPI_COMM_WORLD_RANK; the master does not) before
-- MPI_Init, once (the first worker records its pid in a flag file) or always.
local function stalled_spawn(always)
  local dir = io.popen("mktemp -d"):read("*l")
  local init = io.open(dir .. "/init.lua", "w")
  init:write(([[
if os.getenv("OMPI_COMM_WORLD_RANK") then
  local flag = "%s/flag"
  local f = io.open(flag, "r")
  if f then f:close() end
  if %s or not f then
    f = io.open(flag, "a")
    f:write(io.open("/proc/self/stat"):read("*a"):match("^(%%d+)"), "\n")
    f:close()
    parlab.sleep(120)
  end
end
]]):format(dir, tostring(always)))
  init:close()
  local t0 = parlab.clock()
  local out = T.run_program("PARLAB_MPI_SPAWN_TIMEOUT=5 LUA_INIT=@" .. dir .. "/init.lua", [[
local pool = parlab.mpi.Pool(2)
print(pool:apply(function() return "served" end))
pool:close()
print("joined", pool:join(30))
]])
  local held = {}
  for pid in (T.slurp(dir .. "/flag") or ""):gmatch("%d+") do held[#held + 1] = tonumber(pid) end
  os.execute(('rm -rf "%s"'):format(dir))
  return out, held, parlab.clock() - t0
end

T.test("a spawn that does not finish is abandoned after PARLAB_MPI_SPAWN_TIMEOUT and tried again; its "
  .. "processes end with the run", function()
  if mpi.launched then return end -- as above
  local out, held, took = stalled_spawn(false)
  T.ok(out:find("served\njoined\ttrue\nstatus 0", 1, true), out)
  T.eq(#held, 1, "one worker was held")
  T.ok(all_gone(held), "the held worker ended with the run")
  T.ok(took < 40, "the run took " .. took .. " s")
end)

T.test("a spawn that never finishes fails after three attempts, naming the cause and the setting", function()
  if mpi.launched then return end -- as above
  local out, held, took = stalled_spawn(true)
  T.ok(out:find("mpi.Pool: MPI_Comm_spawn of 2 workers did not finish in 5 s, 3 times", 1, true), out)
  T.ok(out:find("PARLAB_MPI_SPAWN_TIMEOUT", 1, true), out)
  T.ok(out:find("status 1", 1, true), out)
  T.ok(#held >= 3, "a worker was held at each attempt: " .. #held)
  T.ok(all_gone(held), "every held worker ended with the run")
  T.ok(took < 40, "the run took " .. took .. " s")
end)

T.test("where spawning cannot work, the error names the fix and nothing is started", function()
  if mpi.launched then return end -- as above
  local out = T.run_program("OMPI_MCA_btl=self,vader", "parlab.mpi.Pool(2)")
  T.ok(out:find("mpi.Pool: cannot spawn workers: OMPI_MCA_btl=self,vader leaves no transport between two MPI "
    .. "jobs (add tcp: OMPI_MCA_btl=self,vader,tcp), or start the run under a launcher instead (mpirun -n 3", 1,
    true), out)
  T.ok(out:find("status 1", 1, true), out)
end)

T.done()
