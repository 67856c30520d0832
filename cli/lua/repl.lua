-- The REPL's Lua side (require "parlab.repl"): the pretty printer, tab completion and :commands.
local M = {}

local concat, sort, format = table.concat, table.sort, string.format

------------------------------------------------------------------------------------------------
-- Pretty printer: nested, bounded in depth and width, sorted keys, cycles marked.

M.defaults = {
  depth = 4,     -- tables nested deeper print as {...N entries}
  width = 40,    -- at most this many entries per table, then "... (+K more)"
  line = 78,     -- a table that fits in this many columns prints on one line
  indent = "  ",
  string = 200,  -- longer strings are cut, with their length shown
}

local keywords = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do keywords[w] = true end

local function is_name(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil and not keywords[s]
end

local escapes = { ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r", ['"'] = '\\"', ["\\"] = "\\\\" }

local function quote(s, limit)
  local cut = #s > limit
  local body = (cut and s:sub(1, limit) or s):gsub('[%c"\\]', function(c)
    return escapes[c] or format("\\%03d", c:byte())
  end)
  return '"' .. body .. '"' .. (cut and format("...(%d bytes)", #s) or "")
end

local function scalar(v)
  local ok, s = pcall(tostring, v)
  return ok and tostring(s) or "<" .. type(v) .. ">"
end

local rank = { number = 1, string = 2, boolean = 3 }

local function key_less(a, b)
  local ra, rb = rank[type(a)] or 4, rank[type(b)] or 4
  if ra ~= rb then return ra < rb end
  if ra <= 2 then return a < b end
  return scalar(a) < scalar(b)
end

-- The first `count` keys in key order, without sorting a huge table whole.
local function smallest(keys, count)
  if count <= 0 then return {} end
  if #keys <= 4 * count + 100 then
    sort(keys, key_less)
    return keys
  end
  local best = {}
  for _, k in ipairs(keys) do
    if #best < count or key_less(k, best[#best]) then
      local i = math.min(#best, count - 1)
      while i >= 1 and key_less(k, best[i]) do
        best[i + 1] = best[i]
        i = i - 1
      end
      best[i + 1] = k
    end
  end
  return best
end

-- The entries to show: the sequence 1..n first, then the other keys sorted (up to a limit).
local function entries(t, width)
  local n = 0
  while rawget(t, n + 1) ~= nil do n = n + 1 end
  local keys, total = {}, n
  for k in next, t do
    if not (type(k) == "number" and k >= 1 and k <= n and k % 1 == 0) then
      total = total + 1
      keys[#keys + 1] = k
    end
  end
  keys = smallest(keys, width - math.min(n, width))
  local shown = {}
  for i = 1, math.min(n, width) do shown[i] = { nil, t[i] } end
  for i = 1, math.min(#keys, width - #shown) do shown[#shown + 1] = { keys[i], rawget(t, keys[i]) } end
  return shown, total
end

local function render_key(k, o)
  if is_name(k) then return k end
  if type(k) == "string" then return "[" .. quote(k, o.string) .. "]" end
  return "[" .. scalar(k) .. "]"
end

-- Joins rendered entries on one line when they fit, else one per line (short array items packed).
local function layout(parts, keyed, o, level)
  local one = "{" .. concat(parts, ", ") .. "}"
  if #one + #o.indent * level <= o.line and not one:find("\n", 1, true) then return one end
  local pad = o.indent:rep(level + 1)
  local lines, current = {}, nil
  for i, p in ipairs(parts) do
    local packable = not keyed[i] and #p <= 24 and not p:find("\n", 1, true)
    if current and packable and current.packable and #current.text + #p + 2 <= o.line then
      current.text = current.text .. " " .. p .. ","
    else
      current = { text = pad .. p .. ",", packable = packable }
      lines[#lines + 1] = current
    end
  end
  for i, l in ipairs(lines) do lines[i] = l.text end
  return "{\n" .. concat(lines, "\n") .. "\n" .. o.indent:rep(level) .. "}"
end

local render

local function render_table(t, o, level, active)
  local mt = getmetatable(t)
  if type(mt) == "table" and rawget(mt, "__tostring") then return scalar(t) end
  if active[t] then return "<cycle: " .. scalar(t) .. ">" end
  local shown, total = entries(t, o.width)
  if total == 0 then return "{}" end
  if level >= o.depth then return format("{...%d %s}", total, total == 1 and "entry" or "entries") end
  active[t] = true
  local parts, keyed = {}, {}
  for i, e in ipairs(shown) do
    local value = render(e[2], o, level + 1, active)
    keyed[i] = e[1] ~= nil
    parts[i] = keyed[i] and render_key(e[1], o) .. " = " .. value or value
  end
  active[t] = nil
  if total > #shown then parts[#parts + 1] = format("... (+%d more)", total - #shown) end
  return layout(parts, keyed, o, level)
end

function render(v, o, level, active)
  local tv = type(v)
  if tv == "string" then return quote(v, o.string) end
  if tv == "table" then return render_table(v, o, level, active) end
  return scalar(v)
end

-- pretty(v [, options]): the text of v; options override M.defaults (depth, width, line, ...).
function M.pretty(v, options)
  local o = setmetatable({}, { __index = M.defaults })
  for k, x in pairs(options or {}) do o[k] = x end
  return render(v, o, 0, {})
end

-- Prints a statement's results as the REPL shows them: strings raw (as lua does), tables pretty.
function M.show(...)
  local out = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    out[i] = type(v) == "string" and v or M.pretty(v)
  end
  io.stdout:write(concat(out, "\t"), "\n")
end

-- Completion and the :commands live in their own files; the REPL reaches them through here.
function M.complete(word)
  return require("parlab.repl_complete").complete(word)
end

function M.command(line)
  return require("parlab.repl_commands").command(line)
end

return M
