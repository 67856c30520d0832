-- parlab.gpu, Lua side: availability, devices, random device arrays, and the array methods.
local parlab, internal = ...
local gpu = parlab.gpu

-- available() -> true, or false and why (no library, no device, driver too old, switched off).
function gpu.available()
  local ok, info = internal.gpu.status()
  if ok then return true end
  return false, info
end

-- devices() -> { {name, backend, kind, memory, emulation} } (the device parlab uses; empty when none).
function gpu.devices()
  local ok, info = internal.gpu.status()
  return ok and { info } or {}
end

-- random(shape [, seed [, type]]): uniform [0, 1) numbers, made by the counter-based host generator
-- (the same numbers for a seed on every device) and copied to the device.
function gpu.random(shape, seed, t)
  local ok, host = pcall(parlab.array, t or "f64", shape)
  if not ok then error("parlab.gpu.random: " .. tostring(host):gsub("^.-parlab%.array: ", "", 1), 2) end
  parlab.kernels.random(host, seed or 0)
  return gpu.from_host(host)
end

internal.gpu.meta.methods.to_host = internal.gpu.to_host
