-- Object collectives (bcast, gather, allgather, scatter, reduce/allreduce with each op and a function,
-- barrier), run under mpirun -n 2 and -n 4.
local T = require "mpicheck"
local mpi = T.mpi
local rank, size = mpi.rank, mpi.size

T.test("bcast from each root, any value", function()
  for root = 0, size - 1 do
    local v = rank == root and { root = root, list = { 1, 2, 3 }, s = ("r"):rep(root * 1000) } or nil
    local got = mpi.bcast(v, root)
    T.eq(got.root, root)
    T.eq(got.list, { 1, 2, 3 })
    T.eq(#got.s, root * 1000)
  end
  T.eq(mpi.bcast(rank == 0 and "default root" or nil), "default root")
end)

T.test("gather to each root, in rank order; nil off the root", function()
  for root = 0, size - 1 do
    local got = mpi.gather({ r = rank, pad = ("p"):rep(rank * 100) }, root)
    if rank == root then
      T.eq(#got, size)
      for i = 1, size do
        T.eq(got[i].r, i - 1)
        T.eq(#got[i].pad, (i - 1) * 100)
      end
    else
      T.eq(got, nil)
    end
  end
end)

T.test("allgather gives every rank every value", function()
  local got = mpi.allgather(rank * rank)
  for i = 1, size do T.eq(got[i], (i - 1) ^ 2) end
  local strs = mpi.allgather(("s"):rep(rank))
  for i = 1, size do T.eq(strs[i], ("s"):rep(i - 1)) end
end)

T.test("scatter hands item i to rank i-1", function()
  for root = 0, size - 1 do
    local items
    if rank == root then
      items = {}
      for i = 1, size do items[i] = { to = i - 1, data = ("d"):rep(i) } end
    end
    local mine = mpi.scatter(items, root)
    T.eq(mine.to, rank)
    T.eq(mine.data, ("d"):rep(rank + 1))
  end
end)

T.test("scatter with the wrong count fails by name, on the root and on the ranks waiting for it", function()
  local other = "mpi.scatter: rank 0 could not send its value (mpi.scatter: the root needs "
  T.raises(rank == 0 and "mpi.scatter: the root needs one item per rank: got 1" or other .. "one item per rank: got 1",
    mpi.scatter, rank == 0 and { 1 } or nil, 0)
  T.raises(rank == 0 and "mpi.scatter: the root needs a list" or other .. "a list", mpi.scatter,
    rank == 0 and 5 or nil, 0)
end)

local function expected(op)
  local acc = 1 -- values are rank + 1
  for r = 1, size - 1 do
    local v = r + 1
    if op == "sum" then acc = acc + v elseif op == "prod" then acc = acc * v
    elseif op == "max" then acc = math.max(acc, v) else acc = math.min(acc, v) end
  end
  return acc
end

T.test("reduce with each op at each root", function()
  for _, op in ipairs({ "sum", "prod", "max", "min" }) do
    for root = 0, size - 1 do
      local got = mpi.reduce(rank + 1, op, root)
      if rank == root then T.eq(got, expected(op), op) else T.eq(got, nil) end
    end
  end
  T.eq(mpi.reduce(1) or size, size, "default op sum at root 0")
  local g = mpi.reduce(rank + 1, mpi.MAX, 0)
  if rank == 0 then T.eq(g, size) end
end)

T.test("allreduce with each op, strings and a Lua function", function()
  for _, op in ipairs({ "sum", "prod", "max", "min" }) do
    T.eq(mpi.allreduce(rank + 1, op), expected(op), op)
  end
  T.eq(mpi.allreduce(string.char(97 + rank), "max"), string.char(97 + size - 1))
  local concat = mpi.allreduce({ rank }, function(a, b)
    local out = {}
    for _, v in ipairs(a) do out[#out + 1] = v end
    for _, v in ipairs(b) do out[#out + 1] = v end
    return out
  end)
  T.eq(#concat, size)
  for i = 1, size do T.eq(concat[i], i - 1, "function folds in rank order") end
  T.raises("mpi.allreduce: unknown op 'avg'", mpi.allreduce, 1, "avg")
  T.raises("mpi.reduce: unknown op", mpi.reduce, 1, 42)
  -- The error names the script's line, also through COMM_WORLD's methods.
  T.raises_here("mpi.reduce: unknown op '42'", function() mpi.reduce(1, 42) end)
  T.raises_here("mpi.reduce: unknown op 'avg'", function() mpi.COMM_WORLD:reduce(1, "avg", 0) end)
  T.raises_here("mpi.allreduce: unknown op 'avg'", function() mpi.allreduce(1, "avg") end)
  T.raises_here("mpi.reduce: root 99 is not a rank", function() mpi.reduce(1, "sum", 99) end)
  T.raises_here("mpi.reduce: root must be a whole number, got 0.5", function() mpi.reduce(1, "sum", 0.5) end)
end)

T.test("barrier orders a side effect", function()
  local path = os.tmpname()
  if rank == 0 then
    local f = io.open(path, "w")
    f:write("written")
    f:close()
  end
  local name = mpi.bcast(path, 0)
  mpi.barrier()
  local f = assert(io.open(name))
  T.eq(f:read("*a"), "written")
  f:close()
  mpi.barrier()
  if rank == 0 then os.remove(name) end
  if rank ~= 0 then os.remove(path) end -- each rank's own unused tmpname
end)

T.test("bad roots are errors that name the call", function()
  T.raises("mpi.bcast: root " .. size .. " is not a rank", mpi.bcast, 1, size)
  T.raises("mpi.gather: root -1 is not a rank", mpi.gather, 1, -1)
  T.raises("mpi.scatter: root 100 is not a rank", mpi.scatter, {}, 100)
  T.raises("mpi.bcast: root must be a whole number", mpi.bcast, 1, 1.5)
end)

T.test("a value that cannot travel fails the collective on the ranks that wait for it; the next one works", function()
  local bad = coroutine.create(print)
  local own = "cannot send sendobj[1]: a coroutine"
  local function fails(ok, err, want)
    T.eq(ok, false)
    T.ok(tostring(err):find(want, 1, true), tostring(err))
  end
  -- gather: rank 1's value; the root hears of it, the other senders return as usual
  local ok, err = pcall(mpi.gather, rank == 1 and bad or rank, 0)
  if rank == 1 then fails(ok, err, own)
  elseif rank == 0 then fails(ok, err, "mpi.gather: rank 1 could not send its value (" .. own .. ")")
  else T.eq(ok, true) end
  -- allgather: every rank hears of it
  ok, err = pcall(mpi.allgather, rank == 1 and bad or rank)
  fails(ok, err, rank == 1 and own or "mpi.allgather: rank 1 could not send its value (" .. own .. ")")
  -- bcast: the root's value
  ok, err = pcall(mpi.bcast, rank == 0 and { f = bad } or nil, 0)
  fails(ok, err, rank == 0 and "cannot send obj[1].f: a coroutine"
    or "mpi.bcast: rank 0 could not send its value (cannot send obj[1].f: a coroutine)")
  -- scatter: one item of the root's list, and a list of the wrong length
  local items = {}
  for i = 1, size do items[i] = i == size and bad or i end
  ok, err = pcall(mpi.scatter, rank == 0 and items or nil, 0)
  fails(ok, err, "cannot send sendobj[" .. size .. "][1]: a coroutine")
  ok, err = pcall(mpi.scatter, rank == 0 and { 1 } or nil, 0)
  fails(ok, err, "the root needs one item per rank: got 1 for " .. size .. " ranks")
  -- reduce and allreduce are built on them
  ok, err = pcall(mpi.allreduce, rank == 1 and bad or 1)
  fails(ok, err, rank == 1 and own or "rank 1 could not send its value")
  -- every rank took part in each call: the next collective matches up
  T.eq(mpi.allreduce(1), size)
  T.eq(mpi.bcast(rank == 0 and "after" or nil, 0), "after")
end)

T.done()
