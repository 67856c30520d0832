-- The experiments' chart module (scripts/lib/charts.lua) and its renderers: ticks at readable values,
-- log axes, units in the axis titles, the built-in SVG writer's parts, the terminal chart, gnuplot's
-- script and files, bad specs refused by name, the JSON the lab page is drawn from, and the page.
package.path = "scripts/lib/?.lua;" .. package.path
local T = require "check"
local charts = require "charts"
local json = require "json"

local function chunking()
  return charts.new { title = "Per-task overhead", note = "2 CPUs",
    x = { label = "chunk size", unit = "tasks per message", log = true },
    y = { label = "overhead per task", unit = "us", log = true },
    series = { { name = "parlab", points = { { 1, 2.1 }, { 10, 0.25 }, { 1000, 0.075 } } },
               { name = "Python (lecture)", ref = true, points = { { 1, 29.9 }, { 100, 0.43 } } } } }
end

local function bars()
  return charts.new { title = "Integral", kind = "bars", x = { label = "how" },
    y = { label = "speed-up", unit = "x" }, categories = { "serial", "threads <GIL>", "processes" },
    series = { { name = "parlab", values = { 1, 1.04, 1.93 } },
               { name = "Python (lecture)", ref = true, values = { 1, 0.97, false } } } }
end

local function count(s, pattern) return select(2, s:gsub(pattern, "")) end

