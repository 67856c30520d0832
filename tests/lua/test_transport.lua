-- parlab.transport from Lua: round trips of every kind that travels, refusals with paths, hostile bytes.
-- Globals the tests write or leave undefined on purpose (what the transport does with them is tested).
-- luacheck: globals transport_test_written undefined_thing sandbox_value
local T = require "check"
local ffi = require "ffi"
local tr = parlab.transport
local enc, dec = tr.encode, tr.decode

local function rt(...)
  return dec(enc(...))
end

T.test("scalars round trip", function()
  local a, b, c, d, e = rt(nil, true, false, 42, "x")
  T.eq(a, nil); T.eq(b, true); T.eq(c, false); T.eq(d, 42); T.eq(e, "x")
  T.eq(select("#", rt()), 0)
  T.eq(select("#", rt(nil, nil, nil)), 3)
end)

T.test("numbers stay exact: integers to 2^53, doubles bit-exact", function()
  for _, x in ipairs { 0, 1, -1, 127, 128, -128, 255, 65536, 2^31, -2^31, 2^53, -2^53, 2^53 - 1, 2^63, -2^63,
                       1e308, -1e-308, 5e-324, 0.1, math.pi, math.huge, -math.huge } do
    T.eq(rt(x), x, tostring(x))
  end
  local nan = rt(0 / 0)
  T.ok(nan ~= nan, "NaN stays NaN")
  T.eq(1 / rt(-0.0), -math.huge, "-0 keeps its sign")
  T.eq(1 / rt(0.0), math.huge)
end)

