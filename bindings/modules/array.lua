-- parlab.array: typed arrays in shared memory, 0-based (docs/arrays.md). The FFI face: each array is a
-- cdata pointer to a descriptor (bindings/modules/lua_array.hpp) whose metatype bounds-checks a[i] and then
-- loads or stores, so a JIT-compiled loop over a[i] runs near C speed. a:get(i)/a:set(i, v) are the
-- deliberately slow boxed path through the Lua C API. Arrays travel to threads and processes as the
-- same memory (a transport kind whose payload is the storage's arena offset and the view's geometry).
local parlab, internal = ...
local ffi = require "ffi"
local C = ffi.C
local floor, type, tostring, tonumber, format = math.floor, type, tostring, tonumber, string.format

local native = internal.array
internal.array = nil

local TYPES = { "f64", "f32", "i64", "i32", "u8" }  -- index - 1 is the engine's DType code
local ELEM = { f64 = "double", f32 = "float", i64 = "int64_t", i32 = "int32_t", u8 = "uint8_t" }
local CODE, RANGE = {}, { i64 = { -2 ^ 63, 2 ^ 63 }, i32 = { -2 ^ 31, 2 ^ 31 }, u8 = { 0, 256 } }
for i, t in ipairs(TYPES) do CODE[t] = i - 1 end

ffi.cdef [[
typedef struct parlab_array_handle {
  uint64_t storage; uint64_t serial; int64_t offset; int64_t rows; int64_t cols; int32_t dtype; int32_t ndim;
} parlab_array_handle;
const char* parlab_array_error(void);
int parlab_array_new(void* out, int32_t dtype, int64_t rows, int64_t cols, int32_t ndim);
int parlab_array_slice(void* out, const void* a, int64_t i, int64_t j);
int parlab_array_row(void* out, const void* a, int64_t i);
int parlab_array_reshape(void* out, const void* a, int64_t rows, int64_t cols);
void parlab_array_handle_of(const void* a, parlab_array_handle* out);
int parlab_array_attach(void* out, const parlab_array_handle* h);
int64_t parlab_array_refs(const void* a);
void parlab_array_free(void* a);
]]
local CT = {}
for _, t in ipairs(TYPES) do
  -- Const fields: Lua code cannot corrupt the geometry the bounds checks rely on.
  ffi.cdef(format([[typedef struct parlab_array_%s {
    %s * const data; const double len; const int64_t n; const int64_t rows; const int64_t cols;
    const int32_t dtype; const int32_t ndim; void * const owner; } parlab_array_%s;]], t, ELEM[t], t))
  CT[t] = ffi.typeof("parlab_array_" .. t)
end

-- The arrays this state made: C API functions (kernels, a:get) accept only these (weak keys).
local live
local kernels = parlab.kernels

