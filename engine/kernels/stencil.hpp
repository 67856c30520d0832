#pragma once
// One Jacobi (heat equation) step: v := the average of each interior point's neighbours in u (2 in 1-D,
// 4 in 2-D); boundary points are copied unchanged. Returns max |v - u| over the interior, the usual
// convergence test. u and v: same type (f64/f32), same shape, no shared memory.
#include "engine/kernels/array.hpp"

namespace parlab::kernels {

double jacobi(const ArraySpan& u, const ArraySpan& v, int threads);

}  // namespace parlab::kernels
