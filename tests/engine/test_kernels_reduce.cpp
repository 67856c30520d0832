#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/core/error.hpp"
#include "engine/kernels/reduce.hpp"
#include "tests/engine/test_kernels_util.hpp"

using parlab::Array;
using parlab::DType;
namespace k = parlab::kernels;

// Any summation order of n terms has |error| <= (n - 1) * u * sum|x| (+ the rounding of each f32 term:
// none, they are exact in double). We allow n * u * sum|x| with u = 2^-53.
static double sum_bound(std::int64_t n, long double abs_sum) {
  return double(n) * 0x1.0p-53 * double(abs_sum) + 1e-300;
}

TEST_CASE("sum matches a long double reference for every type, size and thread count", "[kernels]") {
  for (DType t : kt::kAllTypes) {
    for (std::int64_t n : kt::kSizes) {
      Array a = kt::random_array(t, n, 42 + n);
      long double ref = 0, abs = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        ref += kt::at(a.span(), i);
        abs += std::fabs(kt::at(a.span(), i));
      }
      for (int threads = 1; threads <= 4; ++threads) {
        INFO("type " << parlab::dtype_name(t) << " n " << n << " threads " << threads);
        double s = k::sum(a.span(), threads);
        if (t == DType::F64 || t == DType::F32)
          CHECK(std::fabs(s - double(ref)) <= sum_bound(n, abs));
        else
          CHECK(s == double(ref));  // integers add exactly
      }
    }
  }
}

TEST_CASE("dot matches a long double reference", "[kernels]") {
  for (DType t : kt::kAllTypes) {
    for (std::int64_t n : kt::kSizes) {
      Array a = kt::random_array(t, n, 1 + n), b = kt::random_array(t, n, 2 + n);
      long double ref = 0, abs = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        long double p = kt::at(a.span(), i) * kt::at(b.span(), i);
        ref += p;
        abs += std::fabs(p);
      }
      for (int threads = 1; threads <= 4; ++threads) {
        INFO("type " << parlab::dtype_name(t) << " n " << n << " threads " << threads);
        double s = k::dot(a.span(), b.span(), threads);
        if (t == DType::F64 || t == DType::F32)
          CHECK(std::fabs(s - double(ref)) <= 2 * sum_bound(n, abs));
        else
          CHECK(s == double(ref));
      }
    }
  }
}

TEST_CASE("dot refuses mismatched types and lengths", "[kernels]") {
  Array a = Array::create(DType::F64, 10), b = Array::create(DType::F32, 10),
        c = Array::create(DType::F64, 11);
  CHECK_THROWS_WITH(k::dot(a.span(), b.span(), 1),
                    Catch::Contains("kernels.dot: type mismatch: a is f64, b is f32"));
  CHECK_THROWS_WITH(k::dot(a.span(), c.span(), 1),
                    Catch::Contains("kernels.dot: length mismatch: a has 10 elements, b has 11"));
}

TEST_CASE("minmax finds the extremes, propagates NaN and refuses empty arrays", "[kernels]") {
  for (DType t : kt::kAllTypes) {
    for (std::int64_t n : kt::kSizes) {
      if (n == 0) continue;
      Array a = kt::random_array(t, n, 7 + n);
      long double lo = kt::at(a.span(), 0), hi = lo;
      for (std::int64_t i = 1; i < n; ++i) {
        lo = std::min(lo, kt::at(a.span(), i));
        hi = std::max(hi, kt::at(a.span(), i));
      }
      for (int threads = 1; threads <= 4; ++threads) {
        k::MinMax m = k::minmax(a.span(), threads);
        CHECK(m.min == double(lo));
        CHECK(m.max == double(hi));
      }
    }
  }
  Array e = Array::create(DType::F64, 0);
  CHECK_THROWS_WITH(k::minmax(e.span(), 1, "min"), Catch::Contains("kernels.min: the array is empty"));
  Array x = kt::random_array(DType::F64, 100003, 3);
  static_cast<double*>(x.span().data)[77777] = std::numeric_limits<double>::quiet_NaN();
  CHECK(std::isnan(k::minmax(x.span(), 3).min));
  CHECK(std::isnan(k::minmax(x.span(), 1).max));
}

TEST_CASE("histogram counts like a serial reference, with hi in the last bin", "[kernels]") {
  for (DType t : kt::kAllTypes) {
    for (std::int64_t n : kt::kSizes) {
      Array a = kt::random_array(t, n, 11 + n);
      double lo = t == DType::U8 ? 0 : -1, hi = t == DType::U8 ? 255 : 1;
      if (t == DType::I64 || t == DType::I32) lo = -1000, hi = 1000;
      Array counts = Array::create(DType::I64, 13);
      std::vector<std::int64_t> ref(13, 0);
      for (std::int64_t i = 0; i < n; ++i) {
        double v = double(kt::at(a.span(), i));
        auto b = std::int64_t((v - lo) * (13 / (hi - lo)));
        ref[std::size_t(std::min<std::int64_t>(b, 12))]++;
      }
      for (int threads = 1; threads <= 4; ++threads) {
        k::histogram(a.span(), counts.span(), lo, hi, threads);
        auto* c = static_cast<std::int64_t*>(counts.span().data);
        for (int b = 0; b < 13; ++b) REQUIRE(c[b] == ref[std::size_t(b)]);
      }
    }
  }
}

TEST_CASE("histogram drops values outside the range and NaN, and checks its arguments", "[kernels]") {
  Array a = Array::create(DType::F64, 6);
  double vals[] = {-0.5, 0.0, 0.5, 1.0, 1.5, std::nan("")};
  std::memcpy(a.span().data, vals, sizeof vals);
  Array counts = Array::create(DType::I64, 2);
  k::histogram(a.span(), counts.span(), 0, 1, 2);
  auto* c = static_cast<std::int64_t*>(counts.span().data);
  CHECK(c[0] == 1);
  CHECK(c[1] == 2);
  Array wrong = Array::create(DType::I32, 2), none = Array::create(DType::I64, 0);
  CHECK_THROWS_WITH(k::histogram(a.span(), wrong.span(), 0, 1, 1),
                    Catch::Contains("counts must be an i64 array"));
  CHECK_THROWS_WITH(k::histogram(a.span(), none.span(), 0, 1, 1), Catch::Contains("at least one bin"));
  CHECK_THROWS_WITH(k::histogram(a.span(), counts.span(), 1, 1, 1), Catch::Contains("lo < hi"));
  CHECK_THROWS_WITH(k::histogram(counts.span(), counts.span(), 0, 1, 1), Catch::Contains("overlaps"));
}
