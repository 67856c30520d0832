#include "engine/kernels/blas1.hpp"

#include <emmintrin.h>
#include <omp.h>

#include <cstdint>
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/kernels/dispatch.hpp"

namespace parlab::kernels {

void fill(const ArraySpan& a, double value, int threads) {
  dispatch(a.type, [&](auto t) {
    using T = decltype(t);
    const T v = convert_scalar<T>(value, "fill", "value");
    T* x = data_as<T>(a);
    const std::int64_t n = a.n;
#pragma omp parallel for simd num_threads(threads) schedule(static) if (n >= kParallelMin)
    for (std::int64_t i = 0; i < n; ++i) x[i] = v;
  });
}

void scale(const ArraySpan& a, double alpha, int threads) {
  dispatch(a.type, [&](auto t) {
    using T = decltype(t);
    const T s = convert_scalar<T>(alpha, "scale", "alpha");
    T* x = data_as<T>(a);
    const std::int64_t n = a.n;
#pragma omp parallel for simd num_threads(threads) schedule(static) if (n >= kParallelMin)
    for (std::int64_t i = 0; i < n; ++i) x[i] = T(s * x[i]);
  });
}

namespace {

// The f64 triad over arrays far larger than the caches: non-temporal stores write a's lines without
// reading them first (STREAM's optimized builds do the same), saving a third of the traffic.
void triad_streaming(double* a, const double* b, const double* c, double s, std::int64_t n, int threads) {
#pragma omp parallel num_threads(threads)
  {
    const std::int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    std::int64_t i = n * t / nt;
    const std::int64_t end = n * (t + 1) / nt;
    for (; i < end && (reinterpret_cast<std::uintptr_t>(a + i) & 15) != 0; ++i) a[i] = b[i] + s * c[i];
    const __m128d sv = _mm_set1_pd(s);
    for (; i + 2 <= end; i += 2)
      _mm_stream_pd(a + i, _mm_add_pd(_mm_loadu_pd(b + i), _mm_mul_pd(sv, _mm_loadu_pd(c + i))));
    for (; i < end; ++i) a[i] = b[i] + s * c[i];
    _mm_sfence();  // each thread orders its own non-temporal stores before the region's barrier
  }
}

// memcpy with non-temporal 16-byte stores (dst aligned first), fenced before it returns.
void copy_streaming(char* dst, const char* src, std::size_t bytes) {
  std::size_t i = 0;
  for (; i < bytes && (reinterpret_cast<std::uintptr_t>(dst + i) & 15) != 0; ++i) dst[i] = src[i];
  for (; i + 64 <= bytes; i += 64) {
    const auto* s = reinterpret_cast<const __m128i*>(src + i);
    auto* d = reinterpret_cast<__m128i*>(dst + i);
    __m128i v0 = _mm_loadu_si128(s), v1 = _mm_loadu_si128(s + 1), v2 = _mm_loadu_si128(s + 2),
            v3 = _mm_loadu_si128(s + 3);
    _mm_stream_si128(d, v0), _mm_stream_si128(d + 1, v1), _mm_stream_si128(d + 2, v2),
        _mm_stream_si128(d + 3, v3);
  }
  std::memcpy(dst + i, src + i, bytes - i);
  _mm_sfence();
}

constexpr std::int64_t kStreamingMin = std::int64_t(1) << 21;  // 16 MiB of doubles: beyond the caches

}  // namespace

void copy(const ArraySpan& x, const ArraySpan& y, int threads) {
  require_same_type("copy", x, "x", y, "y");
  require_same_length("copy", x, "x", y, "y");
  const std::size_t bytes = std::size_t(x.n) * dtype_size(x.type);
  if (x.data == y.data || bytes == 0) return;
  if (overlaps(x, y) || x.n < kParallelMin) {  // views of one storage: memmove keeps it right
    std::memmove(y.data, x.data, bytes);
    return;
  }
  const auto* src = static_cast<const char*>(x.data);
  auto* dst = static_cast<char*>(y.data);
  const bool streaming = std::int64_t(bytes) >= kStreamingMin * 8;
  // One contiguous block per thread; large copies use non-temporal stores, as the triad does.
#pragma omp parallel num_threads(threads)
  {
    const std::size_t t = std::size_t(omp_get_thread_num()), nt = std::size_t(omp_get_num_threads());
    const std::size_t begin = bytes * t / nt, end = bytes * (t + 1) / nt;
    if (streaming)
      copy_streaming(dst + begin, src + begin, end - begin);
    else
      std::memcpy(dst + begin, src + begin, end - begin);
  }
}

void axpy(const ArraySpan& x, const ArraySpan& y, double alpha, int threads) {
  require_same_type("axpy", x, "x", y, "y");
  require_same_length("axpy", x, "x", y, "y");
  dispatch(x.type, [&](auto t) {
    using T = decltype(t);
    const T s = convert_scalar<T>(alpha, "axpy", "alpha");
    const T* xs = data_as<T>(x);
    T* ys = data_as<T>(y);
    const std::int64_t n = x.n;
#pragma omp parallel for simd num_threads(threads) schedule(static) if (n >= kParallelMin)
    for (std::int64_t i = 0; i < n; ++i) ys[i] = T(s * xs[i] + ys[i]);
  });
}

void triad(const ArraySpan& a, const ArraySpan& b, const ArraySpan& c, double scalar, int threads) {
  require_same_type("triad", a, "a", b, "b");
  require_same_type("triad", a, "a", c, "c");
  require_same_length("triad", a, "a", b, "b");
  require_same_length("triad", a, "a", c, "c");
  if (a.type == DType::F64 && a.n >= kStreamingMin && !overlaps(a, b) && !overlaps(a, c)) {
    triad_streaming(data_as<double>(a), data_as<double>(b), data_as<double>(c), scalar, a.n, threads);
    return;
  }
  dispatch(a.type, [&](auto t) {
    using T = decltype(t);
    const T s = convert_scalar<T>(scalar, "triad", "scalar");
    T* as = data_as<T>(a);
    const T* bs = data_as<T>(b);
    const T* cs = data_as<T>(c);
    const std::int64_t n = a.n;
#pragma omp parallel for simd num_threads(threads) schedule(static) if (n >= kParallelMin)
    for (std::int64_t i = 0; i < n; ++i) as[i] = T(bs[i] + s * cs[i]);
  });
}

}  // namespace parlab::kernels
