#include "engine/kernels/matmul.hpp"

#include <climits>

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/kernels/blas_lib.hpp"
#include "engine/kernels/dispatch.hpp"

namespace parlab::kernels {
namespace {

void check_shapes(const char* who, const ArraySpan& a, const ArraySpan& b, const ArraySpan& c) {
  require_float(who, a, "a");
  require_same_type(who, a, "a", b, "b");
  require_same_type(who, a, "a", c, "c");
  if (a.ndim != 2 || b.ndim != 2 || c.ndim != 2)
    throw Error(fmt::format("kernels.{}: a, b and c must be matrices (2-D arrays)", who));
  if (a.cols != b.rows || c.rows != a.rows || c.cols != b.cols)
    throw Error(fmt::format("kernels.{}: shape mismatch: a is {}x{}, b is {}x{}, c is {}x{}", who, a.rows,
                            a.cols, b.rows, b.cols, c.rows, c.cols));
  if (overlaps(c, a) || overlaps(c, b))
    throw Error(fmt::format("kernels.{}: c shares memory with a or b", who));
  if (a.rows > INT_MAX || a.cols > INT_MAX || b.cols > INT_MAX)
    throw Error(fmt::format("kernels.{}: dimensions above {} are not supported by CBLAS", who, INT_MAX));
}

template <class T>
void naive(const T* a, const T* b, T* c, std::int64_t m, std::int64_t k, std::int64_t n, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (m * n * k >= kParallelMin)
  for (std::int64_t i = 0; i < m; ++i) {
    T* ci = c + i * n;
    for (std::int64_t j = 0; j < n; ++j) ci[j] = 0;
    for (std::int64_t p = 0; p < k; ++p) {
      const T aip = a[i * k + p];
      const T* bp = b + p * n;
#pragma omp simd
      for (std::int64_t j = 0; j < n; ++j) ci[j] += aip * bp[j];
    }
  }
}

}  // namespace

void matmul(const ArraySpan& a, const ArraySpan& b, const ArraySpan& c, int blas_threads) {
  check_shapes("matmul", a, b, c);
  const int m = int(a.rows), k = int(a.cols), n = int(b.cols);
  if (m == 0 || n == 0) return;
  const blas::Api& blas = blas::api();  // opens OpenBLAS on the first product
  int before = blas.get_num_threads();
  if (blas_threads > 0 && blas_threads != before) blas.set_num_threads(blas_threads);
  if (a.type == DType::F64)
    blas.dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, data_as<double>(a), k > 0 ? k : 1,
               data_as<double>(b), n, 0.0, data_as<double>(c), n);
  else
    blas.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, data_as<float>(a), k > 0 ? k : 1,
               data_as<float>(b), n, 0.0f, data_as<float>(c), n);
  if (blas_threads > 0 && blas_threads != before) blas.set_num_threads(before);
}

void matmul_naive(const ArraySpan& a, const ArraySpan& b, const ArraySpan& c, int threads) {
  check_shapes("matmul_naive", a, b, c);
  if (a.type == DType::F64)
    naive(data_as<double>(a), data_as<double>(b), data_as<double>(c), a.rows, a.cols, b.cols, threads);
  else
    naive(data_as<float>(a), data_as<float>(b), data_as<float>(c), a.rows, a.cols, b.cols, threads);
}

}  // namespace parlab::kernels
