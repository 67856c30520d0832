-- parlab.array: construction, 0-based access on both paths, views, errors, sharing.
local T = require "check"
local internal = require "parlab.internal"
local ffi = require "ffi"

T.test("arrays of each type start zeroed with length, type and shape", function()
  for _, t in ipairs { "f64", "f32", "i64", "i32", "u8" } do
    local a = parlab.array(t, 7)
    T.eq(#a, 7)
    T.eq(a.type, t)
    T.eq(a.shape, { 7 })
    T.eq(a.ndim, 1)
    for i = 0, 6 do T.eq(a[i], 0) end
  end
  local m = parlab.array("f64", { 3, 4 })
  T.eq(#m, 12)
  T.eq(m.shape, { 3, 4 })
  T.eq(m.ndim, 2)
  T.eq(tostring(m), "parlab.array<f64>[3 x 4]")
  T.eq(#parlab.array("u8", 0), 0)
end)

T.test("construction from a table, flat or nested, and with an explicit shape", function()
  local a = parlab.array("f64", { 1.5, 2, 3 })
  T.eq(a:totable(), { 1.5, 2, 3 })
  local m = parlab.array("i32", { { 1, 2, 3 }, { 4, 5, 6 } })
  T.eq(m.shape, { 2, 3 })
  T.eq(m:totable(), { 1, 2, 3, 4, 5, 6 })
  local two = parlab.array("f64", { 7, 8 }, 2)  -- with a shape the table is values, never a shape
  T.eq(two:totable(), { 7, 8 })
  local sq = parlab.array("i64", { 1, 2, 3, 4 }, { 2, 2 })
  T.eq(sq.shape, { 2, 2 })
  T.eq(parlab.array("f32", {}).shape, { 0 })
  T.raises("row 2 has 1 elements, expected 2", parlab.array, "f64", { { 1, 2 }, { 3 } })
  T.raises("value 2 is a string", parlab.array, "f64", { 1, "x" })
  T.raises("value 1 (300) does not fit an u8 element", parlab.array, "u8", { 300 })
  T.raises("3 values do not fill shape of 4 elements", parlab.array, "f64", { 1, 2, 3 }, { 2, 2 })
end)

T.test("bad types and sizes are refused with named errors", function()
  T.raises("unknown element type f16", parlab.array, "f16", 3)
  T.raises("unknown element type nil", parlab.array, nil, 3)
  T.raises("length must be a non-negative integer, got -1", parlab.array, "f64", -1)
  T.raises("length must be a non-negative integer, got 1.5", parlab.array, "f64", 1.5)
  T.raises("rows must be a non-negative integer", parlab.array, "f64", { -2, 3 })
  T.raises("expected a length, {rows, cols} or a table of values, got string", parlab.array, "f64", "3")
  T.raises("too large", parlab.array, "f64", 2 ^ 62)
  T.raises("length 1e+300 is too large", parlab.array, "f64", 1e300)
  T.raises("do not fit in this machine's memory", parlab.array, "u8", 2 ^ 50)
end)

T.test("FFI and boxed access agree, both 0-based", function()
  local a = parlab.array("f64", 5)
  a[0] = 1.25
  a:set(4, -3)
  T.eq(a:get(0), 1.25)
  T.eq(a[4], -3)
  local i = parlab.array("i64", 3)
  i[1] = 2 ^ 53
  T.eq(i[1], 2 ^ 53)
  T.eq(i:get(1), 2 ^ 53)
  local b = parlab.array("u8", 2)
  b[0] = 255
  T.eq(b:get(0), 255)
end)

T.test("out-of-range access raises on both paths and names the index and length", function()
  local a = parlab.array("f32", 4)
  for _, i in ipairs { 4, -1, 1e300, 0 / 0 } do
    T.raises("out of range for length 4", function() return a[i] end)
    T.raises("out of range for length 4", function() a[i] = 1 end)
    T.raises("out of range for length 4", a.get, a, i)
    T.raises("out of range for length 4", a.set, a, i, 1)
  end
  T.raises("index 0.5 is not an integer", function() return a[0.5] end)
  T.raises("no field or method 'nope'", function() return a.nope end)
  T.raises("cannot set field 'x'", function() a.x = 1 end)
  T.raises("constant", function() a.len = 100 end)  -- the geometry cannot be forged from Lua
  T.raises("array.get: self must be a parlab array, got number", a.get, 5, 0)
  T.raises("array.get: self must be a parlab array, got a cdata of another type", a.get, ffi.new("double[4]"),
    0)
end)

T.test("integer arrays refuse values they cannot hold on both paths", function()
  local a = parlab.array("i32", 2)
  T.raises("does not fit an i32 element", function() a[0] = 2 ^ 31 end)
  T.raises("does not fit an i32 element", function() a[0] = 0.5 end)
  T.raises("does not fit", a.set, a, 0, 2 ^ 31)
  local b = parlab.array("u8", 2)
  T.raises("does not fit an u8 element", function() b[1] = -1 end)
  a[0] = -2 ^ 31
  T.eq(a[0], -2 ^ 31)
end)

T.test("views share memory with the array; rows of a matrix; reshape", function()
  local a = parlab.array("f64", 10)
  local v = a:slice(2, 5)
  T.eq(#v, 3)
  v[0] = 9
  T.eq(a[2], 9)
  T.eq(#a:slice(3), 7)
  T.eq(#a:view(4, 4), 0)
  local m = parlab.array("i32", { 3, 4 })
  local r = m:row(2)
  r[3] = 7
  T.eq(m[11], 7)
  T.eq(m:reshape(4, 3).shape, { 4, 3 })
  T.eq(m:reshape({ 2, 6 })[11], 7)
  T.raises("out of range for length 10", a.slice, a, 5, 11)
  T.raises("row 3 out of range for 3 rows", m.row, m, 3)
  T.raises("not a matrix", a.row, a, 0)
  T.raises("does not hold 12 elements", m.reshape, m, 5, 2)
  T.raises("bounds must be integers", a.slice, a, "x")
end)

T.test("a view keeps the storage alive after the array is collected", function()
  local a = parlab.array("f64", 100)
  a[50] = 5
  local v = a:slice(50, 60)
  T.eq(v:refs(), 2)
  a = nil  -- luacheck: ignore 311
  collectgarbage()
  collectgarbage()
  T.eq(v:refs(), 1)
  T.eq(v[0], 5)
end)

T.test("fill, copy and totable", function()
  local a = parlab.array("f32", 4):fill(2.5)
  T.eq(a:totable(), { 2.5, 2.5, 2.5, 2.5 })
  local m = parlab.array("i64", { 2, 2 }):fill(3)
  local c = m:copy()
  c[0] = 1
  T.eq(m[0], 3)
  T.eq(c.shape, { 2, 2 })
  T.eq(c:totable(), { 1, 3, 3, 3 })
end)

T.test("an array travels through the transport as the same memory", function()
  local a = parlab.array("f64", { 2, 3 })
  local s = parlab.transport.encode(a, a:row(1))
  local b, r = parlab.transport.decode(s)
  T.ok(parlab.isarray(b))
  T.eq(b.shape, { 2, 3 })
  b[4] = 42
  T.eq(a[4], 42)
  T.eq(r[1], 42)
  T.eq(a:refs(), 4)
  local stale = parlab.transport.encode(parlab.array("f64", 1))
  collectgarbage()
  collectgarbage()
  T.raises("array", parlab.transport.decode, stale)
end)

T.test("forged or malformed array handles are refused, never followed", function()
  local kind = internal.transport.kinds_by_name["parlab.array"]
  local a = parlab.array("f64", 10)
  local good = kind.encode(a)
  T.ok(kind.decode(good)[0] == 0)
  T.raises("an array handle is", kind.decode, "short")
  local ffi = require "ffi"
  local h = ffi.new("parlab_array_handle")
  ffi.copy(h, good, #good)
  local function forged(field, value)
    local c = ffi.new("parlab_array_handle")
    ffi.copy(c, h, ffi.sizeof(c))
    c[field] = value
    return ffi.string(c, ffi.sizeof(c))
  end
  T.raises("unknown element type", kind.decode, forged("dtype", 9))
  T.raises("does not match", kind.decode, forged("dtype", 1))
  T.raises("freed", kind.decode, forged("serial", h.serial + 1))
  T.raises("geometry", kind.decode, forged("rows", 11))
  T.raises("geometry", kind.decode, forged("offset", -1))
  T.raises("geometry", kind.decode, forged("ndim", 3))
  T.raises("shared", kind.decode, forged("storage", h.storage + 8))
  T.raises("offset", kind.decode, forged("storage", 2 ^ 62))
end)

T.test("a handle never attaches one kind of shared object as another (parlab.array and parlab.Array)", function()
  local kind = internal.transport.kinds_by_name["parlab.array"]
  local a = parlab.array("f64", 10)
  local h = ffi.new("parlab_array_handle")
  local good = kind.encode(a)
  ffi.copy(h, good, #good)
  local function digits(u64) return (tostring(u64):gsub("U?LL$", "")) end
  -- parlab.array's storage named in a parlab.Array handle: its offset and serial are right, its kind not.
  local as_sync = digits(h.storage) .. ":" .. digits(h.serial)
  T.raises("no live object of this kind", internal.value.attach, "Array", as_sync)
  -- A parlab.Array's object named as parlab.array storage.
  local s = parlab.Array("f64", 10)
  local offset, serial = internal.sync.handle(s):match("^(%d+):(%d+)$")
  local c = ffi.new("parlab_array_handle")
  ffi.copy(c, h, ffi.sizeof(c))
  c.storage, c.serial = tonumber(offset), tonumber(serial)  -- both well below 2^53
  T.raises("no live object of this kind", kind.decode, ffi.string(c, ffi.sizeof(c)))
  T.eq(a[0], 0)
  T.eq(s[0], 0)
end)

T.test("a JIT-compiled loop over a[i] sums like the native kernel", function()
  local a = parlab.kernels.random(parlab.array("f64", 100003), 5)
  local s = 0
  for i = 0, #a - 1 do s = s + a[i] end
  T.near(s, parlab.kernels.sum(a), 1e-9)
end)

T.test("an array of more than 2^31 elements", function()
  local n = 2 ^ 31 + 7
  local ok, a = pcall(parlab.array, "u8", n)
  if not ok then
    io.write("skipped: ", tostring(a), "\n")
    return
  end
  T.eq(#a, n)
  a[n - 1] = 200
  a:set(2 ^ 31, 3)
  T.eq(a:get(n - 1), 200)
  T.eq(a[2 ^ 31], 3)
  T.raises("out of range for length 2147483655", function() return a[n] end)
  T.eq(parlab.kernels.sum(a), 203)
  local tail = a:slice(n - 8)
  T.eq(tail:totable(), { 0, 3, 0, 0, 0, 0, 0, 200 })
  a, tail = nil, nil  -- luacheck: ignore 311
  collectgarbage()
end)

T.test("an array larger than memory is refused before it fills RAM, and the program goes on", function()
  local f = assert(io.open("/proc/meminfo"))
  local kib = tonumber(f:read("*a"):match("MemTotal:%s*(%d+)"))
  f:close()
  local too_big = kib * 1024 * 2
  T.raises("do not fit in this machine's memory", parlab.array, "u8", too_big)
  T.raises("do not fit in this machine's memory", parlab.array, "f64", too_big / 8)
  local a = parlab.array("f64", 1000)
  a[0] = 1
  T.eq(a[0], 1)
end)

-- os.exit skips finalizers: collect now, so a leak checker sees every view released.
collectgarbage()
collectgarbage()
T.done()
