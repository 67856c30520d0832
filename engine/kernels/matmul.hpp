#pragma once
// The matrix product c := a * b of row-major f64/f32 matrices (a: m x k, b: k x n, c: m x n), through
// CBLAS gemm (OpenBLAS, as NumPy does) or through a plain OpenMP loop nest, for the comparison.
#include "engine/kernels/array.hpp"

namespace parlab::kernels {

// blas_threads > 0 sets OpenBLAS's thread count for this call and restores it after (OpenBLAS's count
// is process-wide: two threads doing that at once may see each other's count); 0 keeps it.
void matmul(const ArraySpan& a, const ArraySpan& b, const ArraySpan& c, int blas_threads);
// Rows of c in parallel; each row accumulates a[i][p] * b[p][:] (the i-p-j order, so the inner loop
// runs along rows of b and c and vectorizes): no blocking, no packing.
void matmul_naive(const ArraySpan& a, const ArraySpan& b, const ArraySpan& c, int threads);

}  // namespace parlab::kernels
