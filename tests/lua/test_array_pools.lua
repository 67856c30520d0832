-- Arrays shared with a thread pool and with process pools of every start method: the workers get
-- the same memory (no copy), their writes are visible in the parent, and native kernels run inside
-- workers, also in forked children of a parent that already ran OpenMP kernels.
-- A worker's global that keeps an array alive until the parent has it.
-- luacheck: globals KEEP
local T = require "check"
local K = parlab.kernels

-- Each task writes arr[i] = i * 2 over [lo, hi) through the FFI, then sums its slice natively.
local function work(arr, lo, hi)
  for i = lo, hi - 1 do arr[i] = i * 2 end
  return parlab.kernels.sum(arr:slice(lo, hi), 2)
end

local function check_shared(pool, n)
  local a = parlab.array("f64", n)
  local parts, step = {}, n / 4
  for p = 0, 3 do parts[#parts + 1] = { a, p * step, (p + 1) * step } end
  local sums = pool:starmap(work, parts)
  local total = 0
  for p = 1, 4 do total = total + sums[p] end
  T.eq(total, n * (n - 1))
  for i = 0, n - 1, 101 do assert(a[i] == i * 2, "element " .. i) end
  T.eq(K.sum(a), n * (n - 1))
end

T.test("thread pool workers write into the parent's array", function()
  local pool = parlab.ThreadPool(2)
  check_shared(pool, 200000)
  pool:close()
  pool:join()
end)

T.test("many thread-pool tasks take views and run kernels on one array at once", function()
  local a = K.fill(parlab.array("f64", 1e5), 1)
  local out = parlab.array("f64", 201)
  local pool = parlab.ThreadPool(4)
  local tasks = {}
  for i = 1, 200 do tasks[i] = { a, out, i } end
  local got = pool:starmap(function(arr, res, i)
    local v = arr:slice(i, i + 1000)
    local s = parlab.kernels.sum(v, 2) + parlab.kernels.dot(v, v, 2)
    -- A store through a view, into an element no other task touches: a store into a (even of the value
    -- it holds) would race with the other tasks' kernels reading it, as ThreadSanitizer reports.
    res:slice(i, i + 1)[0] = s
    return s
  end, tasks)
  for i = 1, 200 do assert(got[i] == 2000 and out[i] == 2000, "task " .. i) end
  pool:close()
  pool:join()
  pool = nil  -- luacheck: ignore 311
  collectgarbage()
  collectgarbage()
  T.eq(a:refs(), 1)  -- every worker's view and argument released
end)

K.sum(K.fill(parlab.array("f64", 1e6), 1, 2), 2)  -- the parent's OpenMP team exists before any fork

for _, m in ipairs { "fork", "spawn", "forkserver" } do
  T.test(m .. " pool workers write into the parent's array and run parallel kernels", function()
    local pool = parlab.Pool(2, { start_method = m })
    check_shared(pool, 200000)
    local big = K.fill(parlab.array("f64", 1e6), 1)
    local got = pool:map(function(x)
      return parlab.kernels.sum(x, 2) + parlab.kernels.dot(x, x, 2)
    end, { big, big, big })
    T.list(got, { 2e6, 2e6, 2e6 })
    local fresh = pool:apply(function() return parlab.kernels.sum(parlab.array("f64", 1e6):fill(2, 2), 2) end)
    T.eq(fresh, 2e6)
    pool:close()
    pool:join()
  end)
end

T.test("an array made in a worker comes back as the same memory", function()
  local pool = parlab.Pool(1, { start_method = "fork" })
  local a = pool:apply(function()
    KEEP = parlab.array("i32", { 2, 3 })  -- the sender keeps it alive until the parent has it
    KEEP[5] = 77
    return KEEP
  end)
  T.eq(a.shape, { 2, 3 })
  T.eq(a[5], 77)
  pool:close()
  pool:join()
end)

-- os.exit skips finalizers: collect now, so a leak checker sees every view released.
collectgarbage()
collectgarbage()
T.done()
