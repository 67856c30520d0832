-- parlab.mpi.Pool with spawned workers (a run of one process: MPI_Comm_spawn) next to a local process pool:
-- the start-up of the first pool (MPI's singleton start included) and of a second one, then the per-task
-- overhead measured as bench/mpi_pool.lua does for the mpirun-started pool (map of an empty task at
-- chunksize 1 and 100, apply_async in flight, apply round trips; best of 3 after a warm-up).
--   parlab bench/mpi_spawn.lua [--quick] [--workers K]   (Open MPI: OMPI_MCA_btl must allow tcp, the default)
local quick, workers = false, 2
for i = 1, #arg do
  if arg[i] == "--quick" then quick = true
  elseif arg[i] == "--workers" then workers = tonumber(arg[i + 1]) end
end
local mpi = parlab.mpi
assert(mpi.size == 1, "run it as a single process (parlab bench/mpi_spawn.lua), not under mpirun -n K")
local items = quick and 2000 or 20000

local function noop(x) return x end

local function per_item(fn, n)
  fn()
  local best = math.huge
  for _ = 1, 3 do
    local t0 = parlab.clock()
    fn()
    best = math.min(best, (parlab.clock() - t0) / n)
  end
  return best
end

local function measure(pool)
  local row = {}
  for _, c in ipairs { 1, 100 } do
    local n = c == 1 and math.floor(items / 4) or items
    local part = {}
    for i = 1, n do part[i] = i end
    row["map" .. c] = per_item(function() assert(pool:map(noop, part, c).n == n) end, n)
  end
  local k = math.floor(items / 20)
  row.apply = per_item(function()
    local rs = {}
    for i = 1, k do rs[i] = pool:apply_async(noop, i) end
    for i = 1, k do rs[i]:get() end
  end, k)
  row.roundtrip = per_item(function()
    for i = 1, k / 10 do pool:apply(noop, i) end
  end, k / 10)
  return row
end

-- Start-up: construction until the first task's answer is back.
local function start(make)
  local t0 = parlab.clock()
  local pool = make()
  pool:apply(noop, 1)
  return pool, parlab.clock() - t0
end

local lp, local_start = start(function() return parlab.Pool(workers) end)
local rows = { { "parlab.Pool (processes)", measure(lp) } }
lp:close()
lp:join()
local first, first_start = start(function() return mpi.Pool(workers) end)
local second, second_start = start(function() return mpi.Pool(workers) end)
second:close()
second:join()
rows[2] = { "parlab.mpi.Pool (spawned)", measure(first) }
first:close()
first:join()

print(string.format("== start-up to the first answer, %d workers, %d CPUs ==", workers, parlab.cpus()))
print(string.format("parlab.Pool (processes)              %8.3f s", local_start))
print(string.format("parlab.mpi.Pool, first (MPI start)   %8.3f s", first_start))
print(string.format("parlab.mpi.Pool, second              %8.3f s", second_start))
print(string.format("== per-task overhead, %d workers ==", workers))
print(string.format("%-26s %14s %14s %16s %14s", "pool", "map c=1 us", "map c=100 us", "apply_async us",
  "apply rt us"))
for _, r in ipairs(rows) do
  local v = r[2]
  print(string.format("%-26s %14.2f %14.3f %16.2f %14.2f", r[1], v.map1 * 1e6, v.map100 * 1e6, v.apply * 1e6,
    v.roundtrip * 1e6))
end
