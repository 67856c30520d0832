#pragma once
// A value crossing between C++ and Lua: nil, a boolean, a number, a string, a list of numbers (a Lua
// table, copied) or a parlab array (shared memory, not copied: C++ and Lua see the same elements).
#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace parlab::embed {

namespace detail {
struct Shared;  // the interpreter's Lua state, kept alive by every Array made in it
}

// A parlab array of doubles (parlab.array("f64", n)) owned by one Interpreter. Copies share the elements;
// the memory lives while any copy (or the Lua side) holds it, even after the Interpreter is gone.
class Array {
 public:
  Array() = default;
  double* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  double& operator[](std::size_t i) const noexcept { return data_[i]; }
  double* begin() const noexcept { return data_; }
  double* end() const noexcept { return data_ + size_; }

 private:
  friend struct detail::Shared;
  struct Ref;
  std::shared_ptr<Ref> ref_;  // the Lua value, held in the registry of the interpreter's state
  double* data_ = nullptr;
  std::size_t size_ = 0;
};

class Value {
 public:
  enum class Kind { Nil, Boolean, Number, String, Numbers, Array };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(double d) : v_(d) {}
  Value(int i) : v_(double(i)) {}
  Value(long i) : v_(double(i)) {}
  Value(long long i) : v_(double(i)) {}
  Value(unsigned i) : v_(double(i)) {}
  Value(unsigned long i) : v_(double(i)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::vector<double> xs) : v_(std::move(xs)) {}
  Value(Array a) : v_(std::move(a)) {}

  Kind kind() const noexcept { return Kind(v_.index()); }
  bool is_nil() const noexcept { return kind() == Kind::Nil; }
  // Each throws std::invalid_argument naming both kinds when the value is of another kind.
  bool as_bool() const;
  double as_number() const;
  const std::string& as_string() const;
  const std::vector<double>& as_numbers() const;
  const Array& as_array() const;

 private:
  std::variant<std::monostate, bool, double, std::string, std::vector<double>, Array> v_;
};

using Values = std::vector<Value>;

const char* kind_name(Value::Kind k) noexcept;  // "nil", "boolean", "number", "string", "numbers", "array"

}  // namespace parlab::embed
