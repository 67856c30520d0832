#include "engine/kernels/reduce.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/kernels/dispatch.hpp"

namespace parlab::kernels {
namespace {

template <class T>
double sum_of(const T* x, std::int64_t n, int threads) {
  if constexpr (std::is_floating_point_v<T>) {
    return parallel_sum(0, n, threads, [x](std::int64_t i) { return double(x[i]); });
  } else {
    std::uint64_t s = 0;  // unsigned: wraps instead of overflowing
#pragma omp parallel for simd reduction(+ : s) num_threads(threads) schedule(static) if (n >= kParallelMin)
    for (std::int64_t i = 0; i < n; ++i) s += std::uint64_t(std::int64_t(x[i]));
    return double(std::int64_t(s));
  }
}

template <class T>
double dot_of(const T* x, const T* y, std::int64_t n, int threads) {
  if constexpr (std::is_floating_point_v<T>) {
    return parallel_sum(0, n, threads, [x, y](std::int64_t i) { return double(x[i]) * double(y[i]); });
  } else {
    std::uint64_t s = 0;
#pragma omp parallel for simd reduction(+ : s) num_threads(threads) schedule(static) if (n >= kParallelMin)
    for (std::int64_t i = 0; i < n; ++i)
      s += std::uint64_t(std::int64_t(x[i])) * std::uint64_t(std::int64_t(y[i]));
    return double(std::int64_t(s));
  }
}

template <class T>
MinMax minmax_of(const T* x, std::int64_t n, int threads) {
  T lo = x[0], hi = x[0];
  int nan = 0;
#pragma omp parallel for simd reduction(min                                                         \
                                        : lo) reduction(max                                         \
                                                        : hi) reduction(|                           \
                                                                        : nan) num_threads(threads) \
    schedule(static) if (n >= kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) {
    T v = x[i];
    nan |= (v != v);
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  if (nan) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  return {double(lo), double(hi)};
}

template <class T>
void histogram_of(const T* x, std::int64_t n, std::int64_t* counts, std::int64_t bins, double lo, double hi,
                  int threads) {
  const double scale = double(bins) / (hi - lo);
  for (std::int64_t b = 0; b < bins; ++b) counts[b] = 0;
#pragma omp parallel num_threads(threads) if (n >= kParallelMin)
  {
    std::vector<std::int64_t> local(std::size_t(bins), 0);  // one per thread: no atomics in the loop
#pragma omp for schedule(static) nowait
    for (std::int64_t i = 0; i < n; ++i) {
      double v = double(x[i]);
      if (!(v >= lo && v <= hi)) continue;  // also drops NaN
      auto b = std::int64_t((v - lo) * scale);
      local[std::size_t(b < bins ? b : bins - 1)]++;
    }
#pragma omp critical(parlab_histogram)
    for (std::int64_t b = 0; b < bins; ++b) counts[b] += local[std::size_t(b)];
  }
}

}  // namespace

double sum(const ArraySpan& a, int threads) {
  return dispatch(a.type, [&](auto t) { return sum_of(data_as<decltype(t)>(a), a.n, threads); });
}

double dot(const ArraySpan& a, const ArraySpan& b, int threads) {
  require_same_type("dot", a, "a", b, "b");
  require_same_length("dot", a, "a", b, "b");
  return dispatch(a.type, [&](auto t) {
    using T = decltype(t);
    return dot_of(data_as<T>(a), data_as<T>(b), a.n, threads);
  });
}

MinMax minmax(const ArraySpan& a, int threads, const char* who) {
  if (a.n == 0) throw Error(fmt::format("kernels.{}: the array is empty", who));
  return dispatch(a.type, [&](auto t) { return minmax_of(data_as<decltype(t)>(a), a.n, threads); });
}

void histogram(const ArraySpan& a, const ArraySpan& counts, double lo, double hi, int threads) {
  if (counts.type != DType::I64)
    throw Error(
        fmt::format("kernels.histogram: counts must be an i64 array, got {}", dtype_name(counts.type)));
  if (counts.n < 1) throw Error("kernels.histogram: counts must have at least one bin");
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi))
    throw Error(fmt::format("kernels.histogram: range must be finite with lo < hi, got [{}, {}]", lo, hi));
  if (overlaps(a, counts)) throw Error("kernels.histogram: counts overlaps the data");
  dispatch(a.type, [&](auto t) {
    histogram_of(data_as<decltype(t)>(a), a.n, data_as<std::int64_t>(counts), counts.n, lo, hi, threads);
  });
}

}  // namespace parlab::kernels