T.test("linear ticks are 1-2-5 steps that cover the data from zero", function()
  local s = charts.scale({ label = "y" }, { 0.3, 1.93 }, true)
  T.eq(s.lo, 0)
  T.near(s.hi, 2, 1e-12)
  local labels = {}
  for i, t in ipairs(s.ticks) do labels[i] = t[2] end
  T.eq(table.concat(labels, " "), "0 0.5 1 1.5 2")
  T.eq(#charts.scale({ label = "y" }, { 3, 1234 }).ticks >= 3, true)
  T.eq(charts.scale({ label = "y" }, { 3.1413, 3.1417 }).ticks[1][2]:match("^3%.14") ~= nil, true)
end)

T.test("log axes tick decades, and powers of four in bytes", function()
  local c = chunking()
  T.eq(c.xscale.log and c.yscale.log, true)
  local xt = {}
  for i, t in ipairs(c.xscale.ticks) do xt[i] = t[2] end
  T.eq(table.concat(xt, " "), "1 10 100 1000")
  T.eq(c.yscale.lo, 0.01)
  T.eq(c.yscale.hi, 100)
  local b = charts.scale({ label = "size", log = true, format = "bytes" }, { 1, 2 ^ 20 })
  local bt = {}
  for i, t in ipairs(b.ticks) do bt[i] = t[2] end
  T.eq(table.concat(bt, ", "), "1 B, 16 B, 256 B, 4 KiB, 64 KiB, 1 MiB")
  T.eq(charts.format(2.5e-7), "2.5e-7")
  T.eq(charts.format(3e6), "3e6")
end)

T.test("a bad spec is refused with charts.new and the problem", function()
  T.raises("charts.new: needs a title", charts.new, { x = { label = "a" }, y = { label = "b" }, series = {} })
  T.raises("charts.new: needs at least one series", charts.new,
    { title = "t", x = { label = "a" }, y = { label = "b" }, series = {} })
  T.raises("series 'p' needs values", charts.new, { title = "t", kind = "bars", x = { label = "a" },
    y = { label = "b" }, categories = { "c" }, series = { { name = "p", points = {} } } })
  T.raises("kind must be", charts.new, { title = "t", kind = "pie", x = { label = "a" }, y = { label = "b" },
    series = { { name = "p", points = {} } } })
  T.raises("must end in .svg or .png", charts.save, "chart.pdf", chunking())
end)

T.test("the SVG has a title, axis titles with units, ticks, marks, a legend", function()
  local svg = require("chart_svg").render(chunking())
  T.ok(svg:find('class="xlabel"[^>]*>chunk size %(tasks per message%)</text>'), "x axis title")
  T.ok(svg:find('class="ylabel"[^>]*>overhead per task %(us%)</text>'), "y axis title")
  T.ok(svg:find('class="title"[^>]*>Per%-task overhead</text>'), "title")
  T.ok(svg:find('class="note"[^>]*>2 CPUs</text>'), "note")
  T.eq(count(svg, 'class="tick"'), 4 + 5)          -- 1..1000 and 0.01..100
  T.eq(count(svg, 'class="mark"'), 3 + 2)          -- the data points (the legend's are legend-mark)
  T.eq(count(svg, 'class="legend%-mark"'), 2)
  T.eq(count(svg, 'class="mark line"'), 2)
  T.eq(count(svg, 'class="legend"'), 2)
  T.ok(svg:find('stroke%-dasharray'), "the reference series is dashed")
  local b = require("chart_svg").render(bars())
  T.ok(b:find("threads &lt;GIL&gt;", 1, true), "category names are escaped")
  T.eq(count(b, '<rect class="mark"'), 3)
  T.eq(count(b, '<polygon class="mark"'), 2)       -- two reference diamonds (one value is false)
end)

T.test("the terminal chart has the same labels, and R for the reference", function()
  local text = require("chart_text").render(chunking())
  T.ok(text:find("overhead per task (us), log scale", 1, true), "y title")
  T.ok(text:find("chunk size (tasks per message), log scale", 1, true), "x title")
  T.ok(text:find("* parlab   R Python (lecture)", 1, true), "legend")
  T.eq(count(text, "R") >= 3, true)
  local b = require("chart_text").render(bars())
  T.ok(b:find("speed-up (x)", 1, true) and b:find("processes", 1, true), "bars")
end)

T.test("gnuplot gets the same labels, ticks and styles", function()
  local script = require("chart_gnuplot").script(chunking(), "out.svg", "svg")
  for _, want in ipairs { 'set xlabel "chunk size (tasks per message)"', 'set ylabel "overhead per task (us)"',
    "set logscale x", "set logscale y", 'set xtics ("1" 1, "10" 10, "100" 100, "1000" 1000)',
    'title "Python (lecture)"', "dt 2", 'set title "Per-task overhead"' } do
    T.ok(script:find(want, 1, true), want)
  end
end)

T.test("--plot files: gnuplot's where it is installed, the built-in SVG otherwise", function()
  local dir = os.tmpname()
  os.remove(dir)
  os.execute("mkdir -p " .. dir)
  local has_gnuplot = os.execute("command -v gnuplot >/dev/null 2>&1")
  if has_gnuplot == 0 or has_gnuplot == true then
    T.eq(charts.save(dir .. "/c.png", chunking()), dir .. "/c.png")
    T.eq(T.slurp(dir .. "/c.png"):sub(2, 4), "PNG")
    charts.save(dir .. "/g.svg", bars())
    T.ok(T.slurp(dir .. "/g.svg"):find("speed-up (x)", 1, true), "gnuplot's SVG has the axis title")
  end
  local saved = os.getenv("PARLAB_NO_GNUPLOT")
  T.ok(saved == nil, "PARLAB_NO_GNUPLOT is not set in the tests' environment")
  local ok = os.execute(("PARLAB_NO_GNUPLOT=1 %q -e %q >/dev/null 2>&1"):format(arg[-1] or "parlab",
    ('package.path = "scripts/lib/?.lua;" .. package.path; local c = require "charts"; '
      .. 'io.write(c.save(%q, c.new { title = "t", x = { label = "a", unit = "s" }, y = { label = "b" }, '
      .. 'series = { { name = "p", points = { { 1, 2 } } } } }))'):format(dir .. "/b.png")))
  T.ok(ok == 0 or ok == true, "built-in writer ran")
  T.ok(T.slurp(dir .. "/b.svg"):find('class="xlabel"[^>]*>a %(s%)<'), "a .png without gnuplot becomes .svg")
  os.execute("rm -rf " .. dir)
end)

T.test("an experiment refuses a --plot file it cannot write, before measuring", function()
  local p = io.popen(("%q scripts/joblib.lua --plot chart.pdf 2>&1; echo status $?"):format(arg[-1] or "parlab"))
  local out = p:read("*a")
  p:close()
  T.ok(out:find("--plot 'chart.pdf': the chart file must end in .svg or .png", 1, true), out)
  T.ok(out:find("status 1", 1, true) and not out:find("joblib's one-liner", 1, true), out)
end)

T.test("JSON keeps a chart whole, and the page draws it", function()
  local spec = charts.spec(bars())
  local back = json.decode(json.encode(spec))
  T.eq(back.series[2].values[3], false)
  T.eq(back.categories[2], "threads <GIL>")
  T.eq(require("chart_svg").render(charts.new(back)), require("chart_svg").render(bars()))
  T.raises("json.decode: unterminated string", json.decode, '{"a": "b')
  T.raises("json.decode: trailing characters", json.decode, "[1] x")
  local html = require("page").render { quick = true, machine = { cpus = 2, reason = "affinity", date = "today" },
    lectures = { { "000", "Lecture", { { id = "x", lecture = "000", command = "parlab scripts/x.lua", seconds = 1,
      ok = true, output = "out <b>", result = { chart = spec, tables = {}, claims = {
        { claim = "c", measured = "m", reproduced = true } } } } } } } }
  T.ok(html:find('<section class="experiment" id="x">', 1, true), "section")
  T.ok(html:find('<a href="#x">x</a>', 1, true), "summary link")
  T.ok(html:find("Quick sizes", 1, true) and html:find("out &lt;b&gt;", 1, true), "banner, escaped output")
  T.ok(not html:find("<script", 1, true), "no script")
end)

T.done()
