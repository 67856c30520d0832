-- The built-in SVG writer for a chart from charts.new: title, axis titles with units, tick marks and
-- grid lines at the scale's ticks, one colour and marker shape per series (charts.style), the lecture's
-- reference figures as black diamonds, and a legend under the plot. Used by the lab page (inline) and
-- by --plot FILE.svg where gnuplot is not installed. Lines charts plot x against y; bars charts are
-- horizontal, one group per category. Classes (mark, xlabel, ylabel, tick, legend) let a test find
-- the parts.
local charts = require "charts"
local svg = {}

local W, MT, MR, PH = 720, 46, 24, 300

local function esc(s)
  return (tostring(s):gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }))
end

local function num(v) return ("%.1f"):format(v) end

-- A marker of the given shape centred on (x, y), class "mark" (a data point) unless cls says otherwise.
local function marker(out, shape, x, y, color, hollow, cls)
  local fill = hollow and "white" or color
  local common = ('class="%s" fill="%s" stroke="%s" stroke-width="1.5"'):format(cls or "mark", fill, color)
  if shape == "square" then
    out[#out + 1] = ('<rect %s x="%s" y="%s" width="8" height="8"/>'):format(common, num(x - 4), num(y - 4))
  elseif shape == "triangle" then
    out[#out + 1] = ('<polygon %s points="%s,%s %s,%s %s,%s"/>'):format(common, num(x), num(y - 5),
      num(x - 5), num(y + 4), num(x + 5), num(y + 4))
  elseif shape == "diamond" then
    out[#out + 1] = ('<polygon %s points="%s,%s %s,%s %s,%s %s,%s"/>'):format(common, num(x), num(y - 6),
      num(x + 6), num(y), num(x), num(y + 6), num(x - 6), num(y))
  else
    out[#out + 1] = ('<circle %s cx="%s" cy="%s" r="4"/>'):format(common, num(x), num(y))
  end
end

-- Ticks, grid lines and tick labels along one axis of the plot box {x0, y0, x1, y1}.
local function axis_ticks(out, scale, box, horizontal)
  for _, t in ipairs(scale.ticks) do
    local f = charts.frac(scale, t[1])
    if f and f >= -1e-9 and f <= 1 + 1e-9 then
      if horizontal then
        local x = box.x0 + f * (box.x1 - box.x0)
        out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e0e0e0"/>'):format(num(x), box.y0,
          num(x), box.y1)
        out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="black"/>'):format(num(x), box.y1,
          num(x), box.y1 + 5)
        out[#out + 1] = ('<text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>'):format(num(x),
          box.y1 + 18, esc(t[2]))
      else
        local y = box.y1 - f * (box.y1 - box.y0)
        out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e0e0e0"/>'):format(box.x0, num(y),
          box.x1, num(y))
        out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="black"/>'):format(box.x0 - 5, num(y),
          box.x0, num(y))
        out[#out + 1] = ('<text class="tick" x="%s" y="%s" text-anchor="end">%s</text>'):format(box.x0 - 8,
          num(y + 4), esc(t[2]))
      end
    end
  end
end

