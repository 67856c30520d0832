-- Run by test_mpi_pool_die.sh under mpirun -n 3: a worker rank of parlab.mpi.Pool dies in the middle of its
-- task in one of several ways, or rank 0 ends without closing the pool. Each mode must end the job
-- promptly: with the task's clear error and the rest of the work done (os.exit(0) in a task), or with the
-- job aborted and the cause printed (a failing exit, SIGKILL, an uncaught error on rank 0). Also an
-- initializer that fails: the pool is broken and says why.
local mpi = parlab.mpi
local mode = arg[1] or "exit0"
local opts = mode == "initfail" and { initializer = function() error("init boom") end } or nil
local pool = mpi.Pool(nil, opts) -- ranks 1 and 2 serve here and never return

if mode == "initfail" then -- the pool is broken: every task fails, naming the initializer's error
  local ok, err = pcall(pool.map, pool, function(x) return x end, { 1, 2, 3 })
  print(ok, err)
  pool:close()
  print("joined", pool:join(30))
  return
end

local function die()
  if mode == "exit0" then os.exit(0) end
  if mode == "exit3" then os.exit(3) end
  if mode == "kill" then os.execute("kill -9 " .. parlab.current_process().pid) parlab.sleep(10) end
end

if mode == "noclose" or mode == "osexit" then
  print("sum " .. pool:map(function(x) return x end, { 1, 2, 3 })[3])
  if mode == "osexit" then os.exit(0) end
  return -- the script ends with the pool open
end

if mode == "error" then
  pool:apply(function() error("task boom on rank " .. parlab.mpi.rank) end) -- uncaught on rank 0
end

local rs = {}
for i = 1, 8 do
  rs[i] = pool:apply_async(function(k)
    parlab.sleep(0.05)
    if parlab.mpi.rank == 1 then die() end
    return k
  end, i)
end
local failed, done = 0, 0
for i = 1, 8 do
  local ok, v = pcall(rs[i].get, rs[i], 60)
  if ok then
    assert(v == i)
    done = done + 1
  else
    failed = failed + 1
    print("task " .. i .. " failed: " .. tostring(v))
  end
end
print(string.format("done %d, failed %d", done, failed))
pool:close()
pool:join(30)
print("joined")
