-- --plot FILE.svg / FILE.png through gnuplot, for a chart from charts.new: the same title, axis titles
-- with units, ticks (placed and labelled as charts.scale chose them), log axes, colours, marker shapes
-- and legend as the built-in SVG writer. Bars charts become vertical boxes, one group per category.
-- The data travel inline (gnuplot datablocks), the script through a temporary file.
local charts = require "charts"
local gp = {}

local POINT = { circle = 7, square = 5, triangle = 9, diamond = 12 }

local function q(s)
  return '"' .. tostring(s):gsub('[\\"]', "\\%0"):gsub("\n", " ") .. '"'
end

local function tics(scale, axis)
  local parts = {}
  for _, t in ipairs(scale.ticks) do parts[#parts + 1] = ("%s %.17g"):format(q(t[2]), t[1]) end
  return ("set %stics (%s)\n"):format(axis, table.concat(parts, ", "))
end

local function header(chart, ext, path)
  local term = ext == "png" and 'pngcairo noenhanced size 900,560 font "sans,11"'
    or 'svg noenhanced size 900,560 dynamic font "sans,11"'
  return table.concat({
    ("set terminal %s\nset output %s\n"):format(term, q(path)),
    ("set title %s font \",14\"\n"):format(q(chart.title)),
    chart.note and ("set label 1 %s at graph 0.5, graph 1.03 center font \",10\"\n"):format(q(chart.note)) or "",
    "set tmargin 5\nset key outside bottom center horizontal\nset grid lc rgb \"#dddddd\"\nset border lw 1\n" })
end

local function style(chart, i)
  local st = charts.style(chart, i)
  return ("lc rgb %q pt %d ps 1.2 lw 2%s"):format(st.color, POINT[st.shape] or 7, st.dashed and " dt 2" or "")
end

local function lines_script(chart)
  local out, plots = {}, {}
  for i, s in ipairs(chart.series) do
    out[#out + 1] = ("$s%d << EOD\n"):format(i)
    for _, p in ipairs(s.points) do out[#out + 1] = ("%.17g %.17g\n"):format(p[1], p[2]) end
    out[#out + 1] = "EOD\n"
    plots[i] = ("$s%d using 1:2 with %s %s title %s"):format(i, #s.points > 60 and "lines" or "linespoints",
      style(chart, i), q(s.name))
  end
  out[#out + 1] = ("set xlabel %s\nset ylabel %s\n"):format(q(charts.axis_title(chart.x)),
    q(charts.axis_title(chart.y)))
  if chart.xscale.log then out[#out + 1] = "set logscale x\n" end
  if chart.yscale.log then out[#out + 1] = "set logscale y\n" end
  out[#out + 1] = ("set xrange [%.17g:%.17g]\nset yrange [%.17g:%.17g]\n"):format(chart.xscale.lo,
    chart.xscale.hi, chart.yscale.lo, chart.yscale.hi)
  out[#out + 1] = tics(chart.xscale, "x") .. tics(chart.yscale, "y")
  out[#out + 1] = "plot " .. table.concat(plots, ", ") .. "\n"
  return table.concat(out)
end

local function bars_script(chart)
  local out, plots, measured = {}, {}, 0
  for _, s in ipairs(chart.series) do if not s.ref then measured = measured + 1 end end
  local width, k = 0.8 / math.max(1, measured), 0
  for i, s in ipairs(chart.series) do
    local off = s.ref and 0 or (k - (measured - 1) / 2) * width
    if not s.ref then k = k + 1 end
    out[#out + 1] = ("$s%d << EOD\n"):format(i)
    for c = 1, #chart.categories do
      if type(s.values[c]) == "number" then out[#out + 1] = ("%.17g %.17g\n"):format(c + off, s.values[c]) end
    end
    out[#out + 1] = "EOD\n"
    plots[i] = ("$s%d using 1:2 with %s %s title %s"):format(i, s.ref and "points" or "boxes fill solid 0.8",
      style(chart, i), q(s.name))
  end
  local labels = {}
  for c, name in ipairs(chart.categories) do labels[c] = ("%s %d"):format(q(name), c) end
  out[#out + 1] = ("set boxwidth %.3f\nset xtics (%s) rotate by -25\nset xrange [0.4:%.1f]\n")
    :format(width, table.concat(labels, ", "), #chart.categories + 0.6)
  out[#out + 1] = ("set xlabel %s\nset ylabel %s\n"):format(q(charts.axis_title(chart.x)),
    q(charts.axis_title(chart.y)))
  if chart.yscale.log then out[#out + 1] = "set logscale y\n" end
  out[#out + 1] = ("set yrange [%.17g:%.17g]\n"):format(chart.yscale.lo, chart.yscale.hi)
  out[#out + 1] = tics(chart.yscale, "y")
  out[#out + 1] = "plot " .. table.concat(plots, ", ") .. "\n"
  return table.concat(out)
end

-- The whole gnuplot script for chart into path (ext "svg" or "png").
function gp.script(chart, path, ext)
  return header(chart, ext, path) .. (chart.kind == "bars" and bars_script(chart) or lines_script(chart))
end

-- Runs gnuplot; true when it wrote path.
function gp.save(path, chart, ext)
  local name = os.tmpname()
  local f = assert(io.open(name, "w"))
  f:write(gp.script(chart, path, ext))
  f:close()
  os.remove(path)
  local ok = os.execute(("gnuplot %q 2>/dev/null"):format(name))
  os.remove(name)
  local out = io.open(path)
  if out then out:close() end
  return (ok == 0 or ok == true) and out ~= nil
end

return gp