-- Each array is a struct cdata (a copy of the engine's descriptor) that C fills in; its finalizer
-- drops the view's reference to the storage.
local function finish(a, rc, level)
  if rc ~= 0 then error(ffi.string(C.parlab_array_error()), level + 1) end
  ffi.gc(a, C.parlab_array_free)
  live[a] = true
  return a
end

local function typename(a) return TYPES[a.dtype + 1] end

local function out_of_range(a, i, level)
  if i == i and i ~= floor(i) then error(format("array: index %s is not an integer", tostring(i)), level + 1) end
  error(format("array: index %s out of range for length %d", tostring(i), a.len), level + 1)
end

local function check_size(v, what, level)
  if type(v) ~= "number" or v < 0 or v ~= floor(v) then
    error(format("parlab.array: %s must be a non-negative integer, got %s", what, tostring(v)), level + 1)
  end
  if v > 2 ^ 53 then error(format("parlab.array: %s %s is too large", what, tostring(v)), level + 1) end
  return v
end

local methods, props = {}, {}

local function lookup(a, k)
  local m = methods[k]
  if m ~= nil then return m end
  local p = props[k]
  if p ~= nil then return p(a) end
  if type(k) == "number" then out_of_range(a, k, 2) end  -- levels: the metamethods tail-call lookup
  error(format("array: no field or method '%s'", tostring(k)), 2)
end

-- One metatype per element type: the loads and stores compile to a check and one memory access.
local function element_access(t)
  local range = RANGE[t]
  local index
  if t == "i64" then
    index = function(a, i)
      if type(i) == "number" and i >= 0 and i < a.len and i == floor(i) then return tonumber(a.data[i]) end
      return lookup(a, i)
    end
  else
    index = function(a, i)
      if type(i) == "number" and i >= 0 and i < a.len and i == floor(i) then return a.data[i] end
      return lookup(a, i)
    end
  end
  local newindex
  if range then
    local lo, hi = range[1], range[2]
    newindex = function(a, i, v)
      if not (type(i) == "number" and i >= 0 and i < a.len and i == floor(i)) then
        if type(i) ~= "number" then error(format("array: cannot set field '%s'", tostring(i)), 2) end
        out_of_range(a, i, 2)
      end
      if not (v >= lo and v < hi and v == floor(v)) then
        error(format("array: value %s does not fit an %s element", tostring(v), t), 2)
      end
      a.data[i] = v
    end
  else
    newindex = function(a, i, v)
      if not (type(i) == "number" and i >= 0 and i < a.len and i == floor(i)) then
        if type(i) ~= "number" then error(format("array: cannot set field '%s'", tostring(i)), 2) end
        out_of_range(a, i, 2)
      end
      a.data[i] = v
    end
  end
  return {
    __index = index,
    __newindex = newindex,
    __len = function(a) return a.len end,
    __tostring = function(a)
      if a.ndim == 2 then return format("parlab.array<%s>[%d x %d]", t, tonumber(a.rows), tonumber(a.cols)) end
      return format("parlab.array<%s>[%d]", t, a.len)
    end,
  }
end
for _, t in ipairs(TYPES) do ffi.metatype("parlab_array_" .. t, element_access(t)) end

local function new_array(t, rows, cols, ndim, level)
  local a = CT[t]()
  return finish(a, C.parlab_array_new(a, CODE[t], rows, cols, ndim), level + 1)
end

-- Flattens {x, ...} or {{row}, {row}, ...} into (values, rows, cols, ndim).
local function flatten(values, level)
  if type(values[1]) ~= "table" then return values, #values, 0, 1 end
  local flat, cols = {}, #values[1]
  for r = 1, #values do
    local row = values[r]
    if type(row) ~= "table" or #row ~= cols then
      local got = type(row) == "table" and #row or "no"
      error(format("parlab.array: row %d has %s elements, expected %d", r, got, cols), level + 1)
    end
    for c = 1, cols do flat[#flat + 1] = row[c] end
  end
  return flat, #values, cols, 2
end

local function from_values(t, values, shape, level)
  local flat, rows, cols, ndim = flatten(values, level + 1)
  if shape ~= nil then
    if type(shape) == "number" then
      rows, cols, ndim = check_size(shape, "length", level + 1), 0, 1
    elseif type(shape) == "table" and #shape == 2 then
      rows, cols, ndim = check_size(shape[1], "rows", level + 1), check_size(shape[2], "cols", level + 1), 2
    else
      error("parlab.array: shape must be a length or {rows, cols}", level + 1)
    end
    local n = ndim == 2 and rows * cols or rows
    if n ~= #flat then
      error(format("parlab.array: %d values do not fill shape of %d elements", #flat, n), level + 1)
    end
  end
  local a = new_array(t, rows, cols, ndim, level + 1)
  local data, range = a.data, RANGE[t]
  for i = 1, #flat do
    local v = flat[i]
    if type(v) ~= "number" then
      error(format("parlab.array: value %d is a %s, expected a number", i, type(v)), level + 1)
    end
    if range and not (v >= range[1] and v < range[2] and v == floor(v)) then
      error(format("parlab.array: value %d (%s) does not fit an %s element", i, tostring(v), t), level + 1)
    end
    data[i - 1] = v
  end
  return a
end

-- parlab.array(type, n | {rows, cols} | values [, shape]). A table of exactly two numbers is a shape;
-- any other table is values (flat, or nested rows); with a shape argument the table is always values.
function parlab.array(t, spec, shape)
  if CODE[t] == nil then
    error(format("parlab.array: unknown element type %s (expected f64, f32, i64, i32 or u8)", tostring(t)), 2)
  end
  if type(spec) == "number" then
    return new_array(t, check_size(spec, "length", 2), 0, 1, 2)
  elseif type(spec) ~= "table" then
    error(format("parlab.array: expected a length, {rows, cols} or a table of values, got %s", type(spec)), 2)
  end
  if shape == nil and #spec == 2 and type(spec[1]) == "number" and type(spec[2]) == "number" then
    return new_array(t, check_size(spec[1], "rows", 2), check_size(spec[2], "cols", 2), 2, 2)
  end
  return from_values(t, spec, shape, 2)
end

-- Made from C (kernels.matmul without c): rows and cols are already checked.
local function make_for_c(t, rows, cols, ndim)
  return new_array(t, rows, cols, ndim, 2)
end
live = native.setup(make_for_c)

function parlab.isarray(v) return live[v] == true end

methods.get, methods.set = native.get, native.set

props.type = typename
props.ndim = function(a) return a.ndim end
props.shape = function(a)
  if a.ndim == 2 then return { tonumber(a.rows), tonumber(a.cols) } end
  return { a.len }
end

-- Every method checks its self: called with '.' instead of ':' (a.refs("x")), it would hand C another value
-- as an array descriptor (the C functions trust theirs: a string there was read as one, and crashed).
local function check_self(a, name)
  if live[a] ~= true then
    error(format("array.%s: expected an array as self (call it as a:%s(...)), got %s", name, name,
      type(a) == "cdata" and tostring(ffi.typeof(a)) or type(a)), 3)
  end
end

-- slice and its alias view, each refusing under its own name.
local function slicer(name)
  return function(a, i, j)
    check_self(a, name)
    j = j == nil and a.len or j
    if type(i) ~= "number" or type(j) ~= "number" or i ~= floor(i) or j ~= floor(j) then
      error("array." .. name .. ": bounds must be integers", 2)
    end
    local v = CT[typename(a)]()
    if C.parlab_array_slice(v, a, i, j) ~= 0 then
      error((ffi.string(C.parlab_array_error()):gsub("^array%.slice:", "array." .. name .. ":")), 2)
    end
    return finish(v, 0, 2)
  end
end
methods.slice, methods.view = slicer("slice"), slicer("view")

function methods.row(a, i)
  check_self(a, "row")
  if type(i) ~= "number" or i ~= floor(i) then error("array.row: row index must be an integer", 2) end
  local v = CT[typename(a)]()
  return finish(v, C.parlab_array_row(v, a, i), 2)
end

function methods.reshape(a, rows, cols)
  check_self(a, "reshape")
  if type(rows) == "table" then rows, cols = rows[1], rows[2] end
  if type(rows) ~= "number" or type(cols) ~= "number" or rows ~= floor(rows) or cols ~= floor(cols) then
    error("array.reshape: expected integer rows and cols", 2)
  end
  local v = CT[typename(a)]()
  return finish(v, C.parlab_array_reshape(v, a, rows, cols), 2)
end

function methods.fill(a, v, threads)
  check_self(a, "fill")
  return kernels.fill(a, v, threads)
end

function methods.copy(a)
  check_self(a, "copy")
  local b = new_array(typename(a), a.ndim == 2 and a.rows or a.len, a.ndim == 2 and a.cols or 0, a.ndim, 2)
  return kernels.copy(a, b)
end

function methods.totable(a)
  check_self(a, "totable")
  local t, n = {}, a.len
  for i = 0, n - 1 do t[i + 1] = a[i] end
  return t
end

function methods.refs(a)
  check_self(a, "refs")
  return tonumber(C.parlab_array_refs(a))
end

-- Travels as the same memory: the payload names the storage (offset + serial) and the view.
local handle_t, handle_size = ffi.typeof("parlab_array_handle"), ffi.sizeof("parlab_array_handle")
parlab.transport.register_kind("parlab.array", {
  test = function(v) return live[v] == true end,
  encode = function(a)
    -- Reachable from Lua (internal.transport): another value would be read as a descriptor.
    if live[a] ~= true then
      error("transport: the parlab.array kind encodes arrays only, got " .. type(a), 2)
    end
    local h = handle_t()
    C.parlab_array_handle_of(a, h)
    return ffi.string(h, handle_size)
  end,
  decode = function(s)
    if #s ~= handle_size then error("transport: an array handle is " .. handle_size .. " bytes", 0) end
    local h = handle_t()
    ffi.copy(h, s, handle_size)
    local t = TYPES[h.dtype + 1]
    if t == nil then error("transport: an array handle names an unknown element type", 0) end
    local a = CT[t]()
    if C.parlab_array_attach(a, h) ~= 0 then error(ffi.string(C.parlab_array_error()), 0) end
    return finish(a, 0, 1)
  end,
})

-- kernels.trapz with a Lua function: the slow path of the lecture's comparison, one call per point,
-- the same formula as the native kernel (points a + i*h). Runs serially whatever the thread count.
local native_trapz = kernels.trapz
function kernels.trapz(f, a, b, n, threads)
  if type(f) ~= "function" then return native_trapz(f, a, b, n, threads) end
  if type(a) ~= "number" or type(b) ~= "number" then error("kernels.trapz: bounds must be numbers", 2) end
  if type(n) ~= "number" or n < 1 or n ~= floor(n) then
    error("kernels.trapz: number of intervals must be a positive integer, got " .. tostring(n), 2)
  end
  if threads ~= nil and (type(threads) ~= "number" or threads < 1 or threads ~= floor(threads)) then
    error("kernels.trapz: thread count must be a positive integer, got " .. tostring(threads), 2)
  end
  local h = (b - a) / n
  local inner = 0
  for i = 1, n - 1 do inner = inner + f(a + i * h) end
  return h * (0.5 * f(a) + inner + 0.5 * f(b))
end
