-- The terminal renderer for a chart from charts.new: a character grid with the same title, axis titles
-- (with units), ticks and legend as the SVG and gnuplot renderers; one mark per series (charts.style),
-- R for the lecture's reference figures. Bars charts print one line per category and series.
local charts = require "charts"
local text = {}

local function grid_lines(chart, W, H)
  local grid = {}
  for r = 1, H do grid[r] = {} for c = 1, W do grid[r][c] = " " end end
  for i, s in ipairs(chart.series) do
    local mark = charts.style(chart, i).mark
    for _, p in ipairs(s.points) do
      local fx, fy = charts.frac(chart.xscale, p[1]), charts.frac(chart.yscale, p[2])
      if fx and fy then
        local c = math.floor(fx * (W - 1) + 1.5)
        local r = H - math.floor(fy * (H - 1) + 0.5)
        if grid[r] and c >= 1 and c <= W then grid[r][c] = mark end
      end
    end
  end
  return grid
end

-- The y tick labels on the rows nearest each tick.
local function row_labels(scale, H)
  local labels = {}
  for _, t in ipairs(scale.ticks) do
    local f = charts.frac(scale, t[1])
    if f then labels[H - math.floor(f * (H - 1) + 0.5)] = t[2] end
  end
  return labels
end

-- The x tick labels spread under the axis, each centred on its column where it fits.
local function x_tick_line(scale, W)
  local line, last = {}, 0
  for c = 1, W + 12 do line[c] = " " end
  for _, t in ipairs(scale.ticks) do
    local f = charts.frac(scale, t[1])
    local c = math.floor(f * (W - 1) + 1.5) - math.floor(#t[2] / 2)
    c = math.max(1, math.min(c, W + 12 - #t[2]))
    if c > last then
      for k = 1, #t[2] do line[c + k - 1] = t[2]:sub(k, k) end
      last = c + #t[2]
    end
  end
  return table.concat(line)
end

local function legend(chart)
  local parts = {}
  for i, s in ipairs(chart.series) do parts[i] = charts.style(chart, i).mark .. " " .. s.name end
  return table.concat(parts, "   ")
end

local function lines(chart, W, H)
  local grid, labels = grid_lines(chart, W, H), row_labels(chart.yscale, H)
  local out = { chart.title, charts.axis_title(chart.y) .. (chart.y.log and ", log scale" or "") }
  for r = 1, H do
    out[#out + 1] = ("%10s |"):format(labels[r] or "") .. table.concat(grid[r])
  end
  out[#out + 1] = (" "):rep(11) .. "+" .. ("-"):rep(W)
  out[#out + 1] = (" "):rep(12) .. x_tick_line(chart.xscale, W):gsub("%s+$", "")
  out[#out + 1] = (" "):rep(12) .. charts.axis_title(chart.x) .. (chart.x.log and ", log scale" or "")
  out[#out + 1] = (" "):rep(12) .. legend(chart)
  return out
end

local function bars(chart, W)
  local lw, hi = 0, chart.yscale.hi
  for _, c in ipairs(chart.categories) do lw = math.max(lw, #c) end
  local out = { chart.title .. ": " .. charts.axis_title(chart.y) .. (chart.y.log and ", log scale" or "") }
  for c, name in ipairs(chart.categories) do
    local label = name
    for _, s in ipairs(chart.series) do
      local v = s.values[c]
      if type(v) == "number" then
        local f = charts.frac(chart.yscale, v) or 0
        local bar = s.ref and ((" "):rep(math.max(0, math.floor(f * W + 0.5) - 1)) .. "R")
          or ("#"):rep(math.floor(f * W + 0.5))
        out[#out + 1] = ("%-" .. lw .. "s |%s %s%s"):format(label, bar, charts.format(v),
          #chart.series > 1 and ("  (" .. s.name .. ")") or "")
        label = ""
      end
    end
  end
  out[#out + 1] = (" "):rep(lw) .. " +" .. ("-"):rep(W) .. " " .. charts.format(hi)
  return out
end

-- The chart as lines of text, width x height characters of plot.
function text.render(chart, width, height)
  local out = chart.kind == "bars" and bars(chart, width or 50) or lines(chart, width or 60, height or 14)
  return table.concat(out, "\n") .. "\n"
end

return text
