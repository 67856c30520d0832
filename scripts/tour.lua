-- The lecture tour: every experiment, in lecture order, with a Markdown report (DIR/report.md) and a
-- self-contained page (DIR/index.html: machine, summary of claims, and per experiment its command,
-- tables and chart, from each script's --json file). `parlab lab` runs this; `make` runs it after building.
--   parlab scripts/tour.lua [--out DIR] [--only id,id] [--quick]
-- The default sizes take about a minute on a 2-core machine; --quick runs the test suite's sizes.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { out = "lab-report", only = {} },
  "usage: parlab scripts/tour.lua [--out DIR] [--only id,id,...] [--quick]\n" ..
  "  Runs every experiment (each one's default sizes, or its --quick ones) and writes DIR/report.md and\n" ..
  "  DIR/index.html (open it in a browser).\n")

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

local json = require "json"
local page = require "page"

-- An experiment's --json file, decoded; nil and why when it is missing or unreadable.
local function read_result(path)
  local f = io.open(path)
  if not f then return nil, "the script wrote no --json file" end
  local text = f:read("*a")
  f:close()
  local ok, v = pcall(json.decode, text)
  if not ok then return nil, "its --json file did not parse: " .. tostring(v) end
  return v
end

local function first_line(path, pattern)
  local f = io.open(path)
  if not f then return nil end
  for line in f:lines() do
    local m = line:match(pattern)
    if m then f:close() return m end
  end
  f:close()
end

-- What the page opens with: CPUs and why, processor, memory, date, version, load.
local function machine_facts(n, info)
  local mem = parlab.memory()
  return { cpus = n, reason = info.reason, model = first_line("/proc/cpuinfo", "^model name%s*:%s*(.+)$"),
    memory = ("%.1f GiB RAM, %.1f GiB available"):format(mem.ram / 2 ^ 30, mem.available / 2 ^ 30),
    date = os.date("!%Y-%m-%d %H:%M UTC"), version = parlab.version,
    load = first_line("/proc/loadavg", "^(%S+ %S+ %S+)") }
end

-- Runs one experiment and returns its entry for the report and the page.
local function run_one(id, lecture)
  local path = ("%s/%s.json"):format(opts.out, id)
  os.remove(path)
  local cmd = ("%q %q%s --json %q 2>&1"):format(exe, here .. id .. ".lua", opts.quick and " --quick" or "", path)
  local t0 = parlab.clock()
  local p = io.popen(cmd)
  local out = p:read("*a")
  local ok = p:close()
  local e = { id = id, lecture = lecture[1] .. " " .. lecture[2], output = out, ok = ok and true or false,
    seconds = parlab.clock() - t0, command = ("parlab scripts/%s.lua%s"):format(id, opts.quick and " --quick" or "") }
  e.result, e.why_no_json = read_result(path)
  return e
end

local function markdown(entries_by_lecture, header)
  local report, summary = { header }, {}
  for _, lecture in ipairs(entries_by_lecture) do
    report[#report + 1] = ("\n## Lecture %s: %s\n"):format(lecture[1], lecture[2])
    for _, e in ipairs(lecture[3]) do
      report[#report + 1] = ("\n### %s\n\n`%s` (%.1f s)%s\n\n```\n%s```\n"):format(e.id, e.command, e.seconds,
        e.ok and "" or " **failed**", e.output)
      for _, c in ipairs(e.result and e.result.claims or {}) do
        summary[#summary + 1] = ("| %s | %s | %s | %s |"):format(e.id, c.claim, c.measured,
          c.reproduced and "yes" or "**no**")
      end
    end
  end
  report[#report + 1] = "\n## Claims\n\n| experiment | lecture's claim | measured here | reproduced" ..
    " |\n|---|---|---|---|\n" .. table.concat(summary, "\n") .. "\n"
  return table.concat(report)
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

os.execute(("mkdir -p %q"):format(opts.out))
local n, info = parlab.cpus()
local facts = machine_facts(n, info)
local header = ("# parlab lecture tour\n\nparlab %s, %s, %d CPUs (%s)%s. The same report as a page: index.html.\n")
  :format(parlab.version, facts.date, n, info.reason, opts.quick and ", quick sizes" or "")
local lectures, failures, total_t = {}, 0, parlab.clock()
print(("parlab lecture tour: %d CPUs (%s); report in %s/report.md and %s/index.html"):format(n, info.reason,
  opts.out, opts.out))
for _, lecture in ipairs(ORDER) do
  local done = { lecture[1], lecture[2], {} }
  lectures[#lectures + 1] = done
  for _, id in ipairs(lecture[3]) do
    if next(only) == nil or only[id] then
      local e = run_one(id, lecture)
      if not e.ok then failures = failures + 1 end
      io.write(("  %-18s %6.1f s  %s\n"):format(id, e.seconds, e.ok and "ok" or "FAILED"))
      io.flush()
      table.insert(done[3], e)
    end
  end
end
facts.elapsed = ("%.0f s, %s sizes"):format(parlab.clock() - total_t, opts.quick and "quick" or "default")
write(opts.out .. "/report.md", markdown(lectures, header))
write(opts.out .. "/index.html", page.render({ machine = facts, quick = opts.quick, lectures = lectures }))
print(("tour finished in %.0f s: %d experiment(s) failed; report: %s/report.md, page: %s/index.html"):format(
  parlab.clock() - total_t, failures, opts.out, opts.out))
os.exit(failures == 0 and 0 or 1)
