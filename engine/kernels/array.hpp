#pragma once
// Typed arrays in the shared arena: one ArrayStorage (a shared object: Header + type + count + data)
// and any number of Array views of it ({offset, length, shape}), all contiguous. Sizes are int64
// everywhere, so an array may exceed 2^31 elements. The index base of every view is 0 (docs/arrays.md).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/arena/shared_object.hpp"

namespace parlab {

enum class DType : std::int32_t { F64 = 0, F32 = 1, I64 = 2, I32 = 3, U8 = 4 };
constexpr int kDTypeCount = 5;

std::size_t dtype_size(DType t) noexcept;
const char* dtype_name(DType t) noexcept;  // "f64", ...
// Parses "f64"/"f32"/"i64"/"i32"/"u8"; false for anything else.
bool dtype_from_name(std::string_view name, DType& out) noexcept;
bool dtype_valid(std::int64_t code) noexcept;

// The storage block: lives in the arena, refcounted by every view in every process.
struct ArrayStorage : shm::Header {
  static constexpr std::uint32_t kKind = 0x41525259;  // "ARRY"
  ArrayStorage(DType t, std::int64_t count);          // allocates count elements in the arena, zero-filled
  ~ArrayStorage();
  ArrayStorage(const ArrayStorage&) = delete;
  ArrayStorage& operator=(const ArrayStorage&) = delete;

  DType type;
  std::int64_t count;
  void* data;
  std::uint64_t serial;  // random per storage: a handle to a freed and reused block is refused  // same
                         // address in every process of the run (the arena is mapped at one address)
};

// What a kernel needs: a typed, contiguous run of elements with its shape (cols = 0 for 1-D).
struct ArraySpan {
  DType type = DType::F64;
  void* data = nullptr;
  std::int64_t n = 0;
  std::int64_t rows = 0;  // = n for 1-D
  std::int64_t cols = 0;  // 0 for 1-D
  int ndim = 1;
};

// A view: a reference to the storage plus the geometry of the elements it covers.
class Array {
 public:
  Array() = default;
  // A new zero-filled array: 1-D of n elements (ndim 1) or rows x cols (ndim 2).
  static Array create(DType t, std::int64_t n);
  static Array create(DType t, std::int64_t rows, std::int64_t cols);
  // Rebuilds a view from its travelling handle; checks the kind and that the geometry fits the storage.
  static Array attach(shm::Offset storage, std::uint64_t serial, DType t, std::int64_t offset,
                      std::int64_t rows, std::int64_t cols, int ndim);

  // Elements [i, j) in element order, as a 1-D view (0-based, half-open like Python's a[i:j]).
  Array slice(std::int64_t i, std::int64_t j) const;
  // Row i of a matrix, as a 1-D view of cols elements.
  Array row(std::int64_t i) const;
  // Same elements, new shape (rows * cols must equal the length).
  Array reshape(std::int64_t rows, std::int64_t cols) const;

  const ArraySpan& span() const { return span_; }
  DType type() const { return span_.type; }
  std::int64_t size() const { return span_.n; }
  std::int64_t offset() const { return offset_; }  // in elements, from the storage's first element
  shm::Offset storage_offset() const { return storage_.offset(); }
  std::uint64_t storage_serial() const { return storage_->serial; }
  std::int64_t storage_refs() const { return storage_->refs.load(); }
  explicit operator bool() const { return bool(storage_); }

 private:
  Array(shm::Ref<ArrayStorage> s, std::int64_t offset, std::int64_t rows, std::int64_t cols, int ndim);
  shm::Ref<ArrayStorage> storage_;
  std::int64_t offset_ = 0;
  ArraySpan span_;
};

}  // namespace parlab
