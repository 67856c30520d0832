-- Value, Array (the small ctypes-like one) and ShareableList from Lua: types, get/set, atomic add,
-- get_lock, indices (0-based, as Python and parlab.array), bad input, and travel as the same memory.
local T = require "check"

T.test("Value: every type, .value, get/set, add, type", function()
  for _, t in ipairs { "f64", "f32", "i64", "i32", "u8", "d", "f", "q", "i", "B" } do
    local v = parlab.Value(t, 7)
    T.eq(v.value, 7)
    v.value = 9
    T.eq(v:get(), 9)
    v:set(10)
    T.eq(v:add(2), 12)
    T.eq(v.value, 12)
  end
  T.eq(parlab.Value("i64").value, 0)
  T.eq(parlab.Value("f64", 0.5):add(0.25), 0.75)
  T.eq(parlab.Value("i", 1).type, "i32")
  local b = parlab.Value("bool", true)
  T.eq(b.value, true)
  b.value = false
  T.eq(b.value, false)
  T.eq(parlab.Value("?").value, false)
  T.eq(tostring(parlab.Value("i64", 42)), "Value(i64, 42)")
end)

T.test("Value: bad input is refused with the reason", function()
  T.raises("unknown type 'int'", parlab.Value, "int", 1)
  T.raises("unknown type a no value", parlab.Value)
  T.raises("not a whole number", parlab.Value, "i32", 1.5)
  T.raises("out of range for u8", parlab.Value, "u8", 256)
  T.raises("out of range for i32", parlab.Value, "i32", 2 ^ 31)
  T.raises("expected a number, got string", parlab.Value, "f64", "1")
  T.raises("Value: a bool takes true/false or 0/1, got 2", parlab.Value, "bool", 2)
  T.raises("Value: expected a boolean or 0/1, got string", parlab.Value, "?", "yes")
  local v = parlab.Value("i32", 0)
  T.raises("Value.set: expected a number, got nil", v.set, v, nil)
  T.raises("cannot set field 'x' (only .value)", function() v.x = 1 end)
  T.raises("not a whole number", function() v.value = 0.5 end)
  T.raises("Value.add: 0.5 is not a whole number", v.add, v, 0.5)
  T.raises("Value.add: 1.0000000000000001e+300 is out of range", v.add, v, 1e300)
  T.raises("Value.add: expected a number", v.add, v, "1")
  T.raises("a bool Value cannot be added to", function() parlab.Value("bool"):add(1) end)
  T.raises("expected a Value as self", v.get)
end)

T.test("Value: '?' (ctypes c_bool) takes true/false and 0/1, reads back a boolean", function()
  T.eq(parlab.Value("?", 1).value, true)
  T.eq(parlab.Value("?", 0).value, false)
  T.eq(parlab.Value("?", true):get(), true)
  local b = parlab.Value("?")
  b:set(1)
  T.eq(b.value, true)
  b.value = 0
  T.eq(b:get(), false)
  T.eq(parlab.Array("?", { 1, false, true, 0 }):totable(), { true, false, true, false })
end)

