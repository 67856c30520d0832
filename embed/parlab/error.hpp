#pragma once
// The exception an Interpreter throws when Lua code fails: the Lua error's text (which starts with the
// script's file:line for a runtime error), that location alone, the traceback, and what kind of failure
// it was, so a host can tell a script's bug from a limit it hit.
#include <stdexcept>
#include <string>

namespace parlab::embed {

enum class ErrorKind {
  Syntax,     // the chunk did not compile
  Runtime,    // error() or a failing operation in the script
  Memory,     // the memory limit (or the system) refused an allocation: "not enough memory"
  TimeLimit,  // the wall-clock limit ran out
  File,       // a script file could not be read
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message, std::string traceback);
  ErrorKind kind() const noexcept { return kind_; }
  // "file:line" of the failing code when the message starts with one ("script.lua:3"), else "".
  const std::string& location() const noexcept { return location_; }
  // Lua's "stack traceback:" text; "" for syntax, memory and file errors, where Lua gives none.
  const std::string& traceback() const noexcept { return traceback_; }

 private:
  ErrorKind kind_;
  std::string location_;
  std::string traceback_;
};

}  // namespace parlab::embed
