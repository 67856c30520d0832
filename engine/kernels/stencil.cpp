#include "engine/kernels/stencil.hpp"

#include <cmath>

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/kernels/dispatch.hpp"

namespace parlab::kernels {
namespace {

template <class T>
double step_1d(const T* u, T* v, std::int64_t n, int threads) {
  if (n == 0) return 0;
  v[0] = u[0];
  v[n - 1] = u[n - 1];
  double change = 0;
#pragma omp parallel for simd reduction(max                            \
                                        : change) num_threads(threads) \
    schedule(static) if (n >= kParallelMin)
  for (std::int64_t i = 1; i < n - 1; ++i) {
    v[i] = T(0.5) * (u[i - 1] + u[i + 1]);
    change = std::fmax(change, double(std::fabs(v[i] - u[i])));
  }
  return change;
}

template <class T>
double step_2d(const T* u, T* v, std::int64_t rows, std::int64_t cols, int threads) {
  double change = 0;
#pragma omp parallel for reduction(max                            \
                                   : change) num_threads(threads) \
    schedule(static) if (rows * cols >= kParallelMin)
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* up = u + r * cols;
    T* vp = v + r * cols;
    if (r == 0 || r == rows - 1 || cols < 3) {
      for (std::int64_t c = 0; c < cols; ++c) vp[c] = up[c];
      continue;
    }
    vp[0] = up[0];
    vp[cols - 1] = up[cols - 1];
#pragma omp simd reduction(max : change)
    for (std::int64_t c = 1; c < cols - 1; ++c) {
      vp[c] = T(0.25) * (up[c - 1] + up[c + 1] + up[c - cols] + up[c + cols]);
      change = std::fmax(change, double(std::fabs(vp[c] - up[c])));
    }
  }
  return change;
}

}  // namespace

double jacobi(const ArraySpan& u, const ArraySpan& v, int threads) {
  require_float("jacobi", u, "u");
  require_same_type("jacobi", u, "u", v, "v");
  require_same_length("jacobi", u, "u", v, "v");
  if (u.ndim != v.ndim || u.rows != v.rows || u.cols != v.cols)
    throw Error("kernels.jacobi: shape mismatch: u and v must have the same shape");
  if (overlaps(u, v)) throw Error("kernels.jacobi: u and v share memory: the step needs two arrays");
  return dispatch(u.type, [&](auto t) -> double {
    using T = decltype(t);
    if constexpr (std::is_floating_point_v<T>) {
      if (u.ndim == 2) return step_2d(data_as<T>(u), data_as<T>(v), u.rows, u.cols, threads);
      return step_1d(data_as<T>(u), data_as<T>(v), u.n, threads);
    } else {
      return 0;  // unreachable: require_float refused integer arrays
    }
  });
}

}  // namespace parlab::kernels
