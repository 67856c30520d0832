-- Buffer calls (mpi4py's uppercase calls) on parlab arrays and FFI arrays, in place, under mpirun -n 2
-- and -n 4.
local T = require "mpicheck"
local ffi = require "ffi"
local mpi = T.mpi
local rank, size = mpi.rank, mpi.size

-- Element i (0-based) read straight from the array's memory, the memory MPI wrote.
local function at(a, i)
  if parlab.isarray and parlab.isarray(a) then return tonumber(a.data[i]) end
  return tonumber(a[i])
end
local function set(a, i, v)
  if parlab.isarray and parlab.isarray(a) then a.data[i] = v else a[i] = v end
end

-- Arrays made here stay referenced to the end, so no collection runs mid-test (what is tested is MPI's
-- use of their memory, not their finalizers).
local kept = {}
local function keep(a) kept[#kept + 1] = a return a end

-- Both kinds of buffer, each element type.
local function makers()
  local list = {
    { "ffi double", function(n) return ffi.new("double[?]", n) end },
    { "ffi int32_t", function(n) return ffi.new("int32_t[?]", n) end },
  }
  if parlab.array then
    for _, t in ipairs({ "f64", "f32", "i64", "i32", "u8" }) do
      list[#list + 1] = { "array " .. t, function(n) return keep(parlab.array(t, n)) end }
    end
  end
  return list
end

T.test("Send/Recv fill the receiver's buffer in place", function()
  for _, m in ipairs(makers()) do
    local name, make = m[1], m[2]
    local n = 1000
    if rank == 0 then
      local a = make(n)
      for i = 0, n - 1 do set(a, i, i % 100) end
      for dest = 1, size - 1 do mpi.Send(a, dest, 1) end
    else
      local b = make(n)
      local st = {}
      T.eq(mpi.Recv(b, 0, 1, st), n, name)
      T.eq(st.source, 0)
      for i = 0, n - 1, 97 do T.eq(at(b, i), i % 100, name) end
    end
  end
end)

T.test("Isend/Irecv ring on arrays, and a too-small buffer is refused", function()
  local a, b = ffi.new("double[?]", 64), ffi.new("double[?]", 64)
  for i = 0, 63 do a[i] = rank * 1000 + i end
  local right, left = (rank + 1) % size, (rank - 1) % size
  local r = mpi.Irecv(b, left, 2)
  local s = mpi.Isend(a, right, 2)
  r:wait()
  s:wait()
  T.eq(b[63], left * 1000 + 63)
  if rank == 0 then
    mpi.Send(ffi.new("double[?]", 10), 1, 3)
    mpi.Send(ffi.new("double[?]", 10), 1, 4)
  elseif rank == 1 then
    T.raises("does not fit the buffer of 40 bytes", mpi.Recv, ffi.new("double[?]", 5), 0, 3)
    local small = mpi.Irecv(ffi.new("double[?]", 2), 0, 4)
    T.raises("mpi.Irecv: the message does not fit the buffer of 16 bytes", small.wait, small)
  end
end)

T.test("Bcast from each root", function()
  for root = 0, size - 1 do
    local a = parlab.array and keep(parlab.array("f64", 100)) or ffi.new("double[?]", 100)
    if rank == root then for i = 0, 99 do set(a, i, root + i / 2) end end
    mpi.Bcast(a, root)
    T.eq(at(a, 99), root + 99 / 2)
  end
end)

T.test("Reduce and Allreduce with each op, into a buffer and in place", function()
  -- In a fixed order: pairs() order may differ between processes, and collectives must match up.
  local ops = {
    { "sum", function(n) return n * (n + 1) / 2 end },
    { "prod", function(n) local p = 1 for i = 1, n do p = p * i end return p end },
    { "max", function(n) return n end },
    { "min", function() return 1 end },
  }
  for _, o in ipairs(ops) do
    local op, want = o[1], o[2]
    local a = ffi.new("int64_t[?]", 3)
    for i = 0, 2 do a[i] = rank + 1 end
    local out = ffi.new("int64_t[?]", 3)
    for root = 0, size - 1 do
      mpi.Reduce(a, rank == root and out or nil, op, root)
      if rank == root then T.eq(tonumber(out[2]), want(size), op) end
    end
    local d = ffi.new("double[?]", 4)
    for i = 0, 3 do d[i] = rank + 1 end
    mpi.Allreduce(mpi.IN_PLACE, d, op)
    T.eq(d[3], want(size), "in place " .. op)
  end
  local x = ffi.new("double[1]", 2)
  local y = ffi.new("double[1]")
  mpi.Allreduce(x, y, mpi.PROD)
  T.eq(y[0], 2 ^ size)
end)

T.test("Gather and Scatter in rank order", function()
  local mine = ffi.new("int32_t[?]", 3)
  for i = 0, 2 do mine[i] = rank * 10 + i end
  local all = rank == 0 and ffi.new("int32_t[?]", 3 * size) or nil
  mpi.Gather(mine, all, 0)
  if rank == 0 then
    for r = 0, size - 1 do T.eq(all[r * 3 + 2], r * 10 + 2) end
  end
  local back = ffi.new("int32_t[?]", 3)
  mpi.Scatter(all, back, 0)
  T.eq(back[1], rank * 10 + 1)
end)

T.test("bad buffers are errors that name the call", function()
  T.raises("mpi.Send: buf must be a parlab array or an FFI array", mpi.Send, { 1, 2 }, 0)
  T.raises("mpi.Send: buf must be", mpi.Send, ffi.new("char[4]"), 0)
  T.raises("mpi.Send: dest is required", mpi.Send, ffi.new("double[1]"))
  T.raises("mpi.Allreduce: sendbuf holds f64 but recvbuf holds i32", mpi.Allreduce, ffi.new("double[2]"),
    ffi.new("int32_t[2]"))
  T.raises("mpi.Allreduce: recvbuf has 1 elements, fewer than sendbuf's 2", mpi.Allreduce,
    ffi.new("double[2]"), ffi.new("double[1]"))
  T.raises("op must be \"sum\", \"prod\", \"max\" or \"min\" for buffers", mpi.Allreduce,
    ffi.new("double[1]"),
    ffi.new("double[1]"), function() end)
  T.raises("mpi.Bcast: root " .. size .. " is not a rank", mpi.Bcast, ffi.new("double[1]"), size)
  if rank == 0 then
    T.raises("mpi.Gather: recvbuf needs", mpi.Gather, ffi.new("double[2]"), ffi.new("double[1]"), 0)
    T.raises("mpi.Scatter: sendbuf needs", mpi.Scatter, ffi.new("double[1]"), ffi.new("double[2]"), 0)
  end
end)

T.test("bad arguments to Reduce, Allreduce, Gather and Scatter name the caller's line", function()
  local d1, d2, i2 = ffi.new("double[1]"), ffi.new("double[2]"), ffi.new("int32_t[2]")
  local dn, in_ = ffi.new("double[?]", size), ffi.new("int32_t[?]", size)
  T.raises_here("mpi.Reduce: sendbuf must be a parlab array", function() mpi.Reduce({ 1 }, d1) end)
  T.raises_here("mpi.Reduce: sendbuf holds f64 but recvbuf holds i32", function() mpi.Reduce(d2, i2) end)
  T.raises_here("mpi.Reduce: recvbuf has 1 elements, fewer than sendbuf's 2", function() mpi.Reduce(d2, d1) end)
  T.raises_here("mpi.Reduce: op must be \"sum\"", function() mpi.Reduce(d1, d1, "avg") end)
  T.raises_here("mpi.Reduce: root must be a whole number, got 0.5", function() mpi.Reduce(d1, d1, "sum", 0.5) end)
  T.raises_here("mpi.Reduce: sendbuf must be", function() mpi.COMM_WORLD:Reduce("x", d1) end)
  T.raises_here("mpi.Allreduce: recvbuf must be", function() mpi.Allreduce(d1, "x") end)
  T.raises_here("mpi.Gather: sendbuf must be", function() mpi.Gather("x", nil) end)
  T.raises_here("mpi.Gather: root must be a whole number, got 0", function() mpi.Gather(d1, dn, "0") end)
  T.raises_here("mpi.Scatter: recvbuf must be", function() mpi.Scatter(dn, {}) end)
  T.raises_here("mpi.Scatter: root must be a whole number", function() mpi.Scatter(dn, d1, 0.25) end)
  if rank == 0 then
    T.raises_here("mpi.Reduce: recvbuf must be", function() mpi.Reduce(d1, nil, "sum", 0) end)
    T.raises_here("mpi.Gather: recvbuf must be", function() mpi.Gather(d1, nil, 0) end)
    T.raises_here("mpi.Gather: sendbuf holds f64 but recvbuf holds i32", function() mpi.Gather(d1, in_, 0) end)
    T.raises_here("mpi.Gather: recvbuf needs " .. 2 * size, function() mpi.Gather(d2, dn, 0) end)
    T.raises_here("mpi.Scatter: sendbuf must be", function() mpi.Scatter(nil, d1, 0) end)
    T.raises_here("mpi.Scatter: sendbuf holds i32 but recvbuf holds f64", function() mpi.Scatter(in_, d1, 0) end)
    T.raises_here("mpi.Scatter: sendbuf needs " .. 2 * size, function() mpi.Scatter(dn, d2, 0) end)
    T.raises_here("mpi.Scatter: sendbuf needs", function() mpi.COMM_WORLD:Scatter(dn, d2) end)
  end
end)

T.done()
