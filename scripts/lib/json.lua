-- A minimal JSON encoder and decoder for the experiments' --json files and the tour that reads them
-- back: tables (arrays when they have a [1] or are empty), strings, numbers, booleans; null decodes to
-- nil, non-finite numbers encode as null. Object keys are sorted, so a file reads the same every run.
local json = {}

local function encode(v, out)
  local t = type(v)
  if t == "table" then
    if #v > 0 or next(v) == nil then
      out[#out + 1] = "["
      for i, x in ipairs(v) do
        if i > 1 then out[#out + 1] = "," end
        encode(x, out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = tostring(k) end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = ("%q:"):format(k)
        encode(v[k] == nil and v[tonumber(k)] or v[k], out)
      end
      out[#out + 1] = "}"
    end
  elseif t == "string" then
    out[#out + 1] = '"' .. v:gsub('[%c"\\]', function(c) return ("\\u%04x"):format(c:byte()) end) .. '"'
  elseif t == "number" then
    out[#out + 1] = (v ~= v or v == math.huge or v == -math.huge) and "null" or ("%.17g"):format(v)
  elseif t == "boolean" then
    out[#out + 1] = tostring(v)
  else
    out[#out + 1] = "null"
  end
end

function json.encode(v)
  local out = {}
  encode(v, out)
  return table.concat(out)
end

local ESCAPES = { b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", ['"'] = '"', ["\\"] = "\\", ["/"] = "/" }

local decode_value

local function fail(text, pos, what)
  error(("json.decode: %s at character %d: '%s'"):format(what, pos, text:sub(pos, pos + 20)), 0)
end

local function skip(text, pos) return text:find("[^ \t\r\n]", pos) or #text + 1 end

local function decode_string(text, pos)
  local out, i = {}, pos + 1
  while true do
    local c = text:sub(i, i)
    if c == "" then fail(text, pos, "unterminated string") end
    if c == '"' then return table.concat(out), i + 1 end
    if c == "\\" then
      local e = text:sub(i + 1, i + 1)
      if e == "u" then
        local code = tonumber(text:sub(i + 2, i + 5), 16) or fail(text, i, "bad \\u escape")
        out[#out + 1] = code < 256 and string.char(code) or "?"
        i = i + 6
      else
        out[#out + 1] = ESCAPES[e] or fail(text, i, "bad escape")
        i = i + 2
      end
    else
      out[#out + 1] = c
      i = i + 1
    end
  end
end

local function decode_list(text, pos, close, item)
  pos = skip(text, pos + 1)
  if text:sub(pos, pos) == close then return pos + 1 end
  while true do
    pos = skip(text, item(pos))
    local c = text:sub(pos, pos)
    if c == close then return pos + 1 end
    if c ~= "," then fail(text, pos, "expected ',' or '" .. close .. "'") end
    pos = skip(text, pos + 1)
  end
end

function decode_value(text, pos)
  pos = skip(text, pos)
  local c = text:sub(pos, pos)
  if c == "{" then
    local obj = {}
    return obj, decode_list(text, pos, "}", function(p)
      if text:sub(p, p) ~= '"' then fail(text, p, "expected a key") end
      local key, after = decode_string(text, p)
      after = skip(text, after)
      if text:sub(after, after) ~= ":" then fail(text, after, "expected ':'") end
      local v, next_pos = decode_value(text, after + 1)
      obj[key] = v
      return next_pos
    end)
  elseif c == "[" then
    local arr, n = {}, 0
    return arr, decode_list(text, pos, "]", function(p)
      local v, next_pos = decode_value(text, p)
      n = n + 1
      arr[n] = v
      return next_pos
    end)
  elseif c == '"' then
    return decode_string(text, pos)
  end
  if text:sub(pos, pos + 3) == "null" then return nil, pos + 4 end
  if text:sub(pos, pos + 3) == "true" then return true, pos + 4 end
  if text:sub(pos, pos + 4) == "false" then return false, pos + 5 end
  local number = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
  if not number or not tonumber(number) then fail(text, pos, "unexpected value") end
  return tonumber(number), pos + #number
end

-- Decodes one JSON text; errors (naming json.decode) on malformed input.
function json.decode(text)
  if type(text) ~= "string" then error("json.decode: expects a string, got " .. type(text), 2) end
  local v, pos = decode_value(text, 1)
  if skip(text, pos) <= #text then fail(text, pos, "trailing characters") end
  return v
end

return json
