-- parlab.mpi's C half is a plugin (parlab_mpi.so) loaded on the first touch: a run that never uses MPI
-- maps no libmpi, plain or under mpirun; the first touch loads it and MPI works. Registered (with the
-- missing-plugin error) in tests/mpi/CMakeLists.txt.
local T = require "check"

local function mapped(name)
  return T.slurp("/proc/self/maps"):find(name, 1, true) ~= nil
end

T.test("no libmpi until parlab.mpi is touched; then the plugin and MPI work", function()
  T.ok(not mapped("libmpi.so"), "libmpi is not loaded at start")
  T.ok(not mapped("parlab_mpi.so"), "the plugin is not loaded at start")
  T.eq(parlab.mpi.ANY_SOURCE, -1, "the constants need no plugin")
  T.ok(not mapped("parlab_mpi.so"), "reading a constant loads nothing")
  local size = parlab.mpi.size
  T.ok(size >= 1, "the world's size")
  T.ok(mapped("parlab_mpi.so"), "the first touch loaded the plugin")
  T.ok(mapped("libmpi.so"), "and libmpi with it")
  T.eq(type(parlab.mpi.send), "function", "the C functions are there")
  T.eq(parlab.mpi.allgather(parlab.mpi.rank)[size], size - 1, "a collective works")
end)

T.done()
