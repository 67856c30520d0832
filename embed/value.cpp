// Value's checked accessors (the wrong kind is a std::invalid_argument naming both kinds).
#include "parlab/value.hpp"

#include <stdexcept>
#include <string>

namespace parlab::embed {
namespace {

template <class T>
const T& get(const std::variant<std::monostate, bool, double, std::string, std::vector<double>, Array>& v,
             Value::Kind want) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  throw std::invalid_argument(std::string("parlab::embed::Value: expected ") + kind_name(want) + ", got " +
                              kind_name(Value::Kind(v.index())));
}

}  // namespace

const char* kind_name(Value::Kind k) noexcept {
  switch (k) {
    case Value::Kind::Nil: return "nil";
    case Value::Kind::Boolean: return "boolean";
    case Value::Kind::Number: return "number";
    case Value::Kind::String: return "string";
    case Value::Kind::Numbers: return "numbers";
    case Value::Kind::Array: return "array";
  }
  return "?";
}

bool Value::as_bool() const { return get<bool>(v_, Kind::Boolean); }
double Value::as_number() const { return get<double>(v_, Kind::Number); }
const std::string& Value::as_string() const { return get<std::string>(v_, Kind::String); }
const std::vector<double>& Value::as_numbers() const { return get<std::vector<double>>(v_, Kind::Numbers); }
const Array& Value::as_array() const { return get<Array>(v_, Kind::Array); }

}  // namespace parlab::embed
