#include "engine/sync/value.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include "engine/core/error.hpp"

namespace parlab::shared {
namespace {

struct TypeInfo {
  const char* name;
  const char* code;
  std::size_t size;
  double lo, hi;  // inclusive range for integers
};
const TypeInfo kTypes[] = {
    {"f64", "d", 8, 0, 0},
    {"f32", "f", 4, 0, 0},
    {"i64", "q", 8, -9223372036854775808.0, 9223372036854775807.0},
    {"i32", "i", 4, -2147483648.0, 2147483647.0},
    {"u8", "B", 1, 0, 255},
    {"bool", "?", 1, 0, 1},
    {"i8", "b", 1, -128, 127},
    {"i16", "h", 2, -32768, 32767},
    {"u16", "H", 2, 0, 65535},
    {"u32", "I", 4, 0, 4294967295.0},
    {"u64", "Q", 8, 0, 18446744073709551615.0},
    {"char", "c", 1, 0, 255},
};
constexpr int kTypeCount = int(sizeof kTypes / sizeof kTypes[0]);
const TypeInfo& info(Type t) { return kTypes[static_cast<int>(t)]; }
bool is_float(Type t) { return t == Type::F64 || t == Type::F32; }

template <class I>
double add_int(void* p, double delta) {
  using U = std::make_unsigned_t<I>;
  U d = static_cast<U>(static_cast<std::int64_t>(delta));
  U r = __atomic_add_fetch(static_cast<U*>(p), d, __ATOMIC_SEQ_CST);
  return double(static_cast<I>(r));
}

template <class I>
void store_int(void* p, double x) {
  __atomic_store_n(static_cast<I*>(p), static_cast<I>(x), __ATOMIC_SEQ_CST);
}

template <class F, class Bits>
double add_float(void* p, double delta) {
  Bits old = __atomic_load_n(static_cast<Bits*>(p), __ATOMIC_RELAXED);
  for (;;) {
    F f;
    std::memcpy(&f, &old, sizeof f);
    F n = static_cast<F>(f + delta);
    Bits nb;
    std::memcpy(&nb, &n, sizeof nb);
    if (__atomic_compare_exchange_n(static_cast<Bits*>(p), &old, nb, true, __ATOMIC_SEQ_CST,
                                    __ATOMIC_RELAXED))
      return n;
  }
}

}  // namespace

bool parse_type(std::string_view name, Type& out) noexcept {
  for (int i = 0; i < kTypeCount; ++i) {
    if (name == kTypes[i].name || name == kTypes[i].code) {
      out = static_cast<Type>(i);
      return true;
    }
  }
  if (name == "l") return out = Type::I64, true;  // C long and unsigned long on this platform
  if (name == "L") return out = Type::U64, true;
  return false;
}

const char* type_name(Type t) noexcept { return info(t).name; }
std::size_t type_size(Type t) noexcept { return info(t).size; }

void check_fits(Type t, double x, const char* what) {
  if (is_float(t)) return;
  char num[32];
  std::snprintf(num, sizeof num, "%.17g", x);
  if (std::isnan(x) || x != std::floor(x))
    throw Error(std::string(what) + ": " + num + " is not a whole number (type " + info(t).name + ")");
  // 2^63 and 2^64 are the first doubles past the i64 and u64 ranges (their upper bounds round up to them).
  if (x < info(t).lo || x > info(t).hi || (t == Type::I64 && x >= 9223372036854775808.0) ||
      (t == Type::U64 && x >= 18446744073709551616.0))
    throw Error(std::string(what) + ": " + num + " is out of range for " + info(t).name);
}

double load(Type t, const void* p) noexcept {
  switch (t) {
    case Type::F64: {
      std::uint64_t b = __atomic_load_n(static_cast<const std::uint64_t*>(p), __ATOMIC_SEQ_CST);
      double d;
      std::memcpy(&d, &b, 8);
      return d;
    }
    case Type::F32: {
      std::uint32_t b = __atomic_load_n(static_cast<const std::uint32_t*>(p), __ATOMIC_SEQ_CST);
      float f;
      std::memcpy(&f, &b, 4);
      return f;
    }
    case Type::I64: return double(__atomic_load_n(static_cast<const std::int64_t*>(p), __ATOMIC_SEQ_CST));
    case Type::I32: return __atomic_load_n(static_cast<const std::int32_t*>(p), __ATOMIC_SEQ_CST);
    case Type::U8:
    case Type::Bool:
    case Type::Char: return __atomic_load_n(static_cast<const std::uint8_t*>(p), __ATOMIC_SEQ_CST);
    case Type::I8: return __atomic_load_n(static_cast<const std::int8_t*>(p), __ATOMIC_SEQ_CST);
    case Type::I16: return __atomic_load_n(static_cast<const std::int16_t*>(p), __ATOMIC_SEQ_CST);
    case Type::U16: return __atomic_load_n(static_cast<const std::uint16_t*>(p), __ATOMIC_SEQ_CST);
    case Type::U32: return __atomic_load_n(static_cast<const std::uint32_t*>(p), __ATOMIC_SEQ_CST);
    case Type::U64: return double(__atomic_load_n(static_cast<const std::uint64_t*>(p), __ATOMIC_SEQ_CST));
  }
  return 0;
}

void store(Type t, void* p, double x) noexcept {
  switch (t) {
    case Type::F64: {
      std::uint64_t b;
      std::memcpy(&b, &x, 8);
      __atomic_store_n(static_cast<std::uint64_t*>(p), b, __ATOMIC_SEQ_CST);
      return;
    }
    case Type::F32: {
      float f = static_cast<float>(x);
      std::uint32_t b;
      std::memcpy(&b, &f, 4);
      __atomic_store_n(static_cast<std::uint32_t*>(p), b, __ATOMIC_SEQ_CST);
      return;
    }
    case Type::I64:
      __atomic_store_n(static_cast<std::int64_t*>(p), std::int64_t(x), __ATOMIC_SEQ_CST);
      return;
    case Type::I32:
      __atomic_store_n(static_cast<std::int32_t*>(p), std::int32_t(x), __ATOMIC_SEQ_CST);
      return;
    case Type::U8:
    case Type::Bool:
    case Type::Char: return store_int<std::uint8_t>(p, x);
    case Type::I8: return store_int<std::int8_t>(p, x);
    case Type::I16: return store_int<std::int16_t>(p, x);
    case Type::U16: return store_int<std::uint16_t>(p, x);
    case Type::U32: return store_int<std::uint32_t>(p, x);
    case Type::U64: return store_int<std::uint64_t>(p, x);
  }
}

double fetch_add(Type t, void* p, double delta) noexcept {
  switch (t) {
    case Type::F64: return add_float<double, std::uint64_t>(p, delta);
    case Type::F32: return add_float<float, std::uint32_t>(p, delta);
    case Type::I64: return add_int<std::int64_t>(p, delta);
    case Type::I32: return add_int<std::int32_t>(p, delta);
    case Type::U8:
    case Type::Bool:
    case Type::Char: return add_int<std::uint8_t>(p, delta);
    case Type::I8: return add_int<std::int8_t>(p, delta);
    case Type::I16: return add_int<std::int16_t>(p, delta);
    case Type::U16: return add_int<std::uint16_t>(p, delta);
    case Type::U32: return add_int<std::uint32_t>(p, delta);
    case Type::U64: return add_int<std::uint64_t>(p, delta);
  }
  return 0;
}

ValueObject::ValueObject(Type t, double init) : lock(shm::Ref<sync::LockObject>::create(true)), type(t) {
  store(t, data, init);
}

ArrayObject::ArrayObject(Type t, std::size_t n)
    : lock(shm::Ref<sync::LockObject>::create(true)), type(t), size(n) {
  std::size_t bytes = n * type_size(t);
  data = static_cast<unsigned char*>(shm::allocate(bytes ? bytes : 8));
  std::memset(data, 0, bytes);
}

ArrayObject::~ArrayObject() { shm::deallocate(data); }

namespace {
std::uint32_t slot_capacity(const ListObject::Item& item) {
  std::size_t n = item.kind == ListObject::String ? item.text.size() : 0;
  return std::uint32_t(n <= 8 ? 8 : (n + 7) / 8 * 8);
}
}  // namespace

ListObject::ListObject(const std::vector<Item>& items) : size(items.size()) {
  std::uint64_t total = 0;
  for (const Item& it : items) {
    if (it.kind == String && it.text.size() > 0x7fffffffu)
      throw Error("ShareableList: a string is too long (over 2 GiB)");
    total += slot_capacity(it);
  }
  slots = static_cast<Slot*>(shm::allocate(sizeof(Slot) * (size ? size : 1)));
  try {
    text = static_cast<char*>(shm::allocate(total ? total : 8));
  } catch (...) {
    shm::deallocate(slots);
    throw;
  }
  std::uint64_t at = 0;
  for (std::size_t i = 0; i < size; ++i) {
    slots[i] = Slot{Nil, 0, slot_capacity(items[i]), at, 0};
    at += slots[i].capacity;
    set(i, items[i]);
  }
}

ListObject::~ListObject() {
  shm::deallocate(text);
  shm::deallocate(slots);
}

ListObject::Item ListObject::get(std::size_t i) {
  Item out;
  mu.acquire(-1);
  const Slot& s = slots[i];
  out.kind = s.kind;
  out.number = s.number;
  if (s.kind == String) out.text.assign(text + s.at, s.length);
  mu.release();
  return out;
}

void ListObject::set(std::size_t i, const Item& item) {
  Slot& s = slots[i];
  if (item.kind == String && item.text.size() > s.capacity)
    throw Error("ShareableList: a string of " + std::to_string(item.text.size()) +
                " bytes does not fit slot " + std::to_string(i) + " (capacity " + std::to_string(s.capacity) +
                " bytes)");
  mu.acquire(-1);
  s.kind = item.kind;
  s.number = item.number;
  s.length = item.kind == String ? std::uint32_t(item.text.size()) : 0;
  if (s.length) std::memcpy(text + s.at, item.text.data(), s.length);
  mu.release();
}

}  // namespace parlab::shared
