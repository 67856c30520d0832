#pragma once
// Level-1 kernels, each in place on its destination. Argument order follows where each comes from:
// BLAS for copy/axpy (source first), STREAM for triad (destination first). Scalars are converted to
// the element type; an integer array refuses a fractional or out-of-range scalar.
#include "engine/kernels/array.hpp"

namespace parlab::kernels {

void fill(const ArraySpan& a, double value, int threads);
void scale(const ArraySpan& a, double alpha, int threads);                     // a := alpha * a
void copy(const ArraySpan& x, const ArraySpan& y, int threads);                // y := x (overlap allowed)
void axpy(const ArraySpan& x, const ArraySpan& y, double alpha, int threads);  // y := alpha * x + y
// STREAM triad: a := b + scalar * c.
void triad(const ArraySpan& a, const ArraySpan& b, const ArraySpan& c, double scalar, int threads);

}  // namespace parlab::kernels