T.test("every type code of Python's array/ctypes: ranges, wrap-around of add, the C sizes", function()
  local cases = { -- code, name, lowest, highest
    { "b", "i8", -128, 127 }, { "B", "u8", 0, 255 }, { "h", "i16", -32768, 32767 }, { "H", "u16", 0, 65535 },
    { "i", "i32", -2 ^ 31, 2 ^ 31 - 1 }, { "I", "u32", 0, 2 ^ 32 - 1 }, { "l", "i64", -2 ^ 63, 2 ^ 53 },
    { "L", "u64", 0, 2 ^ 53 }, { "q", "i64", -2 ^ 63, 2 ^ 53 }, { "Q", "u64", 0, 2 ^ 63 },
  }
  for _, c in ipairs(cases) do
    local code, name, lo, hi = c[1], c[2], c[3], c[4]
    T.eq(parlab.Value(code).type, name, code)
    T.eq(parlab.Value(code, lo).value, lo, code .. " lowest")
    T.eq(parlab.Value(name, hi).value, hi, code .. " highest")
    T.raises("out of range for " .. name, parlab.Value, code, lo - (lo == 0 and 1 or 2 ^ 11))
    T.raises("is not a whole number (type " .. name .. ")", parlab.Value, code, 1.5)
    local a = parlab.Array(code, { lo, hi, 0 })
    T.eq(a:totable(), { lo, hi, 0 }, code .. " array")
  end
  T.raises("out of range for u64", parlab.Value, "Q", 2 ^ 64)
  T.raises("out of range for i16", parlab.Value, "h", 32768)
  T.raises("out of range for u32", parlab.Array, "I", { 2 ^ 32 })
  local h = parlab.Value("h", 32767)
  T.eq(h:add(1), -32768, "i16 wraps as C does")
  local u = parlab.Value("H", 0)
  T.eq(u:add(-1), 65535, "u16 wraps as C does")
  T.eq(parlab.Value("I", 2 ^ 32 - 1):add(1), 0)
end)

