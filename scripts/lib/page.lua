-- The lab report as one self-contained HTML page (lab-report/index.html): inline CSS and inline SVG
-- charts (chart_svg), no script, no font or image from anywhere (a Content-Security-Policy says so, and
-- a browser reports anything that tries). It opens with the machine and a summary table of every
-- claim and its verdict, linked to one section per experiment: the command that reruns it, its claims,
-- its tables, its chart, and its terminal output folded away.
local charts = require "charts"
local svg = require "chart_svg"
local page = {}

local CSS = [[
body { font-family: sans-serif; max-width: 1100px; margin: 0 auto; padding: 1em 2em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.yes { color: #1a7f37; font-weight: bold; } .no { color: #c62828; font-weight: bold; }
.quick { background: #fff4ce; border: 1px solid #e0c060; padding: 0.5em 1em; }
section.experiment { border-top: 1px solid #ddd; margin-top: 1.5em; }
code, pre { background: #f6f6f6; } pre { padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
figure.chart { margin: 1em 0; } .nochart { color: #8a6d00; }
]]

local function esc(s)
  return (tostring(s):gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }))
end

local function verdict(c)
  if c.reproduced then return ('<span class="yes">reproduced</span>: %s'):format(esc(c.measured)) end
  return ('<span class="no">not reproduced</span>: %s'):format(esc(c.measured))
end

local function machine(out, m)
  out[#out + 1] = '<table class="machine">'
  for _, row in ipairs({ { "CPUs", ("%d (%s)"):format(m.cpus, m.reason) }, { "processor", m.model },
    { "memory", m.memory }, { "date", m.date }, { "parlab", m.version }, { "load before the run", m.load },
    { "whole tour", m.elapsed } }) do
    if row[2] then out[#out + 1] = ("<tr><th>%s</th><td>%s</td></tr>"):format(row[1], esc(row[2])) end
  end
  out[#out + 1] = "</table>"
end

local function summary(out, entries)
  out[#out + 1] = '<h2 id="summary">Summary</h2>\n<table class="summary">'
  out[#out + 1] = "<tr><th>experiment</th><th>lecture</th><th>the lecture's claim</th><th>verdict</th></tr>"
  for _, e in ipairs(entries) do
    local claims = e.result and e.result.claims or {}
    if #claims == 0 then
      claims = { { claim = e.ok and "(this script states no claim)" or "(the script failed)",
        measured = e.ok and "see its section" or "see its output", reproduced = false, none = e.ok } }
    end
    for _, c in ipairs(claims) do
      out[#out + 1] = ('<tr><td><a href="#%s">%s</a></td><td>%s</td><td>%s</td><td>%s</td></tr>'):format(e.id,
        esc(e.id), esc(e.lecture), esc(c.claim), c.none and esc(c.measured) or verdict(c))
    end
  end
  out[#out + 1] = "</table>"
end

local function table_html(out, t)
  out[#out + 1] = "<table><tr>"
  for _, h in ipairs(t.head) do out[#out + 1] = ("<th>%s</th>"):format(esc(h)) end
  out[#out + 1] = "</tr>"
  for _, row in ipairs(t.rows) do
    out[#out + 1] = "<tr>"
    for c = 1, #t.head do
      out[#out + 1] = ("<td%s>%s</td>"):format(t.numeric[c] and ' class="num"' or "", esc(row[c] or ""))
    end
    out[#out + 1] = "</tr>"
  end
  out[#out + 1] = "</table>"
end

-- Why a section has no chart, or nil when it has one.
local function no_chart_reason(e)
  if not e.ok then return "the script failed (its output is below)" end
  if not e.result then return e.why_no_json or "the script wrote no --json file" end
  if not e.result.chart then return "the script measured nothing to draw (see its claim)" end
end

local function section(out, e)
  local reason = no_chart_reason(e)
  out[#out + 1] = ('<section class="experiment" id="%s"%s>'):format(e.id,
    reason and (' data-nochart="%s"'):format(esc(reason)) or "")
  out[#out + 1] = ('<h3>%s</h3>\n<p>Rerun: <code>%s</code> (%.1f s here%s)</p>'):format(esc(e.id),
    esc(e.command), e.seconds, e.ok and "" or ', <span class="no">failed</span>')
  for _, c in ipairs(e.result and e.result.claims or {}) do
    out[#out + 1] = ("<p>Claim: %s<br>%s</p>"):format(esc(c.claim), verdict(c))
  end
  for _, t in ipairs(e.result and e.result.tables or {}) do table_html(out, t) end
  if reason then
    out[#out + 1] = ('<p class="nochart">No chart: %s.</p>'):format(esc(reason))
  else
    local ok, drawn = pcall(function() return svg.render(charts.new(e.result.chart)) end)
    out[#out + 1] = ok and ('<figure class="chart">\n%s</figure>'):format(drawn)
      or ('<p class="no">chart error: %s</p>'):format(esc(drawn))
  end
  out[#out + 1] = ("<details><summary>terminal output</summary><pre>%s</pre></details>\n</section>"):format(
    esc(e.output))
end

-- The whole page. info = {machine = {...}, quick = bool, lectures = {{number, title, {entries}}}}.
function page.render(info)
  local out = { '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>parlab lecture tour</title>\n<style>" .. CSS .. "</style></head><body>",
    "<h1>parlab lecture tour</h1>" }
  if info.quick then
    out[#out + 1] = '<p class="quick"><b>Quick sizes</b> (<code>parlab lab --quick</code>, the test suite\'s' ..
      " form): small problems that finish in seconds, so the figures are not the lecture's sizes." ..
      " Run <code>parlab lab</code> for the real ones.</p>"
  end
  machine(out, info.machine)
  local all = {}
  for _, lecture in ipairs(info.lectures) do
    for _, e in ipairs(lecture[3]) do all[#all + 1] = e end
  end
  summary(out, all)
  for _, lecture in ipairs(info.lectures) do
    if #lecture[3] > 0 then
      out[#out + 1] = ("<h2>Lecture %s: %s</h2>"):format(esc(lecture[1]), esc(lecture[2]))
      for _, e in ipairs(lecture[3]) do section(out, e) end
    end
  end
  out[#out + 1] = "</body></html>\n"
  return table.concat(out, "\n")
end

return page
