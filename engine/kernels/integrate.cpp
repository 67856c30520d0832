#include "engine/kernels/integrate.hpp"

#include <cmath>

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/kernels/dispatch.hpp"

namespace parlab::kernels {
namespace {

template <class F>
double trapz_of(F f, double a, double b, std::int64_t n, int threads) {
  const double h = (b - a) / double(n);
  double inner = parallel_sum(1, n, threads, [f, a, h](std::int64_t i) { return f(a + double(i) * h); });
  return h * (0.5 * f(a) + inner + 0.5 * f(b));
}

}  // namespace

double trapz(Integrand f, const std::vector<double>& coeffs, double a, double b, std::int64_t n,
             int threads) {
  if (n < 1) throw Error(fmt::format("kernels.trapz: number of intervals must be positive, got {}", n));
  if (!std::isfinite(a) || !std::isfinite(b))
    throw Error(fmt::format("kernels.trapz: bounds must be finite, got [{}, {}]", a, b));
  switch (f) {
    case Integrand::Square: return trapz_of([](double x) { return x * x; }, a, b, n, threads);
    case Integrand::Sin: return trapz_of([](double x) { return std::sin(x); }, a, b, n, threads);
    case Integrand::Exp: return trapz_of([](double x) { return std::exp(x); }, a, b, n, threads);
    case Integrand::Polynomial: break;
  }
  const double* c = coeffs.data();
  const std::int64_t degree = std::int64_t(coeffs.size()) - 1;
  return trapz_of(
      [c, degree](double x) {
        double y = 0;
        for (std::int64_t k = degree; k >= 0; --k) y = y * x + c[k];
        return y;
      },
      a, b, n, threads);
}

}  // namespace parlab::kernels
