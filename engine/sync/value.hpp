#pragma once
// The multiprocessing.Value / Array / ShareableList analogues: small typed storage in the shared arena,
// the same for threads and processes. Value and Array come with an RLock (get_lock(), as Python's
// synchronized wrappers); single loads and stores are atomic, but `v.value = v.value + 1` is a
// read-modify-write that loses updates under contention unless done under the lock (or with add()).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/arena/shared_object.hpp"
#include "engine/sync/lock.hpp"

namespace parlab::shared {

// Every type code of Python's array/ctypes. Char ("c", c_char) is a byte that Lua reads as a 1-byte string.
enum class Type : std::uint8_t { F64, F32, I64, I32, U8, Bool, I8, I16, U16, U32, U64, Char };

// Accepts the names "f64" "f32" "i64" "i32" "u8" "bool" "i8" "i16" "u16" "u32" "u64" "char" and ctypes'
// typecodes "d" "f" "q" "i" "B" "?" "b" "h" "H" "I" "Q" "c", with "l" and "L" (C long: 64 bits here).
bool parse_type(std::string_view name, Type& out) noexcept;
const char* type_name(Type t) noexcept;
std::size_t type_size(Type t) noexcept;
// Checks that x fits type t (integers: whole and in range; bool: 0 or 1); throws parlab::Error
// "<what>: <reason>" otherwise.
void check_fits(Type t, double x, const char* what);

// Atomic element access; x must fit (check_fits).
double load(Type t, const void* p) noexcept;
void store(Type t, void* p, double x) noexcept;
// Atomic p += delta; returns the new value. Integers wrap as in C.
double fetch_add(Type t, void* p, double delta) noexcept;

struct ValueObject : shm::Header {
  static constexpr std::uint32_t kKind = 0x56414c55;  // "VALU"
  ValueObject(Type t, double init);

  shm::Ref<sync::LockObject> lock;  // an RLock
  const Type type;
  alignas(8) unsigned char data[8] = {};
};

struct ArrayObject : shm::Header {
  static constexpr std::uint32_t kKind = 0x53415252;  // "SARR" (parlab.array's storage is "ARRY")
  ArrayObject(Type t, std::size_t n);                 // zero-filled
  ~ArrayObject();

  shm::Ref<sync::LockObject> lock;  // an RLock
  const Type type;
  const std::size_t size;
  unsigned char* data;  // in the arena, same address in every process
  void* at(std::size_t i) const noexcept { return data + i * type_size(type); }
};

// A fixed list of nil, booleans, numbers and strings, like Python's ShareableList: the number of items
// never changes, and each slot holds at most its capacity in string bytes (the initial string's length
// rounded up to 8, at least 8). Every access takes the list's internal lock, so items never tear.
struct ListObject : shm::Header {
  static constexpr std::uint32_t kKind = 0x4c495354;  // "LIST"
  enum Kind : std::uint8_t { Nil, False, True, Number, String };
  struct Item {
    Kind kind = Nil;
    double number = 0;
    std::string text;
  };
  struct Slot {
    Kind kind;
    std::uint32_t length;
    std::uint32_t capacity;
    std::uint64_t at;  // byte offset of the slot's string storage in text
    double number;
  };

  explicit ListObject(const std::vector<Item>& items);
  ~ListObject();

  Item get(std::size_t i);
  // Throws parlab::Error when a string is longer than the slot's capacity.
  void set(std::size_t i, const Item& item);
  std::size_t capacity(std::size_t i) const noexcept { return slots[i].capacity; }

  sync::WordLock mu;
  const std::size_t size;
  Slot* slots;
  char* text;
};

}  // namespace parlab::shared
