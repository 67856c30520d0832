// Built instead of bindings/modules/mpi/*.cpp when MPI is missing: parlab.mpi exists but every use of it says
// what to install, so a script fails at its first MPI line with the fix rather than "attempt to index nil".
#include <lua.hpp>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"

namespace parlab::lua {
namespace {

constexpr const char* kMissing =
    "parlab was built without MPI: install libopenmpi-dev and openmpi-bin, then rebuild";

int missing(lua_State*) { fail("%s", kMissing); }

const Function raise_on_use[] = {{"__index", missing}, {"__newindex", missing}, {nullptr, nullptr}};

void open_mpi_missing(lua_State* L) {
  lua_newtable(L);
  lua_newtable(L);  // metatable: any field read or write raises, at the user's line
  set_functions(L, raise_on_use);
  lua_pushstring(L, kMissing);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "mpi");
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(mpi, parlab::lua::open_mpi_missing);
