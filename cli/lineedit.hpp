#pragma once
// Reading one line for the REPL: libedit with history and completion on a terminal, plain stdio
// otherwise (piped input with -i, or a terminal where libedit cannot be loaded).
#include <lua.hpp>

#include <string>

namespace parlab::cli {

namespace libedit {
struct Api;
}

enum class LineResult { kLine, kEnd, kCancelled };

class LineEditor {
 public:
  // state points at the REPL's current state (completion asks its globals).
  explicit LineEditor(lua_State* const* state);
  LineResult read(const char* prompt, std::string& line);
  // Adds an entry to the history and saves the history file.
  void remember(const std::string& entry);
  bool on_terminal() const { return terminal_; }

 private:
  bool terminal_;
  std::string history_path_;
  const libedit::Api* edit_ = nullptr;  // null: plain stdio
};

}  // namespace parlab::cli
