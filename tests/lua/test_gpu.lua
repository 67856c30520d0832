-- parlab.gpu on whatever back end PARLAB_GPU picks (auto: PoCL's CPU device on a machine without a GPU).
-- When no device answers, the file prints why and exits 77, which ctest reports as skipped, never passed.
local T = require "check"
local gpu = parlab.gpu

local ok, why = gpu.available()
if not ok then
  print("SKIP: no GPU device for PARLAB_GPU=" .. tostring(os.getenv("PARLAB_GPU")) .. ": " .. why)
  os.exit(77)
end
local dev = gpu.devices()[1]
print(("device: %s (%s, %s%s)"):format(dev.name, dev.backend, dev.kind,
  dev.emulation and ", CPU emulation" or ""))

local function host_matmul(a, b, m, k, n)
  local c = parlab.array(a.type, { m, n })
  for i = 0, m - 1 do
    for j = 0, n - 1 do
      local s = 0
      for p = 0, k - 1 do s = s + a[i * k + p] * b[p * n + j] end
      c[i * n + j] = s
    end
  end
  return c
end

T.test("transfers round-trip bit-exactly, f64 and f32", function()
  for _, t in ipairs { "f64", "f32" } do
    local a = parlab.array(t, 1001)
    for i = 0, 1000 do a[i] = 1 / (i + 1) - i * 1e-7 end
    local d = gpu.from_host(a)
    T.eq(#d, 1001)
    T.eq(d.type, t)
    local back = d:to_host()
    for i = 0, 1000 do
      if back[i] ~= a[i] then T.fail(("%s element %d: %s ~= %s"):format(t, i, back[i], a[i])) end
    end
  end
end)

T.test("matmul of odd shapes equals the host product within the stated bound", function()
  for _, shape in ipairs { { 1, 1, 1 }, { 7, 3, 5 }, { 17, 9, 13 }, { 64, 31, 2 } } do
    local m, k, n = shape[1], shape[2], shape[3]
    local a, b = parlab.array("f32", { m, k }), parlab.array("f32", { k, n })
    parlab.kernels.random(a, 1)
    parlab.kernels.random(b, 2)
    local c = gpu.matmul(gpu.from_host(a), gpu.from_host(b)):to_host()
    local ref = host_matmul(a, b, m, k, n)
    T.eq(c.shape, { m, n })
    -- f32 products of k terms in [0,1): |error| <= k * 2^-23 * k, generous for any summation order.
    for i = 0, m * n - 1 do T.near(c[i], ref[i], k * k * 2 ^ -23 + 1e-6) end
  end
end)

T.test("to_host into a given array, and random device arrays", function()
  local d = gpu.random({ 4, 5 }, 7)
  local h = parlab.array("f64", { 4, 5 })
  T.ok(d:to_host(h) == h)
  local again = gpu.random({ 4, 5 }, 7):to_host()
  for i = 0, 19 do T.eq(h[i], again[i]) T.ok(h[i] >= 0 and h[i] < 1) end
end)

T.test("bad input gives named errors", function()
  local a = gpu.array("f32", { 3, 4 })
  T.raises("shapes do not fit", gpu.matmul, a, gpu.array("f32", { 5, 2 }))
  T.raises("one element type", gpu.matmul, a, gpu.array("f64", { 4, 2 }))
  T.raises("f32 or f64", gpu.from_host, parlab.array("i32", 4))
  T.raises("does not match", a.to_host, a, parlab.array("f32", 5))
  T.raises("non-negative", gpu.array, "f32", -1)
  T.raises("element type", gpu.array, "i8", 3)
  T.raises("parlab array", gpu.from_host, {})
end)

T.test("arrays of a reset context refuse to be used", function()
  local d = gpu.array("f32", 8)
  gpu.reset()
  T.raises("was reset", d.to_host, d)
  T.ok(gpu.available())  -- a new context opens on the next use
  T.eq(#gpu.array("f32", 2):to_host(), 2)
end)

T.done()