T.test("'c' (ctypes c_char): one-byte strings or byte values; a char Array has value and raw", function()
  T.eq(parlab.Value("c", "x").value, "x")
  T.eq(parlab.Value("c", 65).value, "A")
  T.eq(parlab.Value("c").value, "\0")
  T.eq(tostring(parlab.Value("char", "a")), "Value(char, 97)")
  T.raises("Value: a char takes a string of one byte, got 2 bytes", parlab.Value, "c", "xy")
  T.raises("Value: 256 is out of range for char", parlab.Value, "c", 256)
  T.raises("Value: expected a one-byte string or a byte value, got boolean", parlab.Value, "c", true)
  T.raises("Value.add: a char Value cannot be added to", function() parlab.Value("c", "a"):add(1) end)
  local a = parlab.Array("c", "hello")
  T.eq(#a, 5)
  T.eq(a[1], "e")
  T.eq(a.value, "hello")
  a.value = "hi"
  T.eq(a.value, "hi", "value stops at the zero byte written after it")
  T.eq(a.raw, "hi\0lo")
  a.raw = "abcde"
  T.eq(a.value, "abcde")
  a[0] = 90
  T.eq(a[0], "Z")
  T.raises("Array.value: 6 bytes do not fit an array of 5", function() a.value = "abcdef" end)
  T.raises("Array.raw: expected a string, got number", function() a.raw = 5 end)
  T.eq(parlab.Array("c", 3).raw, "\0\0\0")
  T.eq(parlab.Array("c", { "a", 98 }):totable(), { "a", "b" })
  T.eq(parlab.Array("i", 2).value, nil, "value and raw are for char arrays only")
end)

T.test("a char Array and a u16 Value cross into a process and back", function()
  local a, v = parlab.Array("c", "abc"), parlab.Value("H", 7)
  local p = parlab.Process(function(arr, val)
    arr.value = "xyz"
    val.value = 65535
  end, a, v)
  p:start()
  p:join(30)
  T.eq(p.exitcode, 0)
  T.eq(a.value, "xyz")
  T.eq(v.value, 65535)
end)

T.test("Value: get and set refuse extra arguments", function()
  local v = parlab.Value("i32", 1)
  T.raises("Value.get: takes no arguments, got 1", v.get, v, 2)
  T.raises("Value.set: takes at most 1 argument (value), got 2", v.set, v, 2, 3)
  v:set(5)
  T.eq(v:get(), 5)
end)

T.test("Value: get_lock is an RLock shared by every handle", function()
  local v = parlab.Value("i64", 0)
  local l = v:get_lock()
  T.ok(tostring(l):find("RLock"), tostring(l))
  T.ok(v:get_lock() == l)
  l:with(function() v.value = v.value + 1 end)
  T.eq(v.value, 1)
  local v2 = parlab.transport.decode(parlab.transport.encode(v))
  T.ok(v2:get_lock() == l)
  v2.value = 5
  T.eq(v.value, 5)
end)

T.test("Array: from a size or a table, 0-based, len, totable, get_lock", function()
  local a = parlab.Array("i32", 4)
  T.eq(#a, 4)
  T.eq(a.len, 4)
  T.eq(a.type, "i32")
  T.eq(a:totable(), { 0, 0, 0, 0 })
  a[0], a[3] = 5, -2
  T.eq(a[0], 5)
  T.eq(a[3], -2)
  local b = parlab.Array("d", { 1.5, 2.5 })
  T.eq(b:totable(), { 1.5, 2.5 })
  T.eq(tostring(b), "Array(f64, 2)")
  T.ok(tostring(a:get_lock()):find("RLock"))
  T.eq(#parlab.Array("u8", 0), 0)
  local flags = parlab.Array("bool", { true, false })
  T.eq(flags[0], true)
  T.eq(flags[1], false)
end)

T.test("Array: bad indices, values and sizes are refused", function()
  local a = parlab.Array("u8", 3)
  T.raises("index 3 out of range 0..2", function() return a[3] end)
  T.raises("index -1 out of range 0..2", function() a[-1] = 1 end)
  T.raises("index 0.5 out of range", function() return a[0.5] end)
  T.raises("out of range for u8", function() a[0] = 300 end)
  T.raises("expected a number, got string", function() a[0] = "x" end)
  T.raises("cannot set field", function() a.x = 1 end)
  T.raises("size must be a non-negative integer", parlab.Array, "f64", -1)
  T.raises("expected a size or a table", parlab.Array, "f64", "10")
  T.raises("Array: item 2: 2.5 is not a whole number", parlab.Array, "i64", { 1, 2.5 })
  T.raises("(the Array is empty)", function() return parlab.Array("f64", 0)[0] end)
  T.eq(a.nosuchmethod, nil)
end)

T.test("ShareableList: items, slots, capacity, count, index", function()
  local l = parlab.ShareableList { 1, "hello", true, n = 4 }
  T.eq(#l, 4)
  T.eq(l[0], 1)
  T.eq(l[1], "hello")
  T.eq(l[2], true)
  T.eq(l[3], nil)
  T.eq(l:totable(), { 1, "hello", true, n = 4 })
  l[3] = "12345678"
  T.eq(l[3], "12345678")
  T.eq(l:capacity(1), 8)
  T.eq(l:count("hello"), 1)
  T.eq(l:index(true), 2)
  T.eq(l:index("absent"), nil)
  local long = parlab.ShareableList { string.rep("x", 20) }
  T.eq(long:capacity(0), 24)
  long[0] = string.rep("y", 24)
  T.eq(long[0], string.rep("y", 24))
  T.raises("a string of 25 bytes does not fit slot 0 (capacity 24 bytes)", function() long[0] = string.rep("z", 25) end)
  T.eq(long[0], string.rep("y", 24))
  T.eq(#parlab.ShareableList {}, 0)
end)

T.test("ShareableList: bad input is refused", function()
  T.raises("ShareableList: item 2 is a table", parlab.ShareableList, { 1, {} })
  T.raises("expected a table of items", parlab.ShareableList, "abc")
  local l = parlab.ShareableList { 1 }
  T.raises("index 1 out of range 0..0", function() return l[1] end)
  T.raises("index must be a number", function() l.x = 1 end)
  T.raises("the new item is a function", function() l[0] = print end)
end)

T.test("Value, Array, ShareableList travel as the same memory", function()
  local v, a, l = parlab.Value("i64", 1), parlab.Array("f64", 3), parlab.ShareableList { "a", 2 }
  local v2, a2, l2 = parlab.transport.decode(parlab.transport.encode(v, a, l))
  v2.value = 99
  a2[2] = 3.25
  l2[0] = "b"
  T.eq(v.value, 99)
  T.eq(a[2], 3.25)
  T.eq(l[0], "b")
  T.ok(v2 == v and a2 == a and l2 == l)
end)

T.done()
