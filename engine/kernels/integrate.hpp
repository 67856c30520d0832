#pragma once
// The trapezoid rule of the lecture, for built-in integrands, in parallel. Points are computed as
// a + i*h (not by adding h n times), so the rounding error does not grow with n.
#include <cstdint>
#include <vector>

namespace parlab::kernels {

enum class Integrand { Square, Sin, Exp, Polynomial };

// h * (f(a)/2 + f(a+h) + ... + f(b-h) + f(b)/2) with h = (b - a) / n; coeffs[k] is the coefficient of
// x^k for Polynomial (Horner), ignored otherwise. n >= 1.
double trapz(Integrand f, const std::vector<double>& coeffs, double a, double b, std::int64_t n, int threads);

}  // namespace parlab::kernels
