-- marshaling: seed 003's cost of crossing between the interpreter and native data. Summing 1M numbers:
-- the native sum; an interpreted loop over a native array through a boxing accessor (a C call per
-- element, like iterating a NumPy array in Python); the same loop through the FFI, compiled by the JIT;
-- and loops over a plain Lua table. Python (2 cores): np.sum 0.22 ms, sum(list) 3.6 ms, loop over the
-- list 11 ms, loop over the ndarray 56 ms.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { n = 1e6, repeats = 10 },
  "usage: parlab scripts/marshaling.lua [--n ELEMENTS] [--repeats R] [--quick] [--json FILE]\n")
if opts.quick then opts.n, opts.repeats = 1e5, 3 end

local np_array = parlab.array("f64", opts.n)
parlab.kernels.random(np_array, 42)
local py_list = np_array:totable()
local n = opts.n

local function native_sum(a) return parlab.kernels.sum(a) end
local function boxed_loop(a)   -- a:get(i): one Lua C API call, one boxed number per element
  local result = 0
  for i = 0, n - 1 do result = result + a:get(i) end
  return result
end
local function ffi_loop(a)     -- a[i]: a bounds check and a load, compiled by the JIT
  local result = 0
  for i = 0, n - 1 do result = result + a[i] end
  return result
end
local function table_loop(t)
  local result = 0
  for i = 1, #t do result = result + t[i] end
  return result
end

lab.header(("Summing %g numbers across the native boundary"):format(n), "seed 003, data marshaling")
local cases = {
  { "native sum (kernels.sum)", native_sum, np_array, true },
  { "loop over array, boxed a:get(i)", boxed_loop, np_array, true },
  { "loop over array, boxed, JIT off", boxed_loop, np_array, false },
  { "loop over array, FFI a[i], JIT", ffi_loop, np_array, true },
  { "loop over array, FFI a[i], JIT off", ffi_loop, np_array, false },
  { "loop over Lua table, JIT", table_loop, py_list, true },
  { "loop over Lua table, JIT off", table_loop, py_list, false },
}
local ref = native_sum(np_array)
local rows = {}
for _, c in ipairs(cases) do
  if c[4] then jit.on(c[2]) else jit.off(c[2]) end
  local t = lab.timeit(function() return c[2](c[3]) end, opts.repeats, 1)
  local v = c[2](c[3])
  assert(math.abs(v - ref) < 1e-9 * n, c[1] .. ": wrong sum")
  rows[#rows + 1] = { how = c[1], ms = t * 1e3, x = 0 }
  jit.on(c[2])
end
for _, r in ipairs(rows) do r.x = r.ms / rows[1].ms end
lab.tables.print({ { "how", "how" }, { "ms per sum", "ms", "%.3f" }, { "x native", "x", "%.1f" } }, rows)
lab.bars(opts, { title = ("Summing %g numbers: native, boxed, FFI and table loops"):format(n), rows = rows,
  label = "how", value = "ms", x = { label = "how" }, y = { label = "time per sum", unit = "ms", log = true },
  ref = n == 1e6 and { name = "Python (lecture, 2 cores): np.sum, loop over ndarray, loop over list",
    values = { [1] = 0.22, [3] = 56, [6] = 11 } } or nil })
lab.claim("boxing each element costs far more than the work (Python: loop over ndarray 250x np.sum);" ..
  " a JIT removes it",
  rows[2].ms > 5 * rows[1].ms and rows[4].ms < rows[3].ms / 3,
  ("boxed %.1fx native, FFI+JIT %.1fx native, interpreted boxed %.1fx"):format(rows[2].x, rows[4].x,
    rows[3].x))
lab.finish(opts, "marshaling", rows)
