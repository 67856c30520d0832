-- parlab.Value, parlab.Array, parlab.ShareableList: the multiprocessing.Value / Array / ShareableList
-- analogues (bindings/modules/lua_value.cpp). Each is one object in the shared arena and travels to threads and
-- processes as a handle to the same memory.
local parlab = ...
local V = parlab._value
local registry = debug.getregistry()
local getmetatable = getmetatable

parlab.Value, parlab.Array, parlab.ShareableList = V.Value, V.Array, V.ShareableList

for _, name in ipairs { "Value", "Array", "ShareableList" } do
  local mt = registry["parlab." .. name]
  parlab.transport.register_kind("parlab." .. name, {
    test = function(v) return getmetatable(v) == mt end,
    encode = parlab._sync.handle,
    decode = function(payload) return V.attach(name, payload) end,
  })
end
