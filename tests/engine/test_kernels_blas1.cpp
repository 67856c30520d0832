#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/kernels/blas1.hpp"
#include "engine/kernels/dispatch.hpp"
#include "tests/engine/test_kernels_util.hpp"

using parlab::Array;
using parlab::DType;
namespace k = parlab::kernels;

// True when pred(i) holds for every i < n (one assertion instead of n: Catch2 assertions are slow).
template <class P>
static bool all_of(std::int64_t n, P pred) {
  for (std::int64_t i = 0; i < n; ++i)
    if (!pred(i)) return false;
  return true;
}

// Each element is computed by the same expression as the reference, so results are exact.
template <class T>
static void check_elementwise(DType t) {
  for (std::int64_t n : kt::kSizes) {
    Array x = kt::random_array(t, n, 5 + n), y = kt::random_array(t, n, 6 + n), z = Array::create(t, n);
    const std::vector<T> x0(k::data_as<T>(x.span()), k::data_as<T>(x.span()) + n);
    const std::vector<T> y0(k::data_as<T>(y.span()), k::data_as<T>(y.span()) + n);
    for (int threads = 1; threads <= 4; ++threads) {
      INFO("type " << parlab::dtype_name(t) << " n " << n << " threads " << threads);
      std::copy(x0.begin(), x0.end(), k::data_as<T>(x.span()));
      std::copy(y0.begin(), y0.end(), k::data_as<T>(y.span()));
      k::axpy(x.span(), y.span(), 3, threads);
      REQUIRE(
          all_of(n, [&](std::int64_t i) { return k::data_as<T>(y.span())[i] == T(T(3) * x0[i] + y0[i]); }));
      k::triad(z.span(), x.span(), y.span(), 2, threads);
      REQUIRE(all_of(n, [&](std::int64_t i) {
        return k::data_as<T>(z.span())[i] == T(x0[i] + T(2) * k::data_as<T>(y.span())[i]);
      }));
      k::scale(x.span(), 2, threads);
      REQUIRE(all_of(n, [&](std::int64_t i) { return k::data_as<T>(x.span())[i] == T(T(2) * x0[i]); }));
      k::copy(x.span(), y.span(), threads);
      REQUIRE(std::memcmp(x.span().data, y.span().data, std::size_t(n) * sizeof(T)) == 0);
      k::fill(z.span(), 7, threads);
      REQUIRE(all_of(n, [&](std::int64_t i) { return k::data_as<T>(z.span())[i] == T(7); }));
    }
  }
}

TEST_CASE("fill, scale, copy, axpy and triad match the serial expressions", "[kernels]") {
  check_elementwise<double>(DType::F64);
  check_elementwise<float>(DType::F32);
  check_elementwise<std::int64_t>(DType::I64);
  check_elementwise<std::int32_t>(DType::I32);
  check_elementwise<std::uint8_t>(DType::U8);
}

TEST_CASE("copy between overlapping views of one storage behaves like memmove", "[kernels]") {
  Array a = Array::create(DType::F64, 100000);
  for (int i = 0; i < 100000; ++i) k::data_as<double>(a.span())[i] = i;
  k::copy(a.slice(0, 90000).span(), a.slice(10000, 100000).span(), 4);
  for (int i = 10000; i < 100000; ++i) REQUIRE(k::data_as<double>(a.span())[i] == i - 10000);
}

TEST_CASE("level-1 kernels refuse mismatched arrays and scalars an integer type cannot hold", "[kernels]") {
  Array f = Array::create(DType::F64, 4), g = Array::create(DType::F32, 4), h = Array::create(DType::F64, 5);
  Array i32 = Array::create(DType::I32, 4), u8 = Array::create(DType::U8, 4),
        i64 = Array::create(DType::I64, 4);
  CHECK_THROWS_WITH(k::axpy(f.span(), g.span(), 1, 1),
                    Catch::Contains("kernels.axpy: type mismatch: x is f64, y is f32"));
  CHECK_THROWS_WITH(k::copy(f.span(), h.span(), 1), Catch::Contains("kernels.copy: length mismatch"));
  CHECK_THROWS_WITH(k::triad(f.span(), f.span(), h.span(), 1, 1),
                    Catch::Contains("kernels.triad: length mismatch"));
  CHECK_THROWS_WITH(k::triad(f.span(), g.span(), f.span(), 1, 1),
                    Catch::Contains("kernels.triad: type mismatch"));
  CHECK_THROWS_WITH(k::fill(i32.span(), 1.5, 1), Catch::Contains("kernels.fill: value 1.5 does not fit"));
  CHECK_THROWS_WITH(k::fill(u8.span(), 256, 1), Catch::Contains("does not fit"));
  CHECK_THROWS_WITH(k::fill(u8.span(), -1, 1), Catch::Contains("does not fit"));
  CHECK_THROWS_WITH(k::fill(i64.span(), 9223372036854775808.0, 1), Catch::Contains("does not fit"));
  CHECK_THROWS_WITH(k::scale(i32.span(), 0.5, 1), Catch::Contains("kernels.scale: alpha 0.5"));
  k::fill(u8.span(), 255, 1);
  CHECK(k::data_as<std::uint8_t>(u8.span())[3] == 255);
  k::fill(i64.span(), -9223372036854775808.0, 1);
  CHECK(k::data_as<std::int64_t>(i64.span())[0] == INT64_MIN);
}

TEST_CASE("the streaming f64 triad of large, misaligned views matches the serial expression", "[kernels]") {
  const std::int64_t n = (std::int64_t(1) << 21) + 3;
  Array a = Array::create(DType::F64, n + 1), b = kt::random_array(DType::F64, n, 1),
        c = kt::random_array(DType::F64, n, 2);
  for (int threads = 1; threads <= 3; ++threads) {
    Array view = a.slice(1, n + 1);  // 8 bytes past a 16-byte boundary
    k::triad(view.span(), b.span(), c.span(), 1.5, threads);
    const double* x = k::data_as<double>(view.span());
    const double* y = k::data_as<double>(b.span());
    const double* z = k::data_as<double>(c.span());
    REQUIRE(all_of(n, [&](std::int64_t i) { return x[i] == y[i] + 1.5 * z[i]; }));
  }
}

TEST_CASE("the streaming copy of large, misaligned views copies every byte", "[kernels]") {
  const std::int64_t n = (std::int64_t(1) << 24) + 77;  // 16 MiB + 77 bytes
  Array src = kt::random_array(DType::U8, n + 3, 4), dst = Array::create(DType::U8, n + 5);
  for (int threads = 1; threads <= 3; ++threads) {
    Array from = src.slice(3, n + 3), to = dst.slice(threads, n + threads);  // every alignment differs
    k::fill(dst.span(), 0, 2);
    k::copy(from.span(), to.span(), threads);
    REQUIRE(std::memcmp(from.span().data, to.span().data, std::size_t(n)) == 0);
    CHECK(k::data_as<std::uint8_t>(dst.span())[threads - 1] == 0);  // nothing before the view
    CHECK(k::data_as<std::uint8_t>(dst.span())[n + threads] == 0);  // nor after it
  }
}
