// trapz, jacobi and the matrix products against closed forms and long double references.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/core/error.hpp"
#include "engine/kernels/blas1.hpp"
#include "engine/kernels/dispatch.hpp"
#include "engine/kernels/integrate.hpp"
#include "engine/kernels/matmul.hpp"
#include "engine/kernels/stencil.hpp"
#include "tests/engine/test_kernels_util.hpp"

using parlab::Array;
using parlab::DType;
namespace k = parlab::kernels;

TEST_CASE("trapz of the built-in integrands is within the trapezoid error bound", "[kernels]") {
  // |error| <= (b - a) h^2 max|f''| / 12, plus rounding of n terms (n u sum|f| h).
  struct Case {
    k::Integrand f;
    std::vector<double> c;
    double a, b, exact, f2max;
  } cases[] = {
      {k::Integrand::Square, {}, 0, 100, 1e6 / 3, 2}, {k::Integrand::Sin, {}, 0, M_PI, 2, 1},
      {k::Integrand::Exp, {}, 0, 1, M_E - 1, M_E},    {k::Integrand::Polynomial, {1, 2, 3}, 0, 2, 14, 6},
      {k::Integrand::Polynomial, {5}, -1, 1, 10, 0},
  };
  for (const Case& c : cases) {
    for (std::int64_t n : {1, 7, 1009, 4000000}) {
      double h = (c.b - c.a) / n;
      double bound = (c.b - c.a) * h * h * c.f2max / 12 + n * 0x1.0p-52 * std::fabs(c.exact) + 1e-12;
      for (int threads = 1; threads <= 4; ++threads) {
        INFO("exact " << c.exact << " n " << n << " threads " << threads);
        CHECK(std::fabs(k::trapz(c.f, c.c, c.a, c.b, n, threads) - c.exact) <= bound);
      }
    }
  }
  CHECK_THROWS_WITH(k::trapz(k::Integrand::Sin, {}, 0, 1, 0, 1), Catch::Contains("must be positive"));
  CHECK_THROWS_WITH(k::trapz(k::Integrand::Sin, {}, 0, INFINITY, 5, 1), Catch::Contains("finite"));
}

TEST_CASE("the lecture's integral of x*x on [0, 100] with n = 4e6 is 333333.33", "[kernels]") {
  CHECK(std::fabs(k::trapz(k::Integrand::Square, {}, 0, 100, 4000000, 2) - 333333.33333333) < 1e-6);
}

template <class T>
static void check_jacobi(std::int64_t rows, std::int64_t cols, DType t) {
  Array u =
      rows == 0 ? kt::random_array(t, cols, 3) : kt::random_array(t, rows * cols, 3).reshape(rows, cols);
  Array v = rows == 0 ? Array::create(t, cols) : Array::create(t, rows, cols);
  const T* a = k::data_as<T>(u.span());
  double want = 0;
  std::vector<T> ref(std::size_t(u.size()));
  for (std::int64_t i = 0; i < u.size(); ++i) {
    std::int64_t r = rows == 0 ? 0 : i / cols, c = rows == 0 ? i : i % cols;
    bool edge = rows == 0 ? (c == 0 || c == cols - 1) : (r == 0 || r == rows - 1 || c == 0 || c == cols - 1);
    if (edge)
      ref[std::size_t(i)] = a[i];
    else if (rows == 0)
      ref[std::size_t(i)] = T(0.5) * (a[i - 1] + a[i + 1]);
    else
      ref[std::size_t(i)] = T(0.25) * (a[i - 1] + a[i + 1] + a[i - cols] + a[i + cols]);
    if (!edge) want = std::max(want, double(std::fabs(ref[std::size_t(i)] - a[i])));
  }
  for (int threads = 1; threads <= 4; ++threads) {
    INFO("rows " << rows << " cols " << cols << " threads " << threads);
    CHECK(k::jacobi(u.span(), v.span(), threads) == want);
    for (std::int64_t i = 0; i < u.size(); ++i) REQUIRE(k::data_as<T>(v.span())[i] == ref[std::size_t(i)]);
  }
}

