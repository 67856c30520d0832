-- Cost of parlab.transport.encode/decode per value (run: parlab bench/transport.lua [iterations]).
-- Each figure is the best of 5 runs of N calls (CPU time); the Lua->C call and the result string are
-- included.
local tr = parlab.transport
local enc, dec = tr.encode, tr.decode
-- CPU time of this process (os.clock) rather than wall time, so a busy shared machine does not inflate it.
local clock = os.clock
local N = tonumber(arg and arg[1]) or 200000

local function best(fn, n)
  local b = math.huge
  for _ = 1, 5 do
    local t0 = clock()
    fn(n)
    b = math.min(b, clock() - t0)
  end
  return b / n * 1e9
end

function bench_global_helper(x) return x * 2 end
local upv = 10
local cases = {
  { "integer 42", 42 },
  { "double 0.1", 0.1 },
  { "short string (12 B)", "hello, world" },
  { "small array {1,2,3}", { 1, 2, 3 } },
  { "small record {x=1,y=2,name='p'}", { x = 1, y = 2, name = "p" } },
  { "nested 3x{a=..}", { a = { a = { a = 1 } } } },
  { "1 KB string", string.rep("x", 1024) },
  { "array of 100 numbers", (function() local t = {} for i = 1, 100 do t[i] = i * 0.5 end return t end)() },
  { "function + upvalue + global", function(x) return bench_global_helper(x) + upv end },
}

print(string.format("%-34s %10s %10s %8s", "value", "encode ns", "decode ns", "bytes"))
for _, c in ipairs(cases) do
  local v = c[2]
  local s = enc(v)
  local e = best(function(n) for _ = 1, n do enc(v) end end, c[1]:find("function") and math.floor(N / 10) or N)
  local d = best(function(n) for _ = 1, n do dec(s) end end, c[1]:find("function") and math.floor(N / 10) or N)
  print(string.format("%-34s %10.0f %10.0f %8d", c[1], e, d, #s))
end

-- 100 MB: the source string is dropped before decoding, or LuaJIT's string interning would find the
-- decoded bytes already present and skip the copy.
local big = string.rep("0123456789abcdef", 100 * 1024 * 1024 / 16)
local big_len = #big
local t0 = clock()
local s = enc(big)
local t1 = clock()
big = nil  -- luacheck: ignore 311
collectgarbage()
local t2 = clock()
local back = dec(s)
local t3 = clock()
assert(#back == big_len and back:sub(-16) == "0123456789abcdef")
print(string.format("%-34s %10.1f %10.1f ms (%.0f MB)", "100 MB string", (t1 - t0) * 1e3, (t3 - t2) * 1e3,
  #s / 2^20))
