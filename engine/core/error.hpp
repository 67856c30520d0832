#pragma once
// The one exception type the engine throws; bindings/core/errors.cpp turns it into a Lua error.
#include <stdexcept>
#include <string>

namespace parlab {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by blocking calls that ran out of time (queue get, lock acquire, join ...).
class Timeout : public Error {
 public:
  using Error::Error;
};

}  // namespace parlab
