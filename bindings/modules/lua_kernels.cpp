// parlab.kernels: the native OpenMP/BLAS kernels, arrays first and options after, each with an
// optional thread count last, each releasing the GIL while it runs (as NumPy does).
#include <lua.hpp>

#include <cmath>
#include <cstring>
#include <vector>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/modules/lua_array.hpp"
#include "engine/core/gil.hpp"
#include "engine/kernels/blas1.hpp"
#include "engine/kernels/integrate.hpp"
#include "engine/kernels/matmul.hpp"
#include "engine/kernels/omp.hpp"
#include "engine/kernels/random.hpp"
#include "engine/kernels/reduce.hpp"
#include "engine/kernels/stencil.hpp"

namespace parlab::lua {
namespace {

namespace k = parlab::kernels;

// The thread count at idx: absent or nil means the default (parlab.omp.threads()).
int opt_threads(lua_State* L, int idx, const char* who) {
  if (lua_isnoneornil(L, idx)) return omp::threads();
  if (lua_type(L, idx) != LUA_TNUMBER)
    fail("%s: thread count must be a number, got %s", who, luaL_typename(L, idx));
  double n = lua_tonumber(L, idx);
  if (n != std::floor(n) || n < 1 || n > omp::kMaxThreads)
    fail("%s: thread count must be an integer between 1 and %d, got %.17g", who, omp::kMaxThreads, n);
  return int(n);
}

double check_num(lua_State* L, int idx, const char* who, const char* what) {
  if (lua_type(L, idx) != LUA_TNUMBER)
    fail("%s: %s must be a number, got %s", who, what, luaL_typename(L, idx));
  return lua_tonumber(L, idx);
}

// An integer in [lo, 2^53] (counts and seeds come from Lua numbers).
std::int64_t check_int(lua_State* L, int idx, const char* who, const char* what, double lo) {
  double v = check_num(L, idx, who, what);
  if (v != std::floor(v) || v < lo || v > 9007199254740992.0)
    fail("%s: %s must be an integer between %.17g and 2^53, got %.17g", who, what, lo, v);
  return std::int64_t(v);
}

const ArraySpan& span(lua_State* L, int idx, const char* who, const char* what) {
  return check_array(L, idx, who, what).span();
}

int l_sum(lua_State* L) {
  const ArraySpan& a = span(L, 1, "kernels.sum", "a");
  int t = opt_threads(L, 2, "kernels.sum");
  double s;
  {
    gil::Release unlocked;
    omp::run([&] { s = k::sum(a, t); });
  }
  lua_pushnumber(L, s);
  return 1;
}

int l_dot(lua_State* L) {
  const ArraySpan& a = span(L, 1, "kernels.dot", "a");
  const ArraySpan& b = span(L, 2, "kernels.dot", "b");
  int t = opt_threads(L, 3, "kernels.dot");
  double s;
  {
    gil::Release unlocked;
    omp::run([&] { s = k::dot(a, b, t); });
  }
  lua_pushnumber(L, s);
  return 1;
}

// min, max and minmax share one pass; which values it returns comes from the upvalue-free wrappers.
int push_minmax(lua_State* L, const char* who, bool want_min, bool want_max) {
  const ArraySpan& a = span(L, 1, who, "a");
  int t = opt_threads(L, 2, who);
  k::MinMax m;
  {
    gil::Release unlocked;
    omp::run([&] { m = k::minmax(a, t, who + std::strlen("kernels.")); });
  }
  if (want_min) lua_pushnumber(L, m.min);
  if (want_max) lua_pushnumber(L, m.max);
  return int(want_min) + int(want_max);
}
int l_min(lua_State* L) { return push_minmax(L, "kernels.min", true, false); }
int l_max(lua_State* L) { return push_minmax(L, "kernels.max", false, true); }
int l_minmax(lua_State* L) { return push_minmax(L, "kernels.minmax", true, true); }

int l_histogram(lua_State* L) {
  const ArraySpan& a = span(L, 1, "kernels.histogram", "a");
  const ArraySpan& counts = span(L, 2, "kernels.histogram", "counts");
  double lo = check_num(L, 3, "kernels.histogram", "lo");
  double hi = check_num(L, 4, "kernels.histogram", "hi");
  int t = opt_threads(L, 5, "kernels.histogram");
  {
    gil::Release unlocked;
    omp::run([&] { k::histogram(a, counts, lo, hi, t); });
  }
  lua_settop(L, 2);
  return 1;
}

int l_fill(lua_State* L) {
  const ArraySpan& a = span(L, 1, "kernels.fill", "a");
  double v = check_num(L, 2, "kernels.fill", "value");
  int t = opt_threads(L, 3, "kernels.fill");
  {
    gil::Release unlocked;
    omp::run([&] { k::fill(a, v, t); });
  }
  lua_settop(L, 1);
  return 1;
}

int l_scale(lua_State* L) {
  const ArraySpan& a = span(L, 1, "kernels.scale", "a");
  double alpha = check_num(L, 2, "kernels.scale", "alpha");
  int t = opt_threads(L, 3, "kernels.scale");
  {
    gil::Release unlocked;
    omp::run([&] { k::scale(a, alpha, t); });
  }
  lua_settop(L, 1);
  return 1;
}

int l_copy(lua_State* L) {
  const ArraySpan& x = span(L, 1, "kernels.copy", "x");
  const ArraySpan& y = span(L, 2, "kernels.copy", "y");
  int t = opt_threads(L, 3, "kernels.copy");
  {
    gil::Release unlocked;
    omp::run([&] { k::copy(x, y, t); });
  }
  lua_settop(L, 2);
  return 1;
}

int l_axpy(lua_State* L) {
  const ArraySpan& x = span(L, 1, "kernels.axpy", "x");
  const ArraySpan& y = span(L, 2, "kernels.axpy", "y");
  double alpha = check_num(L, 3, "kernels.axpy", "alpha");
  int t = opt_threads(L, 4, "kernels.axpy");
  {
    gil::Release unlocked;
    omp::run([&] { k::axpy(x, y, alpha, t); });
  }
  lua_settop(L, 2);
  return 1;
}

int l_triad(lua_State* L) {
  const ArraySpan& a = span(L, 1, "kernels.triad", "a");
  const ArraySpan& b = span(L, 2, "kernels.triad", "b");
  const ArraySpan& c = span(L, 3, "kernels.triad", "c");
  double s = check_num(L, 4, "kernels.triad", "scalar");
  int t = opt_threads(L, 5, "kernels.triad");
  {
    gil::Release unlocked;
    omp::run([&] { k::triad(a, b, c, s, t); });
  }
  lua_settop(L, 1);
  return 1;
}

int l_random(lua_State* L) {
  const ArraySpan& a = span(L, 1, "kernels.random", "a");
  auto seed = std::uint64_t(check_int(L, 2, "kernels.random", "seed", 0));
  int next = 3;
  k::Distribution d = k::Distribution::Uniform;
  if (lua_type(L, 3) == LUA_TSTRING) {
    const char* name = lua_tostring(L, 3);
    if (std::strcmp(name, "normal") == 0)
      d = k::Distribution::Normal;
    else if (std::strcmp(name, "uniform") != 0)
      fail("kernels.random: distribution must be \"uniform\" or \"normal\", got \"%s\"", name);
    next = 4;
  }
  int t = opt_threads(L, next, "kernels.random");
  {
    gil::Release unlocked;
    omp::run([&] { k::random(a, seed, d, t); });
  }
  lua_settop(L, 1);
  return 1;
}

int l_montecarlo_pi(lua_State* L) {
  std::int64_t n = check_int(L, 1, "kernels.montecarlo_pi", "number of points", 1);
  auto seed = std::uint64_t(check_int(L, 2, "kernels.montecarlo_pi", "seed", 0));
  int t = opt_threads(L, 3, "kernels.montecarlo_pi");
  double pi;
  {
    gil::Release unlocked;
    omp::run([&] { pi = k::montecarlo_pi(n, seed, t); });
  }
  lua_pushnumber(L, pi);
  return 1;
}

// trapz(f, a, b, n [, threads]): f is "x*x", "sin", "exp" or a table of polynomial coefficients
// {c0, c1, ...}; a Lua function is handled in bindings/modules/array.lua (the slow path).
int l_trapz(lua_State* L) {
  const char* who = "kernels.trapz";
  k::Integrand f = k::Integrand::Polynomial;
  std::vector<double> coeffs;
  if (lua_type(L, 1) == LUA_TSTRING) {
    const char* name = lua_tostring(L, 1);
    if (std::strcmp(name, "x*x") == 0)
      f = k::Integrand::Square;
    else if (std::strcmp(name, "sin") == 0)
      f = k::Integrand::Sin;
    else if (std::strcmp(name, "exp") == 0)
      f = k::Integrand::Exp;
    else
      fail("%s: unknown integrand \"%s\" (expected \"x*x\", \"sin\", \"exp\", coefficients or a function)",
           who, name);
  } else if (lua_istable(L, 1)) {
    int n = int(lua_objlen(L, 1));
    if (n == 0) fail("%s: the coefficient table is empty", who);
    for (int i = 1; i <= n; ++i) {
      lua_rawgeti(L, 1, i);
      if (lua_type(L, -1) != LUA_TNUMBER)
        fail("%s: coefficient %d must be a number, got %s", who, i, luaL_typename(L, -1));
      coeffs.push_back(lua_tonumber(L, -1));
      lua_pop(L, 1);
    }
  } else {
    fail("%s: integrand must be \"x*x\", \"sin\", \"exp\", a coefficient table or a function, got %s", who,
         luaL_typename(L, 1));
  }
  double a = check_num(L, 2, who, "a"), b = check_num(L, 3, who, "b");
  std::int64_t n = check_int(L, 4, who, "number of intervals", 1);
  int t = opt_threads(L, 5, who);
  double r;
  {
    gil::Release unlocked;
    omp::run([&] { r = k::trapz(f, coeffs, a, b, n, t); });
  }
  lua_pushnumber(L, r);
  return 1;
}

int l_jacobi(lua_State* L) {
  const ArraySpan& u = span(L, 1, "kernels.jacobi", "u");
  const ArraySpan& v = span(L, 2, "kernels.jacobi", "v");
  int t = opt_threads(L, 3, "kernels.jacobi");
  double change;
  {
    gil::Release unlocked;
    omp::run([&] { change = k::jacobi(u, v, t); });
  }
  lua_pushnumber(L, change);
  return 1;
}

// matmul(a, b [, c] [, threads]): c is made (a.rows x b.cols) when absent; returns c.
int matmul_common(lua_State* L, const char* who, bool blas) {
  const ArraySpan& a = span(L, 1, who, "a");
  const ArraySpan& b = span(L, 2, who, "b");
  int tidx = 3;
  if (is_array(L, 3)) {
    tidx = 4;
  } else if (!lua_isnoneornil(L, 3) && lua_type(L, 3) != LUA_TNUMBER) {
    fail("%s: c must be a parlab array, got %s", who, luaL_typename(L, 3));
  }
  int t = 0;
  if (blas)
    t = lua_isnoneornil(L, tidx) ? 0 : opt_threads(L, tidx, who);
  else
    t = opt_threads(L, tidx, who);
  if (tidx == 3) {  // no c: make one after the checks a and b pass on their own
    if (a.type != DType::F64 && a.type != DType::F32)
      fail("%s: a must be an f64 or f32 array, got %s", who, dtype_name(a.type));
    if (a.ndim != 2 || b.ndim != 2) fail("%s: a and b must be matrices (2-D arrays)", who);
    lua_settop(L, 2);
    push_new_array(L, a.type, a.rows, b.cols, 2);
  }
  const ArraySpan& c = span(L, 3, who, "c");
  {
    gil::Release unlocked;
    omp::run([&] {
      if (blas)
        k::matmul(a, b, c, t);
      else
        k::matmul_naive(a, b, c, t);
    });
  }
  lua_pushvalue(L, 3);
  return 1;
}
int l_matmul(lua_State* L) { return matmul_common(L, "kernels.matmul", true); }
int l_matmul_naive(lua_State* L) { return matmul_common(L, "kernels.matmul_naive", false); }

const Function functions[] = {{"sum", l_sum},
                              {"dot", l_dot},
                              {"min", l_min},
                              {"max", l_max},
                              {"minmax", l_minmax},
                              {"histogram", l_histogram},
                              {"fill", l_fill},
                              {"scale", l_scale},
                              {"copy", l_copy},
                              {"axpy", l_axpy},
                              {"triad", l_triad},
                              {"random", l_random},
                              {"montecarlo_pi", l_montecarlo_pi},
                              {"trapz", l_trapz},
                              {"jacobi", l_jacobi},
                              {"matmul", l_matmul},
                              {"matmul_naive", l_matmul_naive},
                              {nullptr, nullptr}};

void open_kernels(lua_State* L) {
  lua_createtable(L, 0, 20);
  set_functions(L, functions);
  lua_setfield(L, -2, "kernels");
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(kernels, parlab::lua::open_kernels);
