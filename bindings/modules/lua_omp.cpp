// parlab.omp: thread counts for the native kernels and for BLAS (engine/kernels/omp.hpp).
#include <lua.hpp>

#include <cmath>
#include <cstdlib>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "engine/kernels/blas_core.hpp"
#include "engine/kernels/blas_lib.hpp"
#include "engine/kernels/omp.hpp"

namespace parlab::lua {
namespace {

int check_count(lua_State* L, const char* who, int lowest) {
  if (lua_type(L, 1) != LUA_TNUMBER)
    fail("%s: thread count must be a number, got %s", who, luaL_typename(L, 1));
  double n = lua_tonumber(L, 1);
  if (n != std::floor(n) || n < lowest || n > omp::kMaxThreads)
    fail("%s: thread count must be an integer between %d and %d, got %.17g", who, lowest, omp::kMaxThreads,
         n);
  return int(n);
}

int l_set_threads(lua_State* L) {
  omp::set_threads(check_count(L, "omp.set_threads", 1));
  return 0;
}

int l_threads(lua_State* L) {
  lua_pushinteger(L, omp::threads());
  return 1;
}

// set_blas_threads(n): BLAS uses n threads apart from the kernels; 0 makes it follow them again.
int l_set_blas_threads(lua_State* L) {
  omp::set_blas_threads(check_count(L, "omp.set_blas_threads", 0));
  return 0;
}

int l_blas_threads(lua_State* L) {
  lua_pushinteger(L, omp::blas_threads());
  return 1;
}

// info(): where the default came from, and which OpenBLAS build and core kernel run the BLAS calls.
int l_info(lua_State* L) {
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, omp::threads());
  lua_setfield(L, -2, "threads");
  lua_pushstring(L, omp::threads_reason());
  lua_setfield(L, -2, "reason");
  lua_pushinteger(L, omp::blas_threads());
  lua_setfield(L, -2, "blas_threads");
  lua_pushboolean(L, omp::blas_follows());
  lua_setfield(L, -2, "blas_follows");
  lua_pushstring(L, blas::api().get_config());
  lua_setfield(L, -2, "blas_config");
  lua_pushstring(L, blas_core::current());
  lua_setfield(L, -2, "blas_core");
  if (const char* was = std::getenv("PARLAB_BLAS_FALLBACK")) {  // OpenBLAS opened again with a better core
    lua_pushstring(L, was);
    lua_setfield(L, -2, "blas_core_replaced");
  }
  return 1;
}

const Function functions[] = {
    {"set_threads", l_set_threads},   {"threads", l_threads}, {"set_blas_threads", l_set_blas_threads},
    {"blas_threads", l_blas_threads}, {"info", l_info},       {nullptr, nullptr}};

void open_omp(lua_State* L) {
  lua_createtable(L, 0, 6);
  set_functions(L, functions);
  lua_setfield(L, -2, "omp");
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(omp, parlab::lua::open_omp);
