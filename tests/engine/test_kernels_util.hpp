#pragma once
// Helpers for the kernel tests: arrays of random data and long double references.
#include <cstdint>
#include <random>
#include <vector>

#include "engine/kernels/array.hpp"

namespace kt {

// Sizes every kernel is checked at: empty, one, primes, and one larger than a parallel chunk.
inline const std::vector<std::int64_t> kSizes = {0, 1, 2, 3, 7, 31, 1009, 16411, 65537, 1000003};

// An array of n values: floats uniform in [-1, 1), integers in [-1000, 1000] (u8: [0, 255]).
inline parlab::Array random_array(parlab::DType t, std::int64_t n, std::uint64_t seed) {
  parlab::Array a = parlab::Array::create(t, n);
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> real(-1.0, 1.0);
  std::uniform_int_distribution<int> whole(-1000, 1000), byte(0, 255);
  void* d = a.span().data;
  for (std::int64_t i = 0; i < n; ++i) {
    switch (t) {
      case parlab::DType::F64: static_cast<double*>(d)[i] = real(gen); break;
      case parlab::DType::F32: static_cast<float*>(d)[i] = float(real(gen)); break;
      case parlab::DType::I64: static_cast<std::int64_t*>(d)[i] = whole(gen); break;
      case parlab::DType::I32: static_cast<std::int32_t*>(d)[i] = whole(gen); break;
      case parlab::DType::U8: static_cast<std::uint8_t*>(d)[i] = std::uint8_t(byte(gen)); break;
    }
  }
  return a;
}

inline long double at(const parlab::ArraySpan& s, std::int64_t i) {
  switch (s.type) {
    case parlab::DType::F64: return static_cast<double*>(s.data)[i];
    case parlab::DType::F32: return static_cast<float*>(s.data)[i];
    case parlab::DType::I64: return static_cast<std::int64_t*>(s.data)[i];
    case parlab::DType::I32: return static_cast<std::int32_t*>(s.data)[i];
    case parlab::DType::U8: break;
  }
  return static_cast<std::uint8_t*>(s.data)[i];
}

constexpr parlab::DType kAllTypes[] = {parlab::DType::F64, parlab::DType::F32, parlab::DType::I64,
                                       parlab::DType::I32, parlab::DType::U8};

}  // namespace kt
