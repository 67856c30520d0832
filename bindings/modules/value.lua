-- parlab.Value, parlab.Array, parlab.ShareableList: the multiprocessing.Value / Array / ShareableList
-- analogues (bindings/modules/lua_value.cpp). Each is one object in the shared arena and travels to threads and
-- processes as a handle to the same memory.
local parlab, internal = ...
local V = internal.value
local registry = debug.getregistry()
local getmetatable = getmetatable

parlab.Value, parlab.Array, parlab.ShareableList = V.Value, V.Array, V.ShareableList
-- sharedctypes.RawValue / RawArray: Python's have no lock; these are Value and Array, whose lock costs
-- nothing until it is used.
-- They refuse under their own names.
local function raw(name, make)
  return function(...)
    local ok, v = pcall(make, ...)
    if not ok then error((tostring(v):gsub("^.-:%d+: ", "", 1):gsub("^%a+:", name .. ":", 1)), 2) end
    return v
  end
end
parlab.RawValue, parlab.RawArray = raw("RawValue", V.Value), raw("RawArray", V.Array)

for _, name in ipairs { "Value", "Array", "ShareableList" } do
  local mt = registry["parlab." .. name]
  parlab.transport.register_kind("parlab." .. name, {
    test = function(v) return getmetatable(v) == mt end,
    encode = internal.sync.handle,
    decode = function(payload) return V.attach(name, payload) end,
  })
end
