-- joblib: seed 004's one-liner Parallel(n_jobs=2)(delayed(sqrt)(i ** 2) for i in range(10)), as
-- parlab.parallel(n, tasks) over a process pool; lab.delayed(fn)(args...) records a call to run later.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { n_jobs = 2 },
  "usage: parlab scripts/joblib.lua [--n-jobs N] [--quick] [--json FILE]\n")

-- delayed(fn)(...) -> {fn, args}: a call described, not made.
local function delayed(fn)
  return function(...) return { fn = fn, args = { n = select("#", ...), ... } } end
end
-- Parallel(n_jobs)(calls): runs the described calls on n_jobs processes, results in order.
local function Parallel(n_jobs)
  return function(calls)
    return parlab.with(parlab.Pool(n_jobs), function(pool)
      return pool:map(function(c) return c.fn(unpack(c.args, 1, c.args.n)) end, calls)
    end)
  end
end
-- (delayed(sqrt)(i ** 2) for i in range(10))
local function generator()
  local calls = {}
  for i = 0, 9 do calls[#calls + 1] = delayed(math.sqrt)(i ^ 2) end
  return calls
end

lab.header("joblib's one-liner", "seed 004, Joblib")
local out = Parallel(opts.n_jobs)(generator())
print("Parallel(" .. opts.n_jobs .. ")(delayed(math.sqrt)(i^2) for i = 0..9) = {" .. table.concat(out,
  ", ") .. "}")
local got, lecture = {}, {}
for i = 0, 9 do got[i + 1], lecture[i + 1] = { i, out[i + 1] }, { i, i } end
lab.chart(opts, { title = "Parallel(n_jobs)(delayed(sqrt)(i^2) for i = 0..9): results in order",
  x = { label = "i", unit = "" }, y = { label = "result", unit = "sqrt(i^2)" },
  series = { { name = "parlab's results", points = got },
             { name = "Python (lecture): 0.0, 1.0, ..., 9.0", ref = true, points = lecture } } })
local ok = #out == 10
for i = 0, 9 do ok = ok and out[i + 1] == i end
lab.claim("the results are 0..9 in order", ok, ok and "0, 1, ..., 9" or "wrong results")
lab.finish(opts, "joblib", out)
