-- Writes the seed corpus for tests/fuzz/fuzz_transport.cpp (valid encodings, signed with the fuzz key):
--   PARLAB_TRANSPORT_KEY=00000000000000000000000000000001 parlab tests/fuzz/make_corpus.lua tests/fuzz/corpus
local enc = parlab.transport.encode
local ffi = require "ffi"
local dir = (arg and arg[1]) or os.getenv("CORPUS_DIR") or "tests/fuzz/corpus"
assert(parlab.transport.key() == "00000000000000000000000000000001",
  "run with PARLAB_TRANSPORT_KEY=00000000000000000000000000000001")
local function put(name, s) local f = assert(io.open(dir .. "/" .. name, "wb")) f:write(s) f:close() end
put("scalars", enc(nil, true, false, 0, 127, 128, -1, 2^53, 0.1, -0.0, 0/0, 1/0, "str\0ing", ""))
local t = { 1, 2, { x = "y" }, [true] = false, [2.5] = "f" }
t.self = t
put("table_cycle", enc(t, t))
local Point = {}
Point.__index = Point
put("metatable", enc(setmetatable({ x = 1 }, Point), setmetatable({ x = 2 }, Point)))
put("named", enc(print, math.sin, io.stdout, math, _G))
put("int64", enc(ffi.new("int64_t", -5), 18446744073709551615ULL))
function corpus_g(x) return x + 1 end
local up = { 1, 2 }
local n = 0
local function inc() n = n + 1 return corpus_g(n), up end
local function get() return n end
put("functions", enc(inc, get))
put("deep", enc((function() local t = {} for _ = 1, 50 do t = { t } end return t end)()))
