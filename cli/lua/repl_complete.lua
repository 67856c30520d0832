-- Tab completion for the REPL (require "parlab.repl_complete"): globals, keywords, table fields
-- ("parlab.cl", "a.b.c") and methods ("s:up"). Reads tables raw so no user metamethod runs,
-- except that __index tables are followed, as method lookups would.
local M = {}

local keywords = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do keywords[#keywords + 1] = w end

local function is_name(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil
end

local function callable(x)
  if type(x) == "function" then return true end
  local mt = debug.getmetatable(x)
  return type(mt) == "table" and rawget(mt, "__call") ~= nil
end

-- v's own names and those of its __index tables (a few levels), methods only when asked.
local function names(v, methods_only, out)
  for _ = 1, 8 do
    if type(v) == "table" then
      for k, x in next, v do
        if is_name(k) and (not methods_only or callable(x)) then out[k] = true end
      end
    end
    local mt = debug.getmetatable(v)
    local index = type(mt) == "table" and rawget(mt, "__index") or nil
    if type(index) ~= "table" then break end
    v = index
  end
  return out
end

-- t[name] without metamethods other than __index tables; nil when there is no such field.
local function field(v, name)
  for _ = 1, 8 do
    if type(v) == "table" then
      local x = rawget(v, name)
      if x ~= nil then return x end
    end
    local mt = debug.getmetatable(v)
    local index = type(mt) == "table" and rawget(mt, "__index") or nil
    if type(index) ~= "table" then return nil end
    v = index
  end
end

-- The value a dotted path names, or nil.
local function resolve(path)
  local v = _G
  for part in (path .. "."):gmatch("(.-)%.") do
    if not is_name(part) then return nil end
    v = field(v, part)
    if v == nil then return nil end
  end
  return v
end

-- Names starting with "_" are private: offered only when the word starts with "_" too.
local function matching(pool, partial, prefix, out)
  local private = partial:sub(1, 1) == "_"
  for name in pairs(pool) do
    if name:sub(1, #partial) == partial and (private or name:sub(1, 1) ~= "_") then
      out[#out + 1] = prefix .. name
    end
  end
  return out
end

-- complete(word) -> sorted list of whole-word candidates for word.
function M.complete(word)
  local _ = _G.parlab  -- a lazy state opens parlab now, so its name and fields are offered
  local out = {}
  local path, sep, partial = word:match("^(.*)([%.:])([%w_]*)$")
  if not path then
    if word ~= "" and not is_name(word) then return out end
    local pool = names(_G, false, {})
    for _, k in ipairs(keywords) do pool[k] = true end
    matching(pool, word, "", out)
  else
    local v = resolve(path)
    if v == nil then return out end
    matching(names(v, sep == ":", {}), partial, path .. sep, out)
  end
  table.sort(out)
  return out
end

return M
