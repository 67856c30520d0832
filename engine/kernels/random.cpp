#include "engine/kernels/random.hpp"

#include <cmath>

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/kernels/dispatch.hpp"

namespace parlab::kernels {
namespace {

constexpr std::uint32_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57;  // Random123's multipliers
constexpr std::uint32_t kW0 = 0x9E3779B9, kW1 = 0xBB67AE85;  // and Weyl key increments
constexpr double kTwoPi = 6.283185307179586476925286766559;

inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  std::uint64_t p = std::uint64_t(a) * b;
  hi = std::uint32_t(p >> 32);
  lo = std::uint32_t(p);
}

inline Philox4x32 block(std::uint64_t index, std::uint64_t seed) {
  return philox4x32_10({std::uint32_t(index), std::uint32_t(index >> 32), 0, 0},
                       {std::uint32_t(seed), std::uint32_t(seed >> 32)});
}

// 53 random bits -> [0, 1); open_low gives (0, 1] for the logarithm in Box-Muller.
inline double unit(std::uint32_t hi, std::uint32_t lo, bool open_low = false) {
  std::uint64_t bits = ((std::uint64_t(hi) << 32) | lo) >> 11;
  return (double(bits) + (open_low ? 1.0 : 0.0)) * 0x1.0p-53;
}

template <class T>
void fill_random(T* x, std::int64_t n, std::uint64_t seed, Distribution d, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (n >= kParallelMin / 4)
  for (std::int64_t i = 0; i < n; ++i) {
    Philox4x32 r = block(std::uint64_t(i), seed);
    if (d == Distribution::Uniform) {
      T v = T(unit(r[0], r[1]));
      x[i] = v < T(1) ? v : T(0);  // f32 rounding can reach 1: keep the interval half-open
    } else {
      double u1 = unit(r[0], r[1], true), u2 = unit(r[2], r[3]);
      x[i] = T(std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2));
    }
  }
}

}  // namespace

Philox4x32 philox4x32_10(Philox4x32 c, std::array<std::uint32_t, 2> k) {
  for (int round = 0; round < 10; ++round) {
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kM0, c[0], hi0, lo0);
    mulhilo(kM1, c[2], hi1, lo1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
    k[0] += kW0;
    k[1] += kW1;
  }
  return c;
}

void random(const ArraySpan& a, std::uint64_t seed, Distribution d, int threads) {
  require_float("random", a, "a");
  if (a.type == DType::F64)
    fill_random(data_as<double>(a), a.n, seed, d, threads);
  else
    fill_random(data_as<float>(a), a.n, seed, d, threads);
}

double montecarlo_pi(std::int64_t n, std::uint64_t seed, int threads) {
  if (n < 1) throw Error(fmt::format("kernels.montecarlo_pi: number of points must be positive, got {}", n));
  std::int64_t inside = 0;
#pragma omp parallel for reduction(+ : inside) num_threads(threads) schedule(static) if (n >= kParallelMin / 4)
  for (std::int64_t i = 0; i < n; ++i) {
    Philox4x32 r = block(std::uint64_t(i), seed);
    double x = unit(r[0], r[1]), y = unit(r[2], r[3]);
    inside += (x * x + y * y <= 1.0);
  }
  return 4.0 * double(inside) / double(n);
}

}  // namespace parlab::kernels