-- The legend: entries in rows of three under the plot, from y on; returns the height used.
local function legend(out, chart, y)
  local per_row, col_w = 3, (W - 40) / 3
  for i, s in ipairs(chart.series) do
    local st = charts.style(chart, i)
    local x = 20 + ((i - 1) % per_row) * col_w
    local ly = y + math.floor((i - 1) / per_row) * 20
    if chart.kind == "bars" and not s.ref then
      out[#out + 1] = ('<rect x="%s" y="%s" width="24" height="10" fill="%s"/>'):format(x, ly - 5, st.color)
    else
      out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/>'):format(x,
        ly, x + 24, ly, st.color, st.dashed and ' stroke-dasharray="5,3"' or "")
      marker(out, st.shape, x + 12, ly, st.color, st.ref, "legend-mark")
    end
    out[#out + 1] = ('<text class="legend" x="%s" y="%s">%s</text>'):format(x + 30, ly + 4, esc(s.name))
  end
  return math.ceil(#chart.series / per_row) * 20
end

local function lines_body(out, chart, box)
  for i, s in ipairs(chart.series) do
    local st, pts = charts.style(chart, i), {}
    for _, p in ipairs(s.points) do
      local fx, fy = charts.frac(chart.xscale, p[1]), charts.frac(chart.yscale, p[2])
      if fx and fy then
        pts[#pts + 1] = { box.x0 + fx * (box.x1 - box.x0), box.y1 - fy * (box.y1 - box.y0) }
      end
    end
    local coords = {}
    for k, p in ipairs(pts) do coords[k] = num(p[1]) .. "," .. num(p[2]) end
    if #pts > 1 then
      out[#out + 1] = ('<polyline class="mark line" fill="none" stroke="%s" stroke-width="2"%s points="%s"/>')
        :format(st.color, st.dashed and ' stroke-dasharray="5,3"' or "", table.concat(coords, " "))
    end
    if #pts <= 60 then
      for _, p in ipairs(pts) do marker(out, st.shape, p[1], p[2], st.color, st.ref) end
    end
  end
end

local function bars_body(out, chart, box)
  local measured = {}
  for i, s in ipairs(chart.series) do if not s.ref then measured[#measured + 1] = i end end
  local band = (box.y1 - box.y0) / #chart.categories
  local bh = band * 0.75 / math.max(1, #measured)
  for c, name in ipairs(chart.categories) do
    local top = box.y0 + (c - 1) * band
    out[#out + 1] = ('<text class="tick" x="%s" y="%s" text-anchor="end">%s</text>'):format(box.x0 - 8,
      num(top + band / 2 + 4), esc(name))
    for k, i in ipairs(measured) do
      local v, st = chart.series[i].values[c], charts.style(chart, i)
      local f = type(v) == "number" and charts.frac(chart.yscale, v)
      if f then
        out[#out + 1] = ('<rect class="mark" x="%s" y="%s" width="%s" height="%s" fill="%s"/>'):format(box.x0,
          num(top + band * 0.125 + (k - 1) * bh), num(math.max(1, f * (box.x1 - box.x0))), num(bh), st.color)
      end
    end
    for i, s in ipairs(chart.series) do
      local v, st = s.ref and s.values[c], charts.style(chart, i)
      local f = type(v) == "number" and charts.frac(chart.yscale, v)
      if f then marker(out, st.shape, box.x0 + f * (box.x1 - box.x0), top + band / 2, st.color, true) end
    end
  end
end

-- The chart as a standalone SVG document (inline in HTML it needs no change).
function svg.render(chart)
  local longest = 0
  for _, c in ipairs(chart.categories or {}) do longest = math.max(longest, #c) end
  local ml = chart.kind == "bars" and math.min(300, 24 + 7 * longest) or 84
  local ph = chart.kind == "bars" and math.max(150, #chart.categories * 34) or PH
  local top = MT + (chart.note and 14 or 0)
  local box = { x0 = ml, y0 = top, x1 = W - MR, y1 = top + ph }
  local legend_h = math.ceil(#chart.series / 3) * 20
  local H = box.y1 + 56 + legend_h + 8
  local out = { ('<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
    .. 'viewBox="0 0 %d %d" font-family="sans-serif" font-size="12" role="img">'):format(W, H, W, H),
    ("<title>%s</title>"):format(esc(chart.title)),
    ('<rect width="%d" height="%d" fill="white"/>'):format(W, H),
    ('<text class="title" x="%d" y="26" text-anchor="middle" font-size="15" font-weight="bold">%s</text>')
      :format(W / 2, esc(chart.title)) }
  if chart.note then
    out[#out + 1] = ('<text class="note" x="%d" y="44" text-anchor="middle" fill="#555" font-size="11">%s</text>')
      :format(W / 2, esc(chart.note))
  end
  local value_axis = chart.kind == "bars" and chart.y or chart.x
  axis_ticks(out, chart.kind == "bars" and chart.yscale or chart.xscale, box, true)
  if chart.kind == "lines" then axis_ticks(out, chart.yscale, box, false) end
  out[#out + 1] = ('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>'):format(box.x0,
    box.y0, box.x1 - box.x0, box.y1 - box.y0)
  out[#out + 1] = ('<text class="xlabel" x="%s" y="%d" text-anchor="middle">%s</text>'):format(
    num((box.x0 + box.x1) / 2), box.y1 + 38, esc(charts.axis_title(value_axis)))
  local other = chart.kind == "bars" and chart.x or chart.y
  out[#out + 1] = ('<text class="ylabel" x="16" y="%s" text-anchor="middle" transform="rotate(-90 16 %s)">%s'
    .. '</text>'):format(num((box.y0 + box.y1) / 2), num((box.y0 + box.y1) / 2), esc(charts.axis_title(other)))
  if chart.kind == "bars" then bars_body(out, chart, box) else lines_body(out, chart, box) end
  legend(out, chart, box.y1 + 60)
  out[#out + 1] = "</svg>\n"
  return table.concat(out, "\n")
end

return svg
