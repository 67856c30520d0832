// The REPL loop with lua.c's names: pushline, addreturn, multiline, incomplete, loadline, l_print.
#include "cli/repl.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/lineedit.hpp"
#include "cli/run.hpp"
#include "cli/sigint.hpp"

namespace parlab::cli {
namespace {

// loadline's results beside Lua's status codes.
constexpr int kEndOfInput = -10;
constexpr int kCancelled = -11;
constexpr int kCommand = -12;

const char* get_prompt(lua_State* L, bool first) {
  lua_getglobal(L, first ? "_PROMPT" : "_PROMPT2");
  const char* p = lua_tostring(L, -1);
  lua_pop(L, 1);  // the string stays reachable from the global while it is used
  return p ? p : first ? "> " : ">> ";
}

// Reads a line, pushes it and adds it to typed (what the history keeps).
LineResult pushline(lua_State* L, LineEditor& editor, bool first, std::string& typed) {
  std::string line;
  LineResult r = editor.read(get_prompt(L, first), line);
  if (r != LineResult::kLine) return r;
  typed += first ? line : "\n" + line;
  lua_pushlstring(L, line.data(), line.size());
  return r;
}

// A syntax error at the end of the input means the chunk goes on: read more lines.
bool incomplete(lua_State* L, int status) {
  if (status != LUA_ERRSYNTAX) return false;
  size_t len = 0;
  const char* msg = lua_tolstring(L, -1, &len);
  const char* mark = "<eof>";
  const char* at = msg ? std::strstr(msg, mark) : nullptr;
  if (!at || (at[5] != '\0' && std::strcmp(at + 5, "'") != 0)) return false;
  lua_pop(L, 1);
  return true;
}

// Tries the line as "return <line>" so an expression prints its values. The values pass through
// select(1, ...) so that a call in the line is not a tail call and its errors keep "stdin:1:".
int addreturn(lua_State* L) {
  size_t len = 0;
  const char* line = lua_tolstring(L, -1, &len);
  while (len > 0 && (line[len - 1] == ';' || std::isspace(static_cast<unsigned char>(line[len - 1]))))
    --len;  // "x;" is an expression too, as in Lua 5.4
  lua_pushliteral(L, "return select(1, ");
  lua_pushlstring(L, line, len);
  lua_pushliteral(L, "\n)");
  lua_concat(L, 3);
  int status = luaL_loadbuffer(L, lua_tostring(L, -1), lua_objlen(L, -1), "=stdin");
  if (status == 0)
    lua_remove(L, -2);  // the "return" text; the compiled chunk stays above the line
  else
    lua_pop(L, 2);
  return status;
}

// Compiles the line, reading continuation lines while the chunk is incomplete.
int multiline(lua_State* L, LineEditor& editor, std::string& typed) {
  for (;;) {
    size_t len = 0;
    const char* text = lua_tolstring(L, 1, &len);
    int status = luaL_loadbuffer(L, text, len, "=stdin");
    if (!incomplete(L, status)) return status;
    LineResult r = pushline(L, editor, false, typed);
    if (r == LineResult::kCancelled) return kCancelled;
    if (r == LineResult::kEnd) return luaL_loadbuffer(L, text, len, "=stdin");  // lua.c's "<eof>" error
    lua_pushliteral(L, "\n");
    lua_insert(L, -2);
    lua_concat(L, 3);
  }
}

bool is_command(const char* line) { return line[0] == ':' && line[1] != ':'; }

// Leaves the compiled chunk (or, for a command, the line) on the stack; the stack starts empty.
int loadline(lua_State* L, LineEditor& editor) {
  lua_settop(L, 0);
  std::string typed;
  LineResult r = pushline(L, editor, true, typed);
  if (r == LineResult::kEnd) return kEndOfInput;
  if (r == LineResult::kCancelled) return kCancelled;
  const char* line = lua_tostring(L, 1);
  if (is_command(line)) {
    editor.remember(typed);
    return kCommand;
  }
  if (line[0] == '=') {  // "=expr" is "return expr", as in Lua 5.1 to 5.3
    lua_pushfstring(L, "return %s", line + 1);
    lua_replace(L, 1);
  }
  int status = addreturn(L);
  if (status != 0) status = multiline(L, editor, typed);
  if (status == kCancelled || status == kEndOfInput) return status;
  editor.remember(typed);
  lua_remove(L, 1);
  return status;
}

// Pushes require("parlab.repl")[name]; reports and returns false when that fails.
bool push_repl_function(lua_State* L, const char* name) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "parlab.repl");
  if (report(L, lua_pcall(L, 1, 1, 0)) != 0) return false;
  lua_getfield(L, -1, name);
  lua_remove(L, -2);
  return true;
}

// Prints the values left on the stack with the REPL's printer (tables pretty-printed).
int l_print(lua_State* L) {
  int n = lua_gettop(L);
  if (n == 0) return 0;
  if (!push_repl_function(L, "show")) return 0;
  lua_insert(L, 1);
  return report(L, docall(L, n, 0));
}

// After a Ctrl-C during a statement the terminal echoed "^C": what follows starts a new line.
void end_ctrl_c_line() {
  if (sigint::presses() > 0) std::fputs("\n", stdout);
}

int run_command(lua_State* L) {
  if (!push_repl_function(L, "command")) return 0;
  lua_insert(L, 1);
  int status = docall(L, 1, 0);
  end_ctrl_c_line();
  return report(L, status);
}

// One line of input: read, run, print. Returns kEndOfInput at the end, kStateLost after an escape.
int step(lua_State* L, LineEditor& editor) {
  int status = loadline(L, editor);
  if (status == kEndOfInput) return status;
  if (status == kCancelled) {
    std::fputs("^C\n", stdout);
    std::fflush(stdout);
    return 0;
  }
  if (status == kCommand) return run_command(L);
  if (status != 0) return report(L, status);
  status = docall(L, 0, LUA_MULTRET);
  end_ctrl_c_line();
  return status == 0 ? l_print(L) : report(L, status);
}

void banner(const LineEditor& editor) {
  if (!editor.on_terminal()) return;
  std::fputs("Type :help for REPL commands, Ctrl-D to leave.\n", stdout);
  std::fflush(stdout);
}

}  // namespace

int repl(lua_State*& L, const CommandLine& cl) {
  LineEditor editor(&L);
  sigint::set_escape_presses(2);  // a JIT loop is forced out (losing the state) on the second Ctrl-C
  banner(editor);
  for (;;) {
    int status = step(L, editor);
    if (status == kEndOfInput) break;
    if (status != kStateLost) continue;
    lua_State* fresh = new_state(cl);
    if (!fresh) return kStateLost;  // the old state is gone and no new one: leave
    L = fresh;
    l_message(
        "interrupted: a JIT-compiled loop ignored Ctrl-C, so it was stopped by force and\n"
        "        the Lua state was reset (globals and loaded modules are gone)");
  }
  lua_settop(L, 0);
  std::fputs("\n", stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace parlab::cli
