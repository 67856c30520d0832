#pragma once
// Reductions: sum, dot, min/max, histogram. Floating sums accumulate in double (f32 too) with the
// order fixed by the thread count; integer sums accumulate exactly in int64 (wrapping past 2^63).
#include <cstdint>

#include "engine/kernels/array.hpp"

namespace parlab::kernels {

double sum(const ArraySpan& a, int threads);
double dot(const ArraySpan& a, const ArraySpan& b, int threads);

// NaN propagates, as in NumPy: any NaN gives NaN. An empty array is an error.
struct MinMax {
  double min;
  double max;
};
MinMax minmax(const ArraySpan& a, int threads, const char* who = "minmax");

// counts (an i64 array of bins) := how many elements fall in each of bins equal bins over [lo, hi];
// hi itself goes to the last bin (as numpy.histogram), values outside and NaN are not counted.
void histogram(const ArraySpan& a, const ArraySpan& counts, double lo, double hi, int threads);

}  // namespace parlab::kernels
