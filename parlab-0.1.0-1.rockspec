-- LuaRocks: `luarocks --lua-version 5.1 make --tree TREE` in a checkout builds parlab with CMake and
-- deploys the Lua module (TREE/lib/lua/5.1/parlab.so) and the executable its spawned children run
-- (TREE/bin/parlab); docs/install.md. For `luarocks make` the source is this checkout: source.url is
-- only read when a rock is packed from it, and names the checkout itself.
rockspec_format = "3.0"
package = "parlab"
version = "0.1.0-1"
source = { url = "file://." }
description = {
  summary = "Threads, process pools, queues, shared arrays and MPI for LuaJIT, named after Python's multiprocessing",
  detailed = [[
parlab is a LuaJIT front end over a C++ engine for learning and measuring parallelism: threads, pools of
threads and processes (fork, spawn, forkserver), queues, pipes, locks, shared typed arrays with an FFI
fast path, OpenMP/BLAS kernels, a switchable GIL and MPI. Needs LuaJIT 2.1 and the Debian packages of
tools/install-deps.sh.]],
  license = "see the repository",
}
dependencies = { "lua == 5.1" }
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    PARLAB_ROCK_LIBDIR = "$(LIBDIR)",
    PARLAB_ROCK_BINDIR = "$(BINDIR)",
    PARLAB_BUILD_TESTS = "OFF",
  },
}
