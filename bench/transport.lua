-- Cost of parlab.transport.encode/decode per value, next to pickle's dumps/loads on the same values
-- (bench/transport.py, run in the same run: what multiprocessing sends every argument and result through).
--   parlab bench/transport.lua [iterations] [nopython]
-- Each figure is the best of 5 runs of N calls (CPU time); the Lua->C call and the result string are
-- included.
local common = dofile(arg[0]:gsub("[^/]*$", "") .. "common.lua")
local tr = parlab.transport
local enc, dec = tr.encode, tr.decode
-- CPU time of this process (os.clock) rather than wall time, so a busy shared machine does not inflate it.
local clock = os.clock
local N, with_python = 200000, true
for _, a in ipairs(arg) do
  if a == "nopython" then with_python = false else N = tonumber(a) or N end
end

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

-- pickle's figures by label: { dumps, loads, bytes } (numbers, or nil where pickle cannot send the value).
local py = {}
if with_python then
  for _, line in ipairs(common.python_lines("transport", tostring(N))) do
    local label, d, l, b = line:match("^(.-)%s+(%S+)%s+(%S+)%s+(%S+)$")
    if label and tonumber(d) then py[label] = { tonumber(d), tonumber(l), tonumber(b) } end
    local ms_d, ms_l = line:match("^100 MB string%s+([%d%.]+)%s+([%d%.]+) ms")
    if ms_d then py["100 MB string"] = { tonumber(ms_d), tonumber(ms_l) } end
  end
end
-- "  12.3 (0.25x)": pickle's figure and parlab's time over pickle's (below 1: parlab is faster).
local function vs(ours, label, i, fmt)
  local theirs = py[label] and py[label][i]
  if not theirs then return ("%16s"):format("-") end
  return ("%9" .. fmt .. " (%4.2fx)"):format(theirs, ours / theirs)
end

print(common.machine_note())
print(("%-34s %10s %10s %8s %16s %16s %8s"):format("value", "encode ns", "decode ns", "bytes", "pickle dumps",
  "pickle loads", "pickled"))
for _, c in ipairs(cases) do
  local v = c[2]
  local s = enc(v)
  local e = best(function(n) for _ = 1, n do enc(v) end end, c[1]:find("function") and math.floor(N / 10) or N)
  local d = best(function(n) for _ = 1, n do dec(s) end end, c[1]:find("function") and math.floor(N / 10) or N)
  local pb = py[c[1]] and py[c[1]][3]
  print(("%-34s %10.0f %10.0f %8d %s %s %8s"):format(c[1], e, d, #s, vs(e, c[1], 1, ".0f"), vs(d, c[1], 2, ".0f"),
    pb and tostring(pb) or "-"))
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
print(("%-34s %10.1f %10.1f ms (%.0f MB)   pickle: %s %s ms"):format("100 MB string", (t1 - t0) * 1e3,
  (t3 - t2) * 1e3, #s / 2 ^ 20, vs((t1 - t0) * 1e3, "100 MB string", 1, ".1f"),
  vs((t3 - t2) * 1e3, "100 MB string", 2, ".1f")))
print("pickle cannot send a closure (multiprocessing sends a function by module and name); parlab sends "
  .. "its bytecode and upvalues. Ratios are parlab's time over pickle's: below 1, parlab is faster.")
