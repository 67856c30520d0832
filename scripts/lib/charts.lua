-- Charts in the terminal (nothing else needed) and as SVG files (--plot FILE.svg).
-- A series is {name = "...", points = {{x, y}, ...}}; each series gets its own mark.
local charts = {}
local MARKS = { "*", "o", "+", "x", "#", "@", "%", "&" }

local function bounds(series, key, zero)
  local lo, hi = zero and 0 or math.huge, -math.huge
  for _, s in ipairs(series) do
    for _, p in ipairs(s.points) do
      lo, hi = math.min(lo, p[key]), math.max(hi, p[key])
    end
  end
  if hi == -math.huge then lo, hi = 0, 1 end
  if hi == lo then hi = lo + 1 end
  return lo, hi
end

local function tx(v, log)
  return log and math.log10(math.max(v, 1e-300)) or v
end

-- Draws series on a width x height character grid, with y labels on the left and a legend below.
function charts.lines(series, opts)
  opts = opts or {}
  local W, H = opts.width or 60, opts.height or 16
  local xlo, xhi = bounds(series, 1)
  local ylo, yhi = bounds(series, 2, not opts.ylog)
  local lx0, lx1 = tx(xlo, opts.xlog), tx(xhi, opts.xlog)
  local ly0, ly1 = tx(ylo, opts.ylog), tx(yhi, opts.ylog)
  if lx1 == lx0 then lx1 = lx0 + 1 end
  if ly1 == ly0 then ly1 = ly0 + 1 end
  local grid = {}
  for r = 1, H do grid[r] = {} for c = 1, W do grid[r][c] = " " end end
  for si, s in ipairs(series) do
    local mark = s.mark or MARKS[(si - 1) % #MARKS + 1]
    for _, p in ipairs(s.points) do
      local c = math.floor((tx(p[1], opts.xlog) - lx0) / (lx1 - lx0) * (W - 1) + 1.5)
      local r = H - math.floor((tx(p[2], opts.ylog) - ly0) / (ly1 - ly0) * (H - 1) + 0.5)
      if grid[r] and c >= 1 and c <= W then grid[r][c] = mark end
    end
  end
  local out = {}
  if opts.title then out[#out + 1] = opts.title end
  for r = 1, H do
    local yv = ly1 - (r - 1) / (H - 1) * (ly1 - ly0)
    if opts.ylog then yv = 10 ^ yv end
    local label = (r == 1 or r == H or r == math.floor(H / 2)) and ("%9.3g"):format(yv) or (" "):rep(9)
    out[#out + 1] = label .. " |" .. table.concat(grid[r])
  end
  out[#out + 1] = (" "):rep(10) .. "+" .. ("-"):rep(W)
  out[#out + 1] = (" "):rep(11) .. ("%-" .. (W - 10) .. "s%10s"):format(("%.3g"):format(xlo),
    ("%.3g"):format(xhi))
  if opts.xlabel then out[#out + 1] = (" "):rep(11) .. opts.xlabel .. (opts.xlog and " (log)" or "") end
  local legend = {}
  for si, s in ipairs(series) do
    legend[#legend + 1] = (s.mark or MARKS[(si - 1) % #MARKS + 1]) .. " " .. s.name
  end
  out[#out + 1] = (" "):rep(11) .. table.concat(legend, "   ")
  return table.concat(out, "\n") .. "\n"
end

-- Horizontal bars: items = {{label, value}, ...}.
function charts.bars(items, opts)
  opts = opts or {}
  local W, hi, lw = opts.width or 50, 0, 0
  for _, it in ipairs(items) do hi = math.max(hi, it[2]) lw = math.max(lw, #tostring(it[1])) end
  local out = { opts.title }
  for _, it in ipairs(items) do
    local n = hi > 0 and math.floor(it[2] / hi * W + 0.5) or 0
    out[#out + 1] = ("%-" .. lw .. "s |%s %s"):format(it[1], ("#"):rep(n),
      opts.fmt and opts.fmt:format(it[2]) or ("%.4g"):format(it[2]))
  end
  return table.concat(out, "\n") .. "\n"
end

-- A line chart as a standalone SVG document.
function charts.svg_lines(series, opts)
  opts = opts or {}
  local W, H, M = 640, 400, 60
  local xlo, xhi = bounds(series, 1)
  local ylo, yhi = bounds(series, 2, not opts.ylog)
  local xspan = math.max(1e-300, tx(xhi, opts.xlog) - tx(xlo, opts.xlog))
  local yspan = math.max(1e-300, tx(yhi, opts.ylog) - tx(ylo, opts.ylog))
  local function X(v) return M + (tx(v, opts.xlog) - tx(xlo, opts.xlog)) / xspan * (W - 2 * M) end
  local function Y(v) return H - M - (tx(v, opts.ylog) - tx(ylo, opts.ylog)) / yspan * (H - 2 * M) end
  local colors = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b" }
  local svg = {
    ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
      .. 'font-size="12">'):format(W, H),
    ('<rect width="%d" height="%d" fill="white"/>'):format(W, H),
    ('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'):format(M, H - M, W - M, H - M),
    ('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'):format(M, M, M, H - M),
    ('<text x="%d" y="20" font-size="14">%s</text>'):format(M, opts.title or ""),
    ('<text x="%d" y="%d">%s</text>'):format(W / 2, H - 15, opts.xlabel or ""),
    ('<text x="10" y="%d">%.3g</text><text x="10" y="%d">%.3g</text>'):format(H - M, ylo, M, yhi),
    ('<text x="%d" y="%d">%.3g</text><text x="%d" y="%d">%.3g</text>'):format(M, H - M + 15, xlo, W - M - 20,
      H - M + 15, xhi) }
  for si, s in ipairs(series) do
    local color, pts = colors[(si - 1) % #colors + 1], {}
    for _, p in ipairs(s.points) do pts[#pts + 1] = ("%.1f,%.1f"):format(X(p[1]), Y(p[2])) end
    svg[#svg + 1] = ('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'):format(color,
      table.concat(pts, " "))
    svg[#svg + 1] = ('<text x="%d" y="%d" fill="%s">%s</text>'):format(W - M - 150, M + 16 * si, color,
      s.name)
  end
  svg[#svg + 1] = "</svg>\n"
  return table.concat(svg, "\n")
end

-- Writes an SVG (or, for .png, asks gnuplot when it is installed) of the series to path.
function charts.save(path, series, opts)
  charts.saved = true
  if path:match("%.png$") then
    local data = os.tmpname()
    local f = assert(io.open(data, "w"))
    local plots = {}
    for si, s in ipairs(series) do
      for _, p in ipairs(s.points) do f:write(p[1], " ", p[2], "\n") end
      f:write("\n\n")
      plots[si] = ("'%s' index %d with linespoints title '%s'"):format(data, si - 1, s.name)
    end
    f:close()
    local script = ("set terminal png size 800,500; set output '%s'; set title '%s'; %s%s plot %s"):format(
      path, opts and opts.title or "", opts and opts.xlog and "set logscale x; " or "",
      opts and opts.ylog and "set logscale y; " or "", table.concat(plots, ", "))
    local ok = os.execute(("gnuplot -e %q 2>/dev/null"):format(script))
    os.remove(data)
    if ok == 0 or ok == true then return path end
    path = path:gsub("%.png$", ".svg")
    io.stderr:write("gnuplot is not installed: writing " .. path .. " instead\n")
  end
  local f = assert(io.open(path, "w"))
  f:write(charts.svg_lines(series, opts))
  f:close()
  return path
end

return charts
