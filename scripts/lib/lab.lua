-- What every experiment script shares: its command line, timing with repeats, the claim-vs-measured
-- line, its chart (lab.chart) and the --json output. Tables, charts, fits and JSON live beside this file.
--   package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
--   local lab = require "lab"
local lab = {}
lab.tables = require "tables"
lab.charts = require "charts"
lab.fits = require "fits"
lab.json = require "json"

-- Parses "--name value", "--flag" and "--name=value" against defaults; numbers like 1e8 and lists like
-- 1,2,4 are converted when the default is a number or a list. Unknown options are errors.
function lab.args(argv, defaults, usage)
  local opts = {}
  for k, v in pairs(defaults) do opts[k] = v end
  opts.quick, opts.json, opts.plot = opts.quick or false, opts.json, opts.plot
  local i = 1
  while argv and argv[i] do
    local a = argv[i]
    local name, value = a:match("^%-%-([%w_-]+)=(.*)$")
    name = name or a:match("^%-%-([%w_-]+)$")
    if not name then error(("unexpected argument '%s'\n%s"):format(a, usage or ""), 0) end
    name = name:gsub("-", "_")
    if name == "help" then io.write(usage or "no options\n") os.exit(0) end
    local default = defaults[name]
    if default == nil and name ~= "quick" and name ~= "json" and name ~= "plot" then
      error(("unknown option --%s\n%s"):format(name, usage or ""), 0)
    end
    if type(default) == "boolean" or name == "quick" then
      opts[name] = value ~= "false"
    else
      if value == nil then i = i + 1 value = argv[i] end
      if value == nil then error("option --" .. name .. " needs a value", 0) end
      opts[name] = lab.convert(value, default, name)
    end
    i = i + 1
  end
  if opts.plot and not opts.plot:match("%.svg$") and not opts.plot:match("%.png$") then
    error(("--plot '%s': the chart file must end in .svg or .png"):format(opts.plot), 0)
  end
  return opts
end

function lab.convert(value, default, name)
  if type(default) == "number" then
    local n = tonumber(value)
    if not n then error(("--%s expects a number, got '%s'"):format(name, value), 0) end
    return n
  elseif type(default) == "table" then
    local list = {}
    for item in value:gmatch("[^,]+") do
      list[#list + 1] = tonumber(item) or item
    end
    return list
  end
  return value
end

-- Runs fn `repeats` times (after `warmup` untimed runs) and returns min, median, max seconds and the
-- last result.
function lab.timeit(fn, repeats, warmup)
  repeats = repeats or 3
  for _ = 1, warmup or 0 do fn() end
  local times, result = {}, nil
  for r = 1, repeats do
    local t0 = parlab.clock()
    result = fn()
    times[r] = parlab.clock() - t0
  end
  table.sort(times)
  return times[1], times[math.floor((#times + 1) / 2)], times[#times], result
end

-- Formats seconds with a unit a person reads at a glance.
function lab.seconds(s)
  if s >= 1 then return ("%.3f s"):format(s) end
  if s >= 1e-3 then return ("%.3f ms"):format(s * 1e3) end
  if s >= 1e-6 then return ("%.2f us"):format(s * 1e6) end
  return ("%.0f ns"):format(s * 1e9)
end

-- One line: what the lecture claimed, what this machine measured, and whether it reproduced.
lab.claims = {}
function lab.claim(text, reproduced, measured)
  local mark = reproduced and "reproduced" or "NOT reproduced"
  lab.claims[#lab.claims + 1] = { claim = text, reproduced = reproduced and true or false,
    measured = measured }
  io.write(("claim: %s\n  measured: %s  -> %s\n"):format(text, measured, mark))
end

-- The experiment's chart (a spec for charts.new): printed in the terminal, written to --plot FILE
-- (.svg or .png), and kept for --json and the lab page.
function lab.chart(opts, spec)
  if spec.note == nil then
    local n, info = parlab.cpus()
    spec.note = ("parlab %s, %d CPUs (%s), %s%s"):format(parlab.version, n, info.reason,
      os.date("!%Y-%m-%d %H:%M UTC"), opts.quick and ", quick sizes" or "")
  end
  local chart = lab.charts.new(spec)
  lab.drawn = chart
  io.write(require("chart_text").render(chart))
  if opts.plot then print("wrote " .. lab.charts.save(opts.plot, chart)) end
  return chart
end

-- A bars chart of one measured value per row: spec.label (a key or a function of the row) names each
-- bar, spec.value (a key) is its length; spec.ref = {name = ..., values = {[row index] = v}} adds the
-- lecture's figures as reference marks. Title and axes as for lab.chart.
function lab.bars(opts, spec)
  local categories, values, refs = {}, {}, {}
  for i, r in ipairs(spec.rows) do
    categories[i] = type(spec.label) == "function" and spec.label(r) or tostring(r[spec.label])
    values[i] = type(r[spec.value]) == "number" and r[spec.value] or false
    refs[i] = spec.ref and spec.ref.values[i] or false
  end
  local series = { { name = spec.name or "parlab, this machine", values = values } }
  if spec.ref then series[2] = { name = spec.ref.name, ref = true, values = refs } end
  return lab.chart(opts, { title = spec.title, kind = "bars", x = spec.x, y = spec.y, categories = categories,
    series = series })
end

-- Called at the end of every script: writes --json FILE when asked.
function lab.finish(opts, name, data)
  if opts.plot and not lab.drawn then
    io.stderr:write(("note: %s draws no chart; --plot %s was not written\n"):format(name, opts.plot))
  end
  if opts.json then
    local f = assert(io.open(opts.json, "w"))
    f:write(lab.json.encode({ experiment = name, data = data, claims = lab.claims, tables = lab.tables.printed,
      chart = lab.drawn and lab.charts.spec(lab.drawn), cpus = (parlab.cpus()), version = parlab.version }),
      "\n")
    f:close()
    print("wrote " .. opts.json)
  end
end

-- The misconfiguration check (seed 001): a warning when `workers` leaves most of the CPUs this run was
-- given idle, or asks for more workers than CPUs; nil when it fits.
function lab.check_workers(workers)
  local n, info = parlab.cpus()
  if workers > n then
    return ("warning: %d workers on %d CPUs (%s): they will time-share the CPUs"):format(workers, n,
      info.reason)
  elseif n >= 4 and workers <= n / 4 then
    return ("warning: %d worker(s) but %d CPUs were given (%s): most will sit idle"):format(workers, n,
      info.reason)
  elseif n > 1 and workers == 1 then
    return ("warning: 1 worker but %d CPUs were given (%s): the others sit idle"):format(n, info.reason)
  end
end

-- The number of MPI ranks: 1 without a launcher (or without MPI built in), so a script can add its
-- "ranks" row only under mpirun.
function lab.mpi_size()
  local ok, size = pcall(function() return parlab.mpi.size end)
  return ok and size or 1
end

function lab.header(title, lecture)
  local n, info = parlab.cpus()
  io.write(("== %s  (%s)\n   %d CPUs: %s\n"):format(title, lecture, n, info.reason))
end

return lab
