-- The Lua side of the value transport (bindings/core/transport.cpp calls these helpers):
--   classify(v)         which registered kind a userdata/cdata is, and its payload
--   decode_kind(n, s)   the receiver's half of a kind
--   globals_of(fn)      the global names fn and its nested functions read (bytecode scan, cached)
--   build_names()       standard library values that travel by name, both ways
-- and the two built-in kinds for LuaJIT's 64-bit integer cdata.
local parlab, internal = ...
local transport = parlab.transport
local helpers = internal.transport
local kinds, kinds_by_name = helpers.kinds, helpers.kinds_by_name

local ffi = require "ffi"
local jutil = require "jit.util"
local band, rshift = bit.band, bit.rshift
local funcinfo, funcbc, funck = jutil.funcinfo, jutil.funcbc, jutil.funck
local type, pairs, tostring = type, pairs, tostring

function helpers.classify(v)
  for i = 1, #kinds do
    local k = kinds[i]
    if k.test(v) then
      local payload = k.encode(v)
      if type(payload) ~= "string" then
        error("transport: kind '" .. k.name .. "' encode returned a " .. type(payload) .. ", not a string", 0)
      end
      return k.name, payload
    end
  end
  if type(v) == "cdata" then
    local ct = tostring(ffi.typeof(v)):match("^ctype<(.*)>$") or "?"
    return nil, "a cdata<" .. ct .. "> of no registered kind"
  end
  return nil, nil
end

function helpers.decode_kind(name, payload)
  local k = kinds_by_name[name]
  if not k then
    return nil, "no kind '" .. name:sub(1, 60) .. "' is registered in the receiver (is its module loaded?)"
  end
  return k.decode(payload), nil
end

-- The opcodes of GGET and GSET differ between LuaJIT builds, so learn them from probe functions.
local function opcode_of(probe, name)
  local info = funcinfo(probe)
  for pc = 1, info.bytecodes - 1 do  -- pc 0 is the function header
    local ins = funcbc(probe, pc)
    local d = rshift(ins, 16)
    local ok, k = pcall(funck, probe, -1 - d)
    if ok and k == name then return band(ins, 0xff) end
  end
  error("transport: cannot find the GGET opcode in this LuaJIT")
end
local GGET = opcode_of(function() return parlab_transport_probe end, "parlab_transport_probe")

local function scan(proto, names, seen)
  local info = funcinfo(proto)
  for pc = 1, info.bytecodes - 1 do  -- pc 0 is the function header
    local ins = funcbc(proto, pc)
    if band(ins, 0xff) == GGET then
      local name = funck(proto, -1 - rshift(ins, 16))
      if not seen[name] then
        seen[name] = true
        names[#names + 1] = name
      end
    end
  end
  if info.children then
    for i = 1, info.gcconsts do
      local k = funck(proto, -i)
      if type(k) == "proto" then scan(k, names, seen) end
    end
  end
end

local global_names = setmetatable({}, { __mode = "k" })
function helpers.globals_of(fn)
  local names = global_names[fn]
  if not names then
    names = {}
    scan(fn, names, {})
    global_names[fn] = names
  end
  return names
end

-- value -> "math.sin" and "math.sin" -> value: the base library's C functions, the standard library
-- tables and what they hold, parlab with its sub-tables, and the internal table (bindings/core/module.hpp)
-- as "parlab.internal" with its sub-tables, so a function that holds an internal (a module's function with
-- internal as its upvalue, a pool's front) resolves in the receiver too. Built on first use in each
-- state, once every parlab module has opened.
-- (kLibraries in lua_transport.cpp resolves the same names, less parlab, in a state that has not opened it.)
local libraries = { "string", "table", "math", "io", "os", "coroutine", "debug", "package", "bit", "jit",
                    "jit.util", "jit.opt", "ffi", "parlab" }
function helpers.build_names()
  local by_value, by_name = {}, {}
  local function add(name, v)
    if by_value[v] == nil then by_value[v] = name end
    if by_name[name] == nil then by_name[name] = v end
  end
  local function add_library(name, t, deep)
    add(name, t)
    for k, v in pairs(t) do
      local tv = type(v)
      if type(k) == "string" and (tv == "function" or tv == "userdata" or tv == "table") then
        if tv == "table" and deep then add_library(name .. "." .. k, v, false) else add(name .. "." .. k, v) end
      end
    end
  end
  local G = package.loaded._G or _G
  add("_G", G)
  for k, v in pairs(G) do
    if type(k) == "string" and type(v) == "function" and debug.getinfo(v, "S").what == "C" then add(k, v) end
  end
  for _, name in ipairs(libraries) do
    local t = package.loaded[name]
    if type(t) == "table" then add_library(name, t, name == "parlab") end
  end
  add_library("parlab.internal", internal, true)
  return by_value, by_name
end

-- LuaJIT's boxed 64-bit integers keep all 64 bits (a Lua number would round past 2^53).
local function int_kind(ctype_name)
  local ct, box = ffi.typeof(ctype_name), ffi.typeof(ctype_name .. "[1]")
  transport.register_kind(ctype_name, {
    test = function(v) return ffi.istype(ct, v) end,
    encode = function(v) return ffi.string(box(v), 8) end,
    decode = function(s)
      if #s ~= 8 then error("transport: a " .. ctype_name .. " payload is 8 bytes", 0) end
      local b = box()
      ffi.copy(b, s, 8)
      return b[0]
    end,
  })
end
int_kind("int64_t")
int_kind("uint64_t")
