#pragma once
// Shared pieces of the native kernels (engine/kernels/*.hpp): type dispatch and the argument checks
// every kernel makes before it starts (so nothing throws inside a parallel region). Each kernel takes
// a resolved thread count (engine/kernels/omp.hpp: omp::resolve) and names itself in errors ("kernels.dot:
// ...").
#include <omp.h>

#include <cstdint>

#include "engine/kernels/array.hpp"

namespace parlab::kernels {

// Arrays shorter than this run on one thread: waking a team costs more than the work.
constexpr std::int64_t kParallelMin = 1 << 14;

// Calls f(T{}) with T the C++ element type of t.
template <class F>
decltype(auto) dispatch(DType t, F&& f) {
  switch (t) {
    case DType::F64: return f(double{});
    case DType::F32: return f(float{});
    case DType::I64: return f(std::int64_t{});
    case DType::I32: return f(std::int32_t{});
    case DType::U8: break;
  }
  return f(std::uint8_t{});
}

// sum of term(i) for i in [begin, end) with 8 independent accumulators (combined pairwise): hides
// the latency of floating adds so a sum streams at memory speed, and vectorizes at -O2.
template <class F>
inline double blocked_sum(std::int64_t begin, std::int64_t end, F term) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;  // registers, not memory
  std::int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    a0 += term(i), a1 += term(i + 1), a2 += term(i + 2), a3 += term(i + 3);
    a4 += term(i + 4), a5 += term(i + 5), a6 += term(i + 6), a7 += term(i + 7);
  }
  double tail = 0;
  for (; i < end; ++i) tail += term(i);
  return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + tail;
}

// blocked_sum over [begin, end) split into one contiguous block per thread; the per-thread results
// are added in thread order, so a given thread count always gives the same result.
template <class F>
inline double parallel_sum(std::int64_t begin, std::int64_t end, int threads, F term) {
  const std::int64_t n = end - begin;
  if (n < kParallelMin || threads <= 1) return blocked_sum(begin, end, term);
  double parts[1024];
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), nt = omp_get_num_threads();
    std::int64_t lo = begin + n * t / nt, hi = begin + n * (t + 1) / nt;
    parts[t] = blocked_sum(lo, hi, term);
    if (t == 0)
      for (int k = nt; k < threads; ++k) parts[k] = 0;  // a team smaller than asked
  }
  double s = 0;
  for (int k = 0; k < threads; ++k) s += parts[k];
  return s;
}

template <class T>
T* data_as(const ArraySpan& a) {
  return static_cast<T*>(a.data);
}

// Throws "kernels.WHO: type mismatch: NAME_A is f64, NAME_B is f32".
void require_same_type(const char* who, const ArraySpan& a, const char* na, const ArraySpan& b,
                       const char* nb);
// Throws "kernels.WHO: length mismatch: NAME_A has 5 elements, NAME_B has 6".
void require_same_length(const char* who, const ArraySpan& a, const char* na, const ArraySpan& b,
                         const char* nb);
// Throws unless a's type is f64 or f32.
void require_float(const char* who, const ArraySpan& a, const char* name);
// True when the byte ranges of a and b share memory.
bool overlaps(const ArraySpan& a, const ArraySpan& b);
// Converts a Lua number to T, refusing what T cannot hold (fractions or out of range for integers).
template <class T>
T convert_scalar(double v, const char* who, const char* what);

}  // namespace parlab::kernels
