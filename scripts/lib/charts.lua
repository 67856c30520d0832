-- The one place an experiment's chart is described: title, axes (label, unit, linear or log, ticks at
-- readable values), series (measured ones and the lecture's Python figures as reference marks), and the
-- style each series gets. Renderers consume a chart made by charts.new: chart_text (the terminal),
-- chart_svg (the built-in SVG writer, used by the lab page and by --plot without gnuplot) and
-- chart_gnuplot (--plot FILE.svg / FILE.png where gnuplot is installed). charts.save picks the renderer.
--   spec = { title = "...", kind = "lines" | "bars",
--            x = { label = "chunk size", unit = "tasks per message", log = true, format = "bytes" },
--            y = { label = "overhead per task", unit = "us", log = true },
--            categories = { "serial", "2 threads" },            -- bars only: one bar group each
--            series = { { name = "parlab", points = { {x, y}, ... } },          -- lines
--                       { name = "parlab", values = { 1.2, 0.9 } },              -- bars (false: none)
--                       { name = "Python (lecture, 2 cores)", ref = true, ... } } }  -- a reference
local charts = {}

local COLORS = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f" }
local MARKS = { "*", "o", "+", "x", "#", "@", "%", "&" }
local SHAPES = { "circle", "square", "triangle", "circle", "square", "triangle" }

-- How each series is drawn everywhere: colour, terminal mark, SVG/gnuplot marker shape, dashed or not.
-- The lecture's reference series are black and hollow, dashed, diamonds then triangles then squares.
local function styles(series)
  local out, measured, refs = {}, 0, 0
  for i, s in ipairs(series) do
    if s.ref then
      refs = refs + 1
      out[i] = { color = "#000000", mark = refs == 1 and "R" or "P", dashed = true, ref = true,
        shape = ({ "diamond", "triangle", "square" })[(refs - 1) % 3 + 1] }
    else
      measured = measured + 1
      out[i] = { color = COLORS[(measured - 1) % #COLORS + 1], mark = MARKS[(measured - 1) % #MARKS + 1],
        shape = SHAPES[(measured - 1) % #SHAPES + 1], dashed = false }
    end
  end
  return out
end

-- The style of the chart's series i.
function charts.style(chart, i)
  return chart.styles[i]
end

-- "label (unit)", the axis title every renderer prints.
function charts.axis_title(axis)
  if axis.unit and axis.unit ~= "" then return ("%s (%s)"):format(axis.label, axis.unit) end
  return axis.label
end

local function trim_number(s)
  return (s:gsub("e%+?(%-?)0*(%d)", "e%1%2"))
end

-- A tick label: 0.001, 2.5, 1e6; with format = "bytes": 1 B, 64 KiB, 16 MiB.
function charts.format(v, format)
  if format == "bytes" then
    for _, u in ipairs({ { 2 ^ 30, "GiB" }, { 2 ^ 20, "MiB" }, { 2 ^ 10, "KiB" } }) do
      if v >= u[1] then return ("%g %s"):format(v / u[1], u[2]) end
    end
    return ("%g B"):format(v)
  end
  local a = math.abs(v)
  if a ~= 0 and (a >= 1e5 or a < 1e-3) then return trim_number(("%.3g"):format(v)) end
  return trim_number(("%.4g"):format(v))
end

-- 1, 2 or 5 times a power of ten, the smallest at least `raw`.
local function nice_step(raw)
  local p = 10 ^ math.floor(math.log10(raw))
  for _, m in ipairs({ 1, 2, 5, 10 }) do
    if m * p >= raw * 0.999 then return m * p end
  end
  return 10 * p
end

-- integers: every value is a whole number (workers, threads), so ticks need not fall between them.
local function linear_scale(lo, hi, integers)
  if hi <= lo then hi = lo + (lo == 0 and 1 or math.abs(lo) * 0.1) end
  if hi > 0 and not integers then hi = hi + 0.01 * (hi - lo) end   -- no mark on the frame itself
  local step = nice_step((hi - lo) / 5)
  if integers then step = math.max(1, step) end
  lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
  local ticks = {}
  for k = 0, math.floor((hi - lo) / step + 0.5) do ticks[#ticks + 1] = lo + k * step end
  return lo, hi, ticks
end

local function log_scale(lo, hi, format)
  local base = format == "bytes" and 2 or 10
  local function lg(v) return math.log(v) / math.log(base) end
  local e0, e1 = math.floor(lg(lo) + 1e-9), math.ceil(lg(hi) - 1e-9)
  if e1 == e0 then e1 = e0 + 1 end
  local every = math.max(1, math.ceil((e1 - e0) / 8))     -- at most about 8 ticks
  if base == 2 then every = math.ceil(every / 2) * 2 end   -- bytes: even powers of 2 (1 B, 4 B, ... 1 KiB)
  local ticks = {}
  for e = e0, e1, every do ticks[#ticks + 1] = base ^ e end
  if base == 10 and e1 - e0 == 1 then   -- one decade: 2 and 5 too
    ticks = { 10 ^ e0, 2 * 10 ^ e0, 5 * 10 ^ e0, 10 ^ e1 }
  end
  return base ^ e0, base ^ e1, ticks
end

-- An axis's range and ticks over the values it shows; zero: start a linear axis at 0.
function charts.scale(axis, values, zero)
  local lo, hi, integers = math.huge, -math.huge, true
  for _, v in ipairs(values) do
    if not axis.log or v > 0 then lo, hi = math.min(lo, v), math.max(hi, v) end
    integers = integers and v == math.floor(v)
  end
  if hi == -math.huge then lo, hi = axis.log and 1 or 0, axis.log and 10 or 1 end
  if zero and not axis.log then lo, hi = math.min(lo, 0), math.max(hi, 0) end
  local ticks
  if axis.log then lo, hi, ticks = log_scale(lo, hi, axis.format)
  else lo, hi, ticks = linear_scale(lo, hi, integers) end
  local labelled = {}
  for i, t in ipairs(ticks) do labelled[i] = { t, charts.format(t, axis.format) } end
  return { lo = lo, hi = hi, log = axis.log and true or false, ticks = labelled }
end

-- Where v falls on a scale, from 0 (lo) to 1 (hi); nil for a value a log axis cannot show.
function charts.frac(scale, v)
  if scale.log then
    if v <= 0 then return nil end
    return (math.log(v) - math.log(scale.lo)) / (math.log(scale.hi) - math.log(scale.lo))
  end
  return (v - scale.lo) / (scale.hi - scale.lo)
end

local function check(cond, what)
  if not cond then error("charts.new: " .. what, 3) end
end

local function collect(chart)
  local xs, ys = {}, {}
  for _, s in ipairs(chart.series) do
    if chart.kind == "bars" then
      for _, v in pairs(s.values) do if type(v) == "number" then ys[#ys + 1] = v end end
    else
      for _, p in ipairs(s.points) do xs[#xs + 1], ys[#ys + 1] = p[1], p[2] end
    end
  end
  return xs, ys
end

local function finite(v) return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge end

-- The points a chart can place: both coordinates finite numbers (a JSON null or a NaN is left out).
local function finite_points(points)
  local kept = {}
  for _, p in ipairs(points) do
    if type(p) == "table" and finite(p[1]) and finite(p[2]) then kept[#kept + 1] = p end
  end
  return kept
end

-- Checks a spec and adds its scales (chart.xscale for lines, chart.yscale for both kinds).
function charts.new(spec)
  check(type(spec) == "table", "expects a table")
  check(type(spec.title) == "string", "needs a title")
  check(type(spec.x) == "table" and type(spec.x.label) == "string", "needs x = {label = ...}")
  check(type(spec.y) == "table" and type(spec.y.label) == "string", "needs y = {label = ...}")
  check(type(spec.series) == "table" and #spec.series > 0, "needs at least one series")
  local chart = { title = spec.title, kind = spec.kind or "lines", x = spec.x, y = spec.y,
    categories = spec.categories, series = spec.series, note = spec.note }
  check(chart.kind == "lines" or chart.kind == "bars", "kind must be 'lines' or 'bars'")
  for i, s in ipairs(chart.series) do
    check(type(s.name) == "string", ("series %d needs a name"):format(i))
    if chart.kind == "bars" then
      check(type(s.values) == "table", ("series '%s' needs values (one per category)"):format(s.name))
      for c = 1, #(chart.categories or {}) do s.values[c] = finite(s.values[c]) and s.values[c] or false end
    else
      check(type(s.points) == "table", ("series '%s' needs points {{x, y}, ...}"):format(s.name))
      s.points = finite_points(s.points)
    end
  end
  if chart.kind == "bars" then
    check(type(chart.categories) == "table" and #chart.categories > 0, "bars need categories")
  end
  chart.styles = styles(chart.series)
  local xs, ys = collect(chart)
  if chart.kind == "lines" then chart.xscale = charts.scale(chart.x, xs, spec.x.zero) end
  chart.yscale = charts.scale(chart.y, ys, spec.y.zero ~= false)
  return chart
end

-- The spec part of a chart (what --json keeps and the lab page redraws from).
function charts.spec(chart)
  return { title = chart.title, kind = chart.kind, x = chart.x, y = chart.y, categories = chart.categories,
    series = chart.series, note = chart.note }
end

local function has_gnuplot()
  if os.getenv("PARLAB_NO_GNUPLOT") == "1" then return false end
  local ok = os.execute("command -v gnuplot >/dev/null 2>&1")
  return ok == 0 or ok == true
end

-- Writes the chart to path (.svg or .png): gnuplot where installed, else the built-in SVG writer
-- (a .png request then becomes .svg, with a note). Returns the path written.
function charts.save(path, chart)
  local ext = path:match("%.(%w+)$")
  if ext ~= "svg" and ext ~= "png" then
    error(("charts.save: '%s': the chart file must end in .svg or .png"):format(path), 2)
  end
  if has_gnuplot() and require("chart_gnuplot").save(path, chart, ext) then return path end
  if ext == "png" then
    path = path:gsub("%.png$", ".svg")
    io.stderr:write("no gnuplot (not installed, or PARLAB_NO_GNUPLOT=1): writing " .. path .. " instead\n")
  end
  local f = assert(io.open(path, "w"))
  f:write(require("chart_svg").render(chart))
  f:close()
  return path
end

return charts
