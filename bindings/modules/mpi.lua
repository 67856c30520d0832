-- parlab.mpi, the Lua half: the world's fields (read lazily, so a run that never uses MPI never starts
-- it), reduce/allreduce on objects, the buffer calls on arrays (mpi4py's uppercase calls), COMM_WORLD
-- with mpi4py's method names. The C half is bindings/modules/mpi/*.cpp; without MPI parlab.mpi is a stub table.
local parlab, internal = ...
local mpi, M = rawget(parlab, "mpi"), internal.mpi
if not M then return end -- built without MPI

local ffi = require "ffi"
local type, error, tostring, rawset = type, error, tostring, rawset

-- World fields start MPI on first read (mpi4py starts it at import; parlab waits for first use).
local world_fields = {
  rank = true, size = true, thread_level = true, thread_level_requested = true, launched = true, library = true,
}
local function load_world(w)
  for k in pairs(world_fields) do rawset(mpi, k, w[k]) end
  return w
end

-- init([level]): starts MPI with a thread level ("single" | "funneled" | "serialized" | "multiple"; the
-- default is PARLAB_MPI_THREAD_LEVEL or "multiple", as mpi4py); returns the world table.
-- init and its alias Init_thread, each checking the level under its own name.
local LEVELS = { single = true, funneled = true, serialized = true, multiple = true }
local function initializer(name)
  return function(level)
    if level ~= nil and not LEVELS[level] then
      error(string.format("%s: unknown thread level %s (expected single, funneled, serialized or multiple)", name,
        type(level) == "string" and "'" .. level .. "'" or "of type " .. type(level)), 2)
    end
    return load_world(M.init(level))
  end
end
mpi.init, mpi.Init_thread = initializer("mpi.init"), initializer("mpi.Init_thread")

-- The C half (send, recv, barrier, ...) comes from the MPI plugin, parlab_mpi.so, on the first touch
-- (bindings/modules/mpi/loader/): until then a missing field loads it, so a run that never uses MPI
-- never loads libmpi. M.load raises, naming what to install, when the plugin or libmpi is missing.
setmetatable(mpi, {
  __index = function(_, k)
    if world_fields[k] then return load_world(M.world())[k] end
    if M.load then M.load() end
    return rawget(mpi, k)
  end,
})

function mpi.Get_rank() return mpi.rank end
function mpi.Get_size() return mpi.size end
function mpi.Wtime() return mpi.wtime() end
function mpi.Query_thread() return mpi.thread_level end

-- Reduction names, also as mpi4py's constants (parlab.mpi.SUM == "sum").
mpi.SUM, mpi.PROD, mpi.MAX, mpi.MIN = "sum", "prod", "max", "min"
local folds = {
  sum = function(a, b) return a + b end,
  prod = function(a, b) return a * b end,
  max = function(a, b) if b > a then return b end return a end,
  min = function(a, b) if b < a then return b end return a end,
}

-- The argument readers below take `level` as error() does, counted from the function that calls the
-- reader (2: that function's caller), so every error names the user's file:line, however deep the reader.
local function fold_of(op, fn, level)
  if op == nil then return folds.sum end
  if type(op) == "function" then return op end
  local f = folds[op]
  if not f then
    error(fn .. ": unknown op '" .. tostring(op) .. "' (expected \"sum\", \"prod\", \"max\", \"min\" or a function)",
      level + 1)
  end
  return f
end

-- Folds the gathered values in rank order: op(op(v1, v2), v3) ... (deterministic on every rank).
local function fold(values, f)
  local acc = values[1]
  for i = 2, #values do acc = f(acc, values[i]) end
  return acc
end

-- reduce(obj [, op [, root]]): the folded value at root, nil elsewhere.
function mpi.reduce(obj, op, root)
  local f = fold_of(op, "mpi.reduce", 2)
  root = root or 0
  if type(root) ~= "number" or root % 1 ~= 0 then
    error("mpi.reduce: root must be a whole number, got " .. tostring(root), 2)
  elseif root < 0 or root >= mpi.size then  -- checked here, or mpi.gather would name itself
    error(("mpi.reduce: root %s is not a rank (size is %d)"):format(tostring(root), mpi.size), 2)
  end
  local values = mpi.gather(obj, root)
  if values == nil then return nil end
  return fold(values, f)
end

-- allreduce(obj [, op]): the folded value on every rank.
function mpi.allreduce(obj, op)
  local f = fold_of(op, "mpi.allreduce", 2)
  return fold(mpi.allgather(obj), f)
end

-------------------------------------------------------------------------------------------------------
-- Buffers: a parlab array (or a plain FFI array such as ffi.new("double[?]", n)) is sent in place.
-------------------------------------------------------------------------------------------------------
mpi.IN_PLACE = setmetatable({}, { __tostring = function() return "mpi.IN_PLACE" end })

local ffi_types = {
  ["double"] = "f64", ["float"] = "f32", ["int64_t"] = "i64", ["int"] = "i32", ["int32_t"] = "i32",
  ["unsigned char"] = "u8", ["uint8_t"] = "u8",
}
local elem_size = { f64 = 8, f32 = 4, i64 = 8, i32 = 4, u8 = 1 }
local ffi_kind = {} -- ctype id -> element type name, or false for a cdata that is no array of those

local dtypes = { [0] = "f64", "f32", "i64", "i32", "u8" } -- the engine's DType codes (engine/kernels/array.hpp)

-- Returns address (a number), element count, element type name for a buffer argument: a parlab array
-- (its data pointer: no copy) or a plain FFI array.
local function buffer_of(buf, fn, name, level)
  local isarray = rawget(parlab, "isarray")
  if isarray and isarray(buf) then
    return tonumber(ffi.cast("uintptr_t", buf.data)), tonumber(buf.n), dtypes[buf.dtype]
  end
  if type(buf) == "cdata" then
    local ct = ffi.typeof(buf)
    local id = tonumber(ct) -- the ctype's numeric id: a cache key (ctype objects are not interned)
    local t = ffi_kind[id]
    if t == nil then
      local elem = tostring(ct):match("^ctype<(.-) %[[%d?]*%]>$")
      t = elem and ffi_types[elem] or false
      ffi_kind[id] = t
    end
    if t then
      local count = ffi.sizeof(buf) / elem_size[t]
      return tonumber(ffi.cast("uintptr_t", buf)), count, t
    end
  end
  error(string.format("%s: %s must be a parlab array or an FFI array of double, float, int64_t, int32_t or "
    .. "uint8_t, got %s", fn, name, type(buf) == "cdata" and tostring(ffi.typeof(buf)) or type(buf)), level + 1)
end

-- A rank or tag: a whole number that fits a C int (2^63 and 1e308 do not: the C side would see some other
-- number, and a rank that thinks it is not the root would pass no root buffer to one that is).
local function whole(v, fn, name, level)
  if type(v) ~= "number" or v % 1 ~= 0 then
    error(fn .. ": " .. name .. " must be a whole number, got " .. tostring(v), level + 1)
  end
  return v
end

local function int_or(v, default, fn, name, level)
  if v == nil then return default end
  whole(v, fn, name, level + 1)
  if v < -2 ^ 31 or v >= 2 ^ 31 then
    error(("%s: %s %s is out of range (it must fit a C int)"):format(fn, name, tostring(v)), level + 1)
  end
  return v
end

-- A root: a rank of the world, checked here so that every rank agrees on which one is the root.
local function root_or(v, fn, level)
  if v == nil then return 0 end
  whole(v, fn, "root", level + 1)
  if v < 0 or v >= mpi.size then
    error(("%s: root %s is not a rank (size is %d)"):format(fn, tostring(v), mpi.size), level + 1)
  end
  return v
end

function mpi.Send(buf, dest, tag)
  local addr, count, t = buffer_of(buf, "mpi.Send", "buf", 2)
  if dest == nil then error("mpi.Send: dest is required", 2) end
  M.Send(addr, count * elem_size[t], int_or(dest, 0, "mpi.Send", "dest", 2), int_or(tag, 0, "mpi.Send", "tag", 2))
end

-- Recv(buf [, source [, tag [, status]]]): fills buf; returns the number of elements received.
function mpi.Recv(buf, source, tag, status)
  local addr, count, t = buffer_of(buf, "mpi.Recv", "buf", 2)
  local got = M.Recv(addr, count * elem_size[t], int_or(source, -1, "mpi.Recv", "source", 2),
    int_or(tag, -1, "mpi.Recv", "tag", 2), status)
  return got / elem_size[t]
end

function mpi.Isend(buf, dest, tag)
  local addr, count, t = buffer_of(buf, "mpi.Isend", "buf", 2)
  if dest == nil then error("mpi.Isend: dest is required", 2) end
  return M.Isend(addr, count * elem_size[t], int_or(dest, 0, "mpi.Isend", "dest", 2),
    int_or(tag, 0, "mpi.Isend", "tag", 2), buf)
end

function mpi.Irecv(buf, source, tag)
  local addr, count, t = buffer_of(buf, "mpi.Irecv", "buf", 2)
  return M.Irecv(addr, count * elem_size[t], int_or(source, -1, "mpi.Irecv", "source", 2),
    int_or(tag, -1, "mpi.Irecv", "tag", 2), buf)
end

function mpi.Bcast(buf, root)
  local addr, count, t = buffer_of(buf, "mpi.Bcast", "buf", 2)
  M.Bcast(addr, count * elem_size[t], root_or(root, "mpi.Bcast", 2))
end

-- Checks a send/receive pair of buffers for a reduction; IN_PLACE as sendbuf means recvbuf is both.
local function reduce_args(sendbuf, recvbuf, fn, need_recv, level)
  if sendbuf == mpi.IN_PLACE then sendbuf = recvbuf end
  local saddr, scount, st = buffer_of(sendbuf, fn, "sendbuf", level + 1)
  if recvbuf == nil and not need_recv then return saddr, saddr, scount, st end
  local raddr, rcount, rt = buffer_of(recvbuf, fn, "recvbuf", level + 1)
  if rt ~= st then error(fn .. ": sendbuf holds " .. st .. " but recvbuf holds " .. rt, level + 1) end
  if rcount < scount then
    error(string.format("%s: recvbuf has %d elements, fewer than sendbuf's %d", fn, rcount, scount), level + 1)
  end
  return saddr, raddr, scount, st
end

local function op_name(op, fn, level)
  op = op or "sum"
  if type(op) ~= "string" or not folds[op] then
    error(fn .. ": op must be \"sum\", \"prod\", \"max\" or \"min\" for buffers, got " .. tostring(op), level + 1)
  end
  return op
end

-- Reduce(sendbuf, recvbuf [, op [, root]]): recvbuf matters at root only (nil allowed elsewhere).
function mpi.Reduce(sendbuf, recvbuf, op, root)
  root = root_or(root, "mpi.Reduce", 2)
  local need = mpi.rank == root
  local saddr, raddr, count, t = reduce_args(sendbuf, recvbuf, "mpi.Reduce", need, 2)
  M.Reduce(saddr, raddr, count, t, op_name(op, "mpi.Reduce", 2), root)
end

function mpi.Allreduce(sendbuf, recvbuf, op)
  local saddr, raddr, count, t = reduce_args(sendbuf, recvbuf, "mpi.Allreduce", true, 2)
  M.Allreduce(saddr, raddr, count, t, op_name(op, "mpi.Allreduce", 2))
end

-- Gather and Scatter mirror each other: every rank passes its part (Gather's sendbuf, Scatter's recvbuf),
-- the root also the whole (size parts in rank order; unused elsewhere). Returns the part's and the whole's
-- addresses (0 off the root), the bytes per rank and the root.
local function part_and_whole(fn, part, partname, whole, wholename, root, level)
  root = root_or(root, fn, level + 1)
  local paddr, pcount, pt = buffer_of(part, fn, partname, level + 1)
  if mpi.rank ~= root then return paddr, 0, pcount * elem_size[pt], root end
  local waddr, wcount, wt = buffer_of(whole, fn, wholename, level + 1)
  if wt ~= pt then
    local st, rt = pt, wt -- the message names sendbuf first
    if partname == "recvbuf" then st, rt = wt, pt end
    error(fn .. ": sendbuf holds " .. st .. " but recvbuf holds " .. rt, level + 1)
  end
  if wcount < pcount * mpi.size then
    error(string.format("%s: %s needs %d elements (%d ranks x %d), has %d",
      fn, wholename, pcount * mpi.size, mpi.size, pcount, wcount), level + 1)
  end
  return paddr, waddr, pcount * elem_size[pt], root
end

-- Gather(sendbuf, recvbuf [, root]): recvbuf (root only) holds size * #sendbuf elements in rank order.
function mpi.Gather(sendbuf, recvbuf, root)
  local saddr, raddr, bytes
  saddr, raddr, bytes, root = part_and_whole("mpi.Gather", sendbuf, "sendbuf", recvbuf, "recvbuf", root, 2)
  M.Gather(saddr, raddr, bytes, root)
end

-- Scatter(sendbuf, recvbuf [, root]): sendbuf (root only) holds size * #recvbuf elements.
function mpi.Scatter(sendbuf, recvbuf, root)
  local raddr, saddr, bytes
  raddr, saddr, bytes, root = part_and_whole("mpi.Scatter", recvbuf, "recvbuf", sendbuf, "sendbuf", root, 2)
  M.Scatter(saddr, raddr, bytes, root)
end

-------------------------------------------------------------------------------------------------------
-- COMM_WORLD: the same calls as methods (comm:send(v, 0)), with mpi4py's names, for line-for-line ports.
-------------------------------------------------------------------------------------------------------
local comm = {}
local methods = {
  "send", "recv", "isend", "irecv", "iprobe", "bcast", "reduce", "allreduce", "gather", "allgather", "scatter",
  "barrier", "Send", "Recv", "Isend", "Irecv", "Bcast", "Reduce", "Allreduce", "Gather", "Scatter",
  "Get_rank", "Get_size", "Abort",
}
for _, name in ipairs(methods) do
  comm[name] = function(self, ...)
    if self ~= comm then error("mpi.COMM_WORLD." .. name .. ": call it as a method, comm:" .. name .. "(...)", 2) end
    return mpi[name](...)
  end
end
comm.Barrier = comm.barrier
setmetatable(comm, {
  __index = function(_, k)
    if world_fields[k] then return mpi[k] end
  end,
  __tostring = function() return "mpi.COMM_WORLD" end,
})
mpi.COMM_WORLD = comm
