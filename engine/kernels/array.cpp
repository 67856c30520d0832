#include "engine/kernels/array.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/kernels/omp.hpp"

namespace parlab {
namespace {

constexpr const char* kNames[kDTypeCount] = {"f64", "f32", "i64", "i32", "u8"};
constexpr std::size_t kSizes[kDTypeCount] = {8, 4, 8, 4, 1};
constexpr std::size_t kParallelZeroBytes = std::size_t(1) << 22;  // below this one thread is quicker

// Zero-fills in parallel: the arena does not clear reused blocks, and first touch spreads the pages.
void zero_fill(void* data, std::size_t bytes) {
  if (bytes < kParallelZeroBytes) {
    std::memset(data, 0, bytes);
    return;
  }
  const std::int64_t chunk = 1 << 20;
  const std::int64_t chunks = std::int64_t((bytes + chunk - 1) / chunk);
  char* p = static_cast<char*>(data);
  omp::run([&] {
#pragma omp parallel for schedule(static) num_threads(omp::threads())
    for (std::int64_t c = 0; c < chunks; ++c) {
      std::size_t begin = std::size_t(c) * chunk;
      std::size_t len = begin + chunk > bytes ? bytes - begin : std::size_t(chunk);
      std::memset(p + begin, 0, len);
    }
  });
}

// splitmix64 of the clock, the pid and a counter: distinct across the processes of a run.
void check_count(std::int64_t n, DType t) {
  if (n < 0) throw Error(fmt::format("array: size must be non-negative, got {}", n));
  if (std::uint64_t(n) > std::numeric_limits<std::uint64_t>::max() / 16 / dtype_size(t))
    throw Error(fmt::format("array: size {} is too large", n));
}

}  // namespace

std::size_t dtype_size(DType t) noexcept { return kSizes[int(t)]; }
const char* dtype_name(DType t) noexcept { return kNames[int(t)]; }
bool dtype_valid(std::int64_t code) noexcept { return code >= 0 && code < kDTypeCount; }

bool dtype_from_name(std::string_view name, DType& out) noexcept {
  for (int i = 0; i < kDTypeCount; ++i) {
    if (name == kNames[i]) {
      out = DType(i);
      return true;
    }
  }
  return false;
}

ArrayStorage::ArrayStorage(DType t, std::int64_t n)
    : type(t), count(n), data(nullptr), serial(shm::new_serial()) {
  check_count(n, t);
  std::size_t bytes = std::size_t(n) * dtype_size(t);
  // Zeroing touches every page: an array larger than memory would fill it and get the run OOM-killed.
  if (bytes > shm::memory_limit())
    throw Error(
        fmt::format("array: {} elements of {} ({:.1f} GiB) do not fit in this machine's memory ({:.1f} GiB)",
                    n, dtype_name(t), double(bytes) / (1 << 30), double(shm::memory_limit()) / (1 << 30)));
  data = shm::allocate(bytes == 0 ? 1 : bytes, bytes >= (1 << 20) ? 4096 : 64);
  zero_fill(data, bytes);
}

ArrayStorage::~ArrayStorage() { shm::deallocate(data); }

Array::Array(shm::Ref<ArrayStorage> s, std::int64_t offset, std::int64_t rows, std::int64_t cols, int ndim)
    : storage_(std::move(s)), offset_(offset) {
  span_.type = storage_->type;
  span_.data = static_cast<char*>(storage_->data) + offset * std::int64_t(dtype_size(span_.type));
  span_.ndim = ndim;
  span_.rows = rows;
  span_.cols = ndim == 2 ? cols : 0;
  span_.n = ndim == 2 ? rows * cols : rows;
}

Array Array::create(DType t, std::int64_t n) {
  return Array(shm::Ref<ArrayStorage>::create(t, n), 0, n, 0, 1);
}

Array Array::create(DType t, std::int64_t rows, std::int64_t cols) {
  if (rows < 0 || cols < 0)
    throw Error(fmt::format("array: shape must be non-negative, got {{{}, {}}}", rows, cols));
  if (cols != 0 && rows > std::numeric_limits<std::int64_t>::max() / cols)
    throw Error(fmt::format("array: shape {{{}, {}}} is too large", rows, cols));
  return Array(shm::Ref<ArrayStorage>::create(t, rows * cols), 0, rows, cols, 2);
}

Array Array::attach(shm::Offset storage, std::uint64_t serial, DType t, std::int64_t offset,
                    std::int64_t rows, std::int64_t cols, int ndim) {
  auto ref = shm::Ref<ArrayStorage>::attach(storage);
  if (ref->serial != serial)
    throw Error("array handle: the array it named was freed (keep it alive until received)");
  if (ref->type != t) throw Error("array handle: element type does not match the storage");
  bool shape_ok = (ndim == 1 && cols == 0 && rows >= 0) || (ndim == 2 && rows >= 0 && cols >= 0);
  if (!shape_ok || offset < 0 || offset > ref->count)
    throw Error("array handle: geometry does not fit the storage");
  std::int64_t n = ndim == 2 ? rows * cols : rows;
  if ((ndim == 2 && cols != 0 && rows > ref->count / cols) || n > ref->count - offset)
    throw Error("array handle: geometry does not fit the storage");
  return Array(std::move(ref), offset, rows, cols, ndim);
}

Array Array::slice(std::int64_t i, std::int64_t j) const {
  if (i < 0 || j < i || j > span_.n)
    throw Error(fmt::format("array.slice: range [{}, {}) out of range for length {}", i, j, span_.n));
  return Array(storage_, offset_ + i, j - i, 0, 1);
}

Array Array::row(std::int64_t i) const {
  if (span_.ndim != 2) throw Error("array.row: the array is not a matrix");
  if (i < 0 || i >= span_.rows)
    throw Error(fmt::format("array.row: row {} out of range for {} rows", i, span_.rows));
  return Array(storage_, offset_ + i * span_.cols, span_.cols, 0, 1);
}

Array Array::reshape(std::int64_t rows, std::int64_t cols) const {
  if (rows < 0 || cols < 0 || (cols != 0 && rows > span_.n / cols) || rows * cols != span_.n)
    throw Error(
        fmt::format("array.reshape: shape {{{}, {}}} does not hold {} elements", rows, cols, span_.n));
  return Array(storage_, offset_, rows, cols, 2);
}

}  // namespace parlab
