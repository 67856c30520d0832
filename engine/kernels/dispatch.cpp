#include "engine/kernels/dispatch.hpp"

#include <cmath>
#include <limits>
#include <type_traits>

#include <fmt/format.h>

#include "engine/core/error.hpp"

namespace parlab::kernels {

void require_same_type(const char* who, const ArraySpan& a, const char* na, const ArraySpan& b,
                       const char* nb) {
  if (a.type != b.type)
    throw Error(fmt::format("kernels.{}: type mismatch: {} is {}, {} is {}", who, na, dtype_name(a.type), nb,
                            dtype_name(b.type)));
}

void require_same_length(const char* who, const ArraySpan& a, const char* na, const ArraySpan& b,
                         const char* nb) {
  if (a.n != b.n)
    throw Error(
        fmt::format("kernels.{}: length mismatch: {} has {} elements, {} has {}", who, na, a.n, nb, b.n));
}

void require_float(const char* who, const ArraySpan& a, const char* name) {
  if (a.type != DType::F64 && a.type != DType::F32)
    throw Error(
        fmt::format("kernels.{}: {} must be an f64 or f32 array, got {}", who, name, dtype_name(a.type)));
}

bool overlaps(const ArraySpan& a, const ArraySpan& b) {
  auto a0 = reinterpret_cast<std::uintptr_t>(a.data);
  auto b0 = reinterpret_cast<std::uintptr_t>(b.data);
  auto a1 = a0 + std::uintptr_t(a.n) * dtype_size(a.type);
  auto b1 = b0 + std::uintptr_t(b.n) * dtype_size(b.type);
  return a.n > 0 && b.n > 0 && a0 < b1 && b0 < a1;
}

template <class T>
T convert_scalar(double v, const char* who, const char* what) {
  if constexpr (std::is_floating_point_v<T>) {
    return T(v);
  } else {
    constexpr double lo = double(std::numeric_limits<T>::min());
    constexpr double hi = double(std::numeric_limits<T>::max());
    if (!(v == std::floor(v)) || v < lo || v >= hi + 1.0)
      throw Error(fmt::format("kernels.{}: {} {} does not fit the array's integer type", who, what, v));
    return T(v);
  }
}

template double convert_scalar<double>(double, const char*, const char*);
template float convert_scalar<float>(double, const char*, const char*);
template std::int64_t convert_scalar<std::int64_t>(double, const char*, const char*);
template std::int32_t convert_scalar<std::int32_t>(double, const char*, const char*);
template std::uint8_t convert_scalar<std::uint8_t>(double, const char*, const char*);

}  // namespace parlab::kernels
