-- The lecture tour: every experiment in quick form, in lecture order, with a Markdown report of the
-- tables, charts and claims. `parlab lab` runs this; `make` runs it after building.
--   parlab scripts/tour.lua [--out DIR] [--only id,id] [--quick]
-- The default sizes take about a minute on a 2-core machine; --quick runs the test suite's sizes.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { out = "lab-report", only = {} },
  "usage: parlab scripts/tour.lua [--out DIR] [--only id,id,...] [--quick]\n" ..
  "  Runs every experiment (each one's default sizes, or its --quick ones) and writes DIR/report.md.\n")

-- Lecture order: lectures 000-004 as docs/lectures.md numbers them, each one's experiments in slide order.
local ORDER = {
  { "000", "Parallelism part 1 (DTU 02613)",
    { "race", "sums_native", "sums_interp", "apply_async", "chunking",
    "communication", "scheduling", "amdahl" } },
  { "001", "Introduction to Python parallelization (UTSA)",
    { "multitask", "integral", "integral_mpi", "blas_threads",
    "gpu_matmul", "misconfig" } },
  { "002", "Python multiprocessing (DTU 02616)", { "pool_map", "process_vs_pool", "queue_order", "pipe",
    "launch_overhead", "bandwidth", "reduction" } },
  { "003", "Primer on parallelism", { "workbins", "blas_multicore", "marshaling", "oversubscription" } },
  { "004", "Python for distributed processing (CNES)",
    { "io_bound", "shared_list", "lock_hello", "jit", "joblib",
    "monte_carlo_pi", "granularity", "bound_kinds" } },
}

local here = arg[0]:gsub("[^/]*$", "")
local exe = arg[-1] or "parlab"
local only = {}
for _, id in ipairs(opts.only) do only[id] = true end

local function read_json_claims(path)
  local f = io.open(path)
  if not f then return {} end
  local text = f:read("*a")
  f:close()
  local claims = {}
  -- lab.to_json sorts keys, so each claim reads {"claim":..,"measured":..,"reproduced":..}.
  for claim, measured, reproduced in text:gmatch('{"claim":"(.-)","measured":"(.-)","reproduced":(%a+)}') do
    local function plain(s) return (s:gsub("\\u(%x%x%x%x)", function(h) return string.char(tonumber(h, 16)) end)) end
    claims[#claims + 1] = { claim = plain(claim), measured = plain(measured),
      reproduced = reproduced == "true" }
  end
  return claims
end

os.execute(("mkdir -p %q"):format(opts.out))
local n, info = parlab.cpus()
local report = { ("# parlab lecture tour\n\nparlab %s, %s, %d CPUs (%s)%s.\n"):format(parlab.version,
  os.date("!%Y-%m-%d %H:%M UTC"), n, info.reason, opts.quick and ", quick sizes" or "") }
local summary, failures, total_t = {}, 0, parlab.clock()
print(("parlab lecture tour: %d CPUs (%s); report in %s/report.md"):format(n, info.reason, opts.out))
for _, lecture in ipairs(ORDER) do
  report[#report + 1] = ("\n## Lecture %s: %s\n"):format(lecture[1], lecture[2])
  for _, id in ipairs(lecture[3]) do
    if next(only) == nil or only[id] then
      local json = ("%s/%s.json"):format(opts.out, id)
      local cmd = ("%q %q%s --json %q 2>&1"):format(exe, here .. id .. ".lua",
        opts.quick and " --quick" or "", json)
      local t0 = parlab.clock()
      local p = io.popen(cmd)
      local out = p:read("*a")
      local ok = p:close()
      local dt = parlab.clock() - t0
      if not ok then failures = failures + 1 end
      io.write(("  %-18s %6.1f s  %s\n"):format(id, dt, ok and "ok" or "FAILED"))
      io.flush()
      report[#report + 1] = ("\n### %s\n\n`parlab scripts/%s.lua%s` (%.1f s)%s\n\n```\n%s```\n"):format(id,
        id,
        opts.quick and " --quick" or "", dt, ok and "" or " **failed**", out)
      for _, c in ipairs(read_json_claims(json)) do
        summary[#summary + 1] = ("| %s | %s | %s | %s |"):format(id, c.claim, c.measured,
          c.reproduced and "yes" or "**no**")
      end
    end
  end
end
report[#report + 1] = "\n## Claims\n\n| experiment | lecture's claim | measured here | reproduced" ..
  " |\n|---|---|---|---|\n"
  .. table.concat(summary, "\n") .. "\n"
local f = assert(io.open(opts.out .. "/report.md", "w"))
f:write(table.concat(report))
f:close()
print(("tour finished in %.0f s: %d experiment(s) failed; report: %s/report.md"):format(parlab.clock() - total_t,
  failures, opts.out))
os.exit(failures == 0 and 0 or 1)