TEST_CASE("a jacobi step matches the serial stencil in 1-D and 2-D", "[kernels]") {
  for (std::int64_t n : {0, 1, 2, 3, 1009, 100003}) check_jacobi<double>(0, n, DType::F64);
  for (auto [r, c] : {std::pair{1, 1}, {2, 5}, {3, 3}, {31, 17}, {257, 263}}) {
    check_jacobi<double>(r, c, DType::F64);
    check_jacobi<float>(r, c, DType::F32);
  }
  Array u = Array::create(DType::F64, 4, 4), w = Array::create(DType::F64, 2, 8),
        i = Array::create(DType::I32, 16);
  CHECK_THROWS_WITH(k::jacobi(u.span(), w.span(), 1), Catch::Contains("shape mismatch"));
  CHECK_THROWS_WITH(k::jacobi(u.span(), u.span(), 1), Catch::Contains("share memory"));
  CHECK_THROWS_WITH(k::jacobi(i.span(), i.span(), 1), Catch::Contains("must be an f64 or f32 array"));
}

template <class T>
static void check_matmul(std::int64_t m, std::int64_t kk, std::int64_t n, DType t) {
  Array a = kt::random_array(t, m * kk, 1).reshape(m, kk), b = kt::random_array(t, kk * n, 2).reshape(kk, n);
  Array c1 = Array::create(t, m, n), c2 = Array::create(t, m, n);
  k::fill(c1.span(), 5, 1);  // c is overwritten, not accumulated into
  const T* A = k::data_as<T>(a.span());
  const T* B = k::data_as<T>(b.span());
  double u = t == DType::F64 ? 0x1.0p-53 : 0x1.0p-24;
  for (int threads = 1; threads <= 4; threads += 3) {
    k::matmul(a.span(), b.span(), c1.span(), threads);
    k::matmul_naive(a.span(), b.span(), c2.span(), threads);
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        long double ref = 0, abs = 0;
        for (std::int64_t p = 0; p < kk; ++p) {
          ref += (long double)A[i * kk + p] * B[p * n + j];
          abs += std::fabs((long double)A[i * kk + p] * B[p * n + j]);
        }
        double bound = double(kk + 2) * u * double(abs) + 1e-300;  // gamma_k |a||b| per element
        INFO("m " << m << " k " << kk << " n " << n << " at " << i << "," << j);
        REQUIRE(std::fabs(double(k::data_as<T>(c1.span())[i * n + j]) - double(ref)) <= bound);
        REQUIRE(std::fabs(double(k::data_as<T>(c2.span())[i * n + j]) - double(ref)) <= bound);
      }
    }
  }
}

TEST_CASE("matmul through BLAS and the naive loop match a long double reference", "[kernels]") {
  for (auto [m, kk, n] : {std::tuple{1, 1, 1}, {3, 5, 7}, {0, 3, 2}, {2, 0, 3}, {64, 64, 64}, {97, 31, 53}}) {
    check_matmul<double>(m, kk, n, DType::F64);
    check_matmul<float>(m, kk, n, DType::F32);
  }
}

TEST_CASE("matmul refuses bad shapes, types and aliasing", "[kernels]") {
  Array a = Array::create(DType::F64, 2, 3), b = Array::create(DType::F64, 3, 4),
        c = Array::create(DType::F64, 2, 4);
  Array bad = Array::create(DType::F64, 4, 4), f = Array::create(DType::F32, 3, 4),
        v = Array::create(DType::F64, 12);
  Array i = Array::create(DType::I64, 2, 3);
  CHECK_THROWS_WITH(k::matmul(a.span(), bad.span(), c.span(), 0),
                    Catch::Contains("shape mismatch: a is 2x3, b is 4x4"));
  CHECK_THROWS_WITH(k::matmul(a.span(), f.span(), c.span(), 0), Catch::Contains("type mismatch"));
  CHECK_THROWS_WITH(k::matmul_naive(a.span(), v.span(), c.span(), 1), Catch::Contains("matrices"));
  CHECK_THROWS_WITH(k::matmul(i.span(), b.span(), c.span(), 0), Catch::Contains("f64 or f32"));
  Array sq = Array::create(DType::F64, 3, 3);
  CHECK_THROWS_WITH(k::matmul(sq.span(), sq.span(), sq.span(), 0), Catch::Contains("shares memory"));
}
