#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/kernels/dispatch.hpp"
#include "engine/kernels/random.hpp"

using parlab::Array;
using parlab::DType;
namespace k = parlab::kernels;

TEST_CASE("philox4x32-10 gives Random123's known answers", "[kernels]") {
  using B = k::Philox4x32;
  CHECK(k::philox4x32_10({0, 0, 0, 0}, {0, 0}) == B{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(k::philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
        B{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(k::philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
        B{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("a seed gives the same numbers for any thread count and any split", "[kernels]") {
  for (auto d : {k::Distribution::Uniform, k::Distribution::Normal}) {
    for (DType t : {DType::F64, DType::F32}) {
      Array one = Array::create(t, 100003), other = Array::create(t, 100003);
      k::random(one.span(), 1234, d, 1);
      for (int threads = 2; threads <= 4; ++threads) {
        k::random(other.span(), 1234, d, threads);
        REQUIRE(std::memcmp(one.span().data, other.span().data, 100003 * parlab::dtype_size(t)) == 0);
      }
      k::random(other.span(), 1235, d, 2);
      CHECK(std::memcmp(one.span().data, other.span().data, 100003 * parlab::dtype_size(t)) != 0);
      // The first 10 of a 10-element fill are the first 10 of the long one: element i depends on i only.
      Array shorter = Array::create(t, 10);
      k::random(shorter.span(), 1234, d, 3);
      CHECK(std::memcmp(one.span().data, shorter.span().data, 10 * parlab::dtype_size(t)) == 0);
    }
  }
}

// Sample mean and variance within 6 standard errors of the distribution's.
TEST_CASE("uniform and normal fills have the right moments", "[kernels]") {
  const std::int64_t n = 1000000;
  Array a = Array::create(DType::F64, n);
  k::random(a.span(), 99, k::Distribution::Uniform, 2);
  double s = 0, s2 = 0, lo = 1, hi = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double v = k::data_as<double>(a.span())[i];
    s += v, s2 += v * v, lo = std::min(lo, v), hi = std::max(hi, v);
  }
  double mean = s / n, var = s2 / n - mean * mean;
  CHECK(lo >= 0.0);
  CHECK(hi < 1.0);
  CHECK(std::fabs(mean - 0.5) < 6 * std::sqrt(1.0 / 12 / n));
  CHECK(std::fabs(var - 1.0 / 12) < 6 * std::sqrt(1.0 / 180 / n));
  k::random(a.span(), 99, k::Distribution::Normal, 2);
  s = s2 = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double v = k::data_as<double>(a.span())[i];
    s += v, s2 += v * v;
  }
  mean = s / n, var = s2 / n - mean * mean;
  CHECK(std::fabs(mean) < 6 / std::sqrt(double(n)));
  CHECK(std::fabs(var - 1) < 6 * std::sqrt(2.0 / n));
}

TEST_CASE("random refuses integer arrays; montecarlo_pi is seeded and close to pi", "[kernels]") {
  Array i = Array::create(DType::I32, 5);
  CHECK_THROWS_WITH(k::random(i.span(), 1, k::Distribution::Uniform, 1),
                    Catch::Contains("kernels.random: a must be an f64 or f32 array, got i32"));
  const std::int64_t n = 2000000;
  double p1 = k::montecarlo_pi(n, 7, 1);
  for (int threads = 2; threads <= 4; ++threads) CHECK(k::montecarlo_pi(n, 7, threads) == p1);
  CHECK(std::fabs(p1 - M_PI) < 6 * std::sqrt(M_PI * (4 - M_PI) / n));
  CHECK_THROWS_WITH(k::montecarlo_pi(0, 1, 1), Catch::Contains("must be positive"));
}
