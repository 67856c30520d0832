#pragma once
// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011): element i of a fill is a pure
// function of (seed, i), so a fixed seed gives the same array for any thread count and any split.
#include <array>
#include <cstdint>

#include "engine/kernels/array.hpp"

namespace parlab::kernels {

using Philox4x32 = std::array<std::uint32_t, 4>;
// One Philox4x32-10 block: the Random123 reference function (checked against its known answers).
Philox4x32 philox4x32_10(Philox4x32 counter, std::array<std::uint32_t, 2> key);

enum class Distribution { Uniform, Normal };

// Fills an f64/f32 array: uniform on [0, 1) (53 random bits per f64) or standard normal (Box-Muller
// on the same counter's two 64-bit halves).
void random(const ArraySpan& a, std::uint64_t seed, Distribution d, int threads);

// Monte Carlo estimate of pi from n points of the unit square, point i drawn from counter i.
double montecarlo_pi(std::int64_t n, std::uint64_t seed, int threads);

}  // namespace parlab::kernels