T.test("strings keep every byte, including zeros", function()
  local all = {}
  for i = 0, 255 do all[#all + 1] = string.char(i) end
  local s = table.concat(all) .. "\0\0tail"
  T.eq(rt(s), s)
  T.eq(rt(""), "")
end)

T.test("a big string (100 MB) round trips", function()
  local s = string.rep("abcdefgh", 100 * 1024 * 1024 / 8)
  local out = rt(s)
  T.eq(#out, #s)
  T.ok(out == s)
end)

T.test("nested tables, shared references and cycles", function()
  local shared = { 1, 2 }
  local t = { a = shared, b = shared, list = { "x", "y", { deep = true } }, [3.5] = "float key", [true] = 1 }
  t.self = t
  local u = rt(t)
  T.ok(u.a == u.b, "shared reference stays shared")
  T.ok(u.self == u, "cycle kept")
  T.eq(u.list[3].deep, true)
  T.eq(u[3.5], "float key")
  T.eq(u[true], 1)
  T.eq(u.a, { 1, 2 })
  -- the same table passed as two arguments is one table
  local x, y = rt(shared, shared)
  T.ok(x == y)
end)

T.test("table keys that are tables, holes in arrays", function()
  local k = { "key" }
  local t = { [k] = "v", k }
  local u = rt(t)
  T.eq(u[u[1]], "v")
  local holes = { 1, nil, 3, n = 3 }
  local h = rt(holes)
  T.eq(h[1], 1); T.eq(h[2], nil); T.eq(h[3], 3); T.eq(h.n, 3)
end)

T.test("array elements stored out of order (hash part, key 0, late indices) travel as one built in order", function()
  local reversed = {}
  for i = 5, 1, -1 do reversed[i] = i * 10 end  -- filled backwards: the elements live in the hash part
  reversed.x = "x"
  local ordered = { 10, 20, 30, 40, 50, x = "x" }
  T.eq(#reversed, 5)
  T.eq(enc(reversed), enc(ordered), "the same message")
  T.eq(rt(reversed), ordered)
  local zero = { [0] = 0, 1, 2, 3, y = true }  -- key 0 comes first in a traversal
  T.eq(rt(zero), zero)
  local mixed = { 1, 2, 3 }
  mixed[5], mixed[4], mixed[2.5], mixed[-1] = 5, 4, "half", "negative"
  T.eq(rt(mixed), mixed)
  local nested = { { 1, 2 }, { 3, 4 }, name = "n" }
  nested[3] = nested[1]  -- a shared element, met first in the array section
  local back = rt(nested)
  T.ok(back[3] == back[1], "still shared")
  T.eq(back[2], { 3, 4 })
end)

T.test("a sparse table with a huge border does not become a run of nils", function()
  local t = {}
  for i = 0, 30 do t[2 ^ i] = i end
  local s = enc(t)
  T.ok(#s < 1000, "encoded in " .. #s .. " bytes")
  T.eq(rt(t), t)
end)

T.test("metatables travel by value with their methods", function()
  local Point = {}
  Point.__index = Point
  function Point.norm2(p) return p.x * p.x + p.y * p.y end
  local p = setmetatable({ x = 3, y = 4 }, Point)
  local q = rt(p)
  T.eq(q:norm2(), 25)
  local a, b = rt(p, setmetatable({ x = 1, y = 0 }, Point))
  T.ok(getmetatable(a) == getmetatable(b), "one metatable per message")
end)

T.test("functions with upvalues, shared upvalue cells and recursion", function()
  local base = 10
  local function add(x) return x + base end
  T.eq(rt(add)(5), 15)
  local function fact(n) return n <= 1 and 1 or n * fact(n - 1) end
  T.eq(rt(fact)(10), 3628800)
  local count = 0
  local function inc() count = count + 1 return count end
  local function get() return count end
  local i2, g2 = rt(inc, get)
  i2(); i2()
  T.eq(g2(), 2, "closures sharing an upvalue still share it")
  T.eq(count, 0, "the sender's upvalue is untouched")
end)

function transport_test_square(x) return x * x end
transport_test_data = { scale = 3 }
function transport_test_even(n) if n == 0 then return true end return transport_test_odd(n - 1) end
function transport_test_odd(n) if n == 0 then return false end return transport_test_even(n - 1) end

T.test("globals a function reads travel with it", function()
  local function f(x) return transport_test_square(x) * transport_test_data.scale end
  local g = rt(f)
  T.eq(g(4), 48)
  T.eq(rt(transport_test_even)(10), true, "mutual recursion through globals")
  local nested = function(x) return (function() return transport_test_square(x) end)() end
  T.eq(rt(nested)(5), 25, "globals of nested functions")
end)

T.test("a decoded function's environment: copies of globals, then the receiver's _G", function()
  local f = rt(function() return transport_test_data, print, math.sin(0), parlab.version end)
  local d, p, s, v = f()
  T.ok(d ~= transport_test_data, "data globals are copies")
  T.eq(d, transport_test_data)
  T.ok(p == print and s == 0 and v == parlab.version, "standard library from the receiver")
  -- A global the function creates lands in the receiver's _G, as a worker's module globals persist in
  -- Python (a pool initializer's globals are seen by later tasks).
  local w = rt(function() transport_test_written = 1 end)
  w()
  T.eq(rawget(_G, "transport_test_written"), 1, "new globals are written to the receiver's _G")
  transport_test_written = nil
  local c = rt(function() transport_test_data = "changed" return transport_test_data end)
  T.eq(c(), "changed")
  T.ok(type(transport_test_data) == "table", "a copied global is the function's own copy")
end)

T.test("globals are read raw: a strict-mode _G is not triggered, sandboxes one level deep are seen", function()
  local env = setmetatable({}, { __index = function(_, k) error("strict: undefined " .. k) end })
  local f = setfenv(function() if undefined_thing then return 1 end return 2 end, env)
  T.eq(rt(f)(), 2)
  local sandbox = setmetatable({}, { __index = { sandbox_value = 5 } })
  local g = setfenv(function() return sandbox_value end, sandbox)
  T.eq(rt(g)(), 5)
end)

T.test("standard library values travel by name", function()
  local a, b, c, d = rt(print, math.sin, io.stdout, parlab.clock)
  T.ok(a == print and b == math.sin and c == io.stdout and d == parlab.clock)
  local m = rt(math)
  T.ok(m == math)
  local up = math.floor
  T.eq(rt(function(x) return up(x) end)(2.5), 2)
end)

T.test("64-bit integer cdata stay 64-bit", function()
  local a, b = rt(ffi.new("int64_t", -9007199254740993LL), 18446744073709551615ULL)
  T.ok(ffi.istype("int64_t", a) and a == -9007199254740993LL)
  T.ok(ffi.istype("uint64_t", b) and b == 18446744073709551615ULL)
  local t = rt({ big = 2LL ^ 62 + 1 })
  T.ok(t.big == 2LL ^ 62 + 1)
end)

T.test("refusals name the value's path", function()
  local co = coroutine.create(function() end)
  T.raises("cannot send args[2].callback: a coroutine", enc, 1, { callback = co })
  T.raises("cannot send args[1][3]: a coroutine", enc, { 1, 2, co })
  T.raises("cannot send args[1] (upvalue 'co'): a coroutine", enc, function() return co end)
  T.raises("cannot send args[1].f (upvalue 'co'): a coroutine", enc, { f = function() return co end })
  T.raises("cannot send args[1][\"a b\"]: a coroutine", enc, { ["a b"] = co })
  T.raises("cannot send args[1] (a key): a coroutine", enc, { [co] = 1 })
  T.raises("cannot send args[1] (metatable).__index: a coroutine", enc, setmetatable({}, { __index = co }))
  T.raises("cannot send args[1]: a userdata of no registered kind", enc, newproxy())
  T.raises("cannot send args[1]: a cdata<struct", enc, ffi.new("struct {int x;}"))
  T.raises("cannot send args[1]: a C function that is not part of the standard library", enc,
    ("x"):gmatch("x"))
  T.raises("nested more than 200 levels", enc, (function() local t = {} for _ = 1, 300 do t = { t } end return t end)())
end)

T.test("limits are the same on both sides: 200 levels, 4000 values", function()
  local function nest(n) local t = {} for _ = 2, n do t = { t } end return t end
  T.ok(rt(nest(200)), "200 levels travel")
  T.raises("nested more than 200 levels", enc, nest(201))
  local many = {}
  for i = 1, 4000 do many[i] = i end
  T.eq(select("#", rt(unpack(many))), 4000)
  many[4001] = 1
  T.raises("cannot send 4001 values in one message", enc, unpack(many))
end)

transport_test_co = coroutine.create(function() end)
T.test("a global that cannot travel is named", function()
  T.raises("cannot send args[1] (global 'transport_test_co'): a coroutine", enc,
           function() return transport_test_co end)
end)

T.test("registered kinds travel as handles", function()
  local mt = { __index = { kind = "handle" } }
  local registry = {}
  tr.register_kind("test_handle", {
    test = function(v) return getmetatable(v) == mt end,
    encode = function(v) return tostring(registry[v]) end,
    decode = function(s) local h = newproxy(true) getmetatable(h).__index = { id = tonumber(s) } return h end,
  })
  local h = newproxy(true)
  registry[h] = 77
  debug.setmetatable(h, mt)
  local out = rt({ h = h })
  T.eq(out.h.id, 77)
  T.raises("needs a function 'decode'", tr.register_kind, "bad", { test = print, encode = print })
  T.raises("kind name is empty", tr.register_kind, "", {})
end)

T.test("a kind may encode and decode nested messages (a handle that carries a function)", function()
  local mt = {}
  tr.register_kind("test_nested", {
    test = function(v) return getmetatable(v) == mt end,
    encode = function(v) return enc(v.fn, v.data) end,
    decode = function(s) local fn, data = dec(s) return { fn = fn, data = data } end,
  })
  local v = newproxy(true)
  debug.setmetatable(v, mt)
  local k = 3
  mt.__index = { fn = function(x) return x * k end, data = { 1, 2 } }
  local out, after = rt(v, "after")
  T.eq(out.fn(5), 15)
  T.eq(out.data, { 1, 2 })
  T.eq(after, "after")
end)

T.test("hostile bytes are rejected with an error, never a crash", function()
  local good = enc({ 1, "two", { three = 3.5 }, [true] = false }, "x", 2^40)
  for i = 0, #good - 1 do
    local ok, err = pcall(dec, good:sub(1, i))
    T.ok(not ok and tostring(err):find("transport"), "truncated at " .. i .. ": " .. tostring(err))
  end
  T.raises("not a parlab message", dec, "hello")
  T.raises("malformed", dec, "\183\1\0\1\99")             -- unknown tag
  T.raises("malformed", dec, "\183\1\0\1\6\255\255\255\127\0") -- absurd hash count
  T.raises("truncated", dec, "\183\1\0\1\5\255\255\255\255\15")  -- absurd string length
  T.raises("reference to a value not yet sent", dec, "\183\1\2\1\8\0")
  T.raises("flagged as having none", dec, "\183\1\0\1\8\0")
  T.raises("unknown flags", dec, "\183\1\4\0")
  T.raises("a shared-object handle in an unsigned message", dec, "\183\1\0\1\11\7int64_t\8\0\0\0\0\0\0\0\0")
  T.raises("nested too deeply", dec, "\183\1\0\1" .. string.rep("\6\0\0\0\0\1", 300) .. "\0")
  T.raises("bytes after the last value", dec, good .. "\0")
end)

T.test("library values by name need the run's key: an unsigned os.execute or io.popen is refused", function()
  for _, name in ipairs { "os.execute", "io.popen", "loadstring", "package.loadlib", "debug.sethook", "print" } do
    local unsigned = "\183\1\0\1\10" .. string.char(#name) .. name
    T.raises("a library value by name in an unsigned message", dec, unsigned)
  end
  local msg = enc({ math.sin, os.execute })
  local back = dec(msg)
  T.ok(back[1] == math.sin and back[2] == os.execute, "signed by this run: accepted")
  T.raises("key check failed", dec, msg:sub(1, -2) .. string.char((msg:byte(-1) + 1) % 256))
end)

T.test("bytecode needs the run's key: forged or unsigned code is refused", function()
  local msg = enc(function() return 1 end)
  T.eq(dec(msg)(), 1)
  local flipped = msg:sub(1, 10) .. string.char((msg:byte(11) + 1) % 256) .. msg:sub(12)
  T.raises("key check failed", dec, flipped)
  local unsigned = msg:sub(1, 2) .. "\0" .. msg:sub(4, -9)
  T.raises("code in an unsigned message", dec, unsigned)
  local key = tr.key()
  T.eq(#key, 32)
  tr.key(string.rep("0", 32))
  T.raises("key check failed", dec, msg)
  tr.key(key)
  T.eq(dec(msg)(), 1)
  T.raises("32 hex digits", tr.key, "xyz")
end)

T.test("a child process inherits the key and runs a function it was sent", function()
  local exe = arg and arg[-1]
  if not exe then return end
  T.eq(os.getenv("PARLAB_TRANSPORT_KEY"), tr.key(), "the key is exported for children")
  local dir = os.tmpname()
  local msg_file, script = dir .. ".msg", dir .. ".lua"
  local k = 7
  local f = assert(io.open(msg_file, "wb"))
  f:write(enc(function(x) return transport_test_square(x) + k end))
  f:close()
  f = assert(io.open(script, "w"))
  f:write(string.format("local f = io.open(%q, 'rb') local s = f:read('*a') f:close()\n", msg_file))
  f:write("local ok, fn = pcall(parlab.transport.decode, s) io.write(ok and tostring(fn(5)) or" ..
    " tostring(fn))\n")
  f:close()
  local function run(prefix)
    local p = io.popen(prefix .. "'" .. exe .. "' '" .. script .. "' 2>&1")
    local out = p:read("*a")
    p:close()
    return out
  end
  T.eq(run(""), "32")
  T.ok(run("PARLAB_TRANSPORT_KEY=" .. string.rep("0", 32) .. " "):find("key check failed", 1, true))
  os.remove(msg_file); os.remove(script); os.remove(dir)
end)

T.done()
