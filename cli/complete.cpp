// The words to complete come from Lua (cli/lua/repl.lua), so they see the live globals.
#include "cli/complete.hpp"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/libedit.hpp"

namespace parlab::cli {
namespace {

lua_State* const* current_state = nullptr;
const libedit::Api* api = nullptr;
std::vector<std::string> candidates;

// Lua side: fills candidates from complete(word); errors just mean no candidates.
int collect(lua_State* L) {
  const char* word = static_cast<const char*>(lua_touserdata(L, 1));
  lua_getglobal(L, "require");
  lua_pushliteral(L, "parlab.repl");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "complete");
  lua_pushstring(L, word);
  lua_call(L, 1, 1);
  if (!lua_istable(L, -1)) return 0;
  for (int i = 1;; ++i) {
    lua_rawgeti(L, -1, i);
    const char* s = lua_tostring(L, -1);
    if (!s) break;
    candidates.emplace_back(s);
    lua_pop(L, 1);
  }
  return 0;
}

char* next_candidate(const char*, int state) {
  static size_t next = 0;
  if (state == 0) next = 0;
  return next < candidates.size() ? strdup(candidates[next++].c_str()) : nullptr;
}

char** attempt_completion(const char* text, int, int) {
  *api->attempted_completion_over = 1;  // never fall back to file names
  candidates.clear();
  lua_State* L = current_state ? *current_state : nullptr;
  if (!L) return nullptr;
  int top = lua_gettop(L);
  if (lua_cpcall(L, collect, const_cast<char*>(text)) != 0) candidates.clear();
  lua_settop(L, top);
  if (candidates.empty()) return nullptr;
  return api->completion_matches(text, next_candidate);
}

// A word is a dotted name: '.' and ':' stay inside it so "string.fo" and "s:up" complete.
char word_breaks[] = " \t\n\"\\'`@$><=;|&{(,)}[]+-*/%^~#";

}  // namespace

void install_completion(lua_State* const* state, const libedit::Api& edit) {
  current_state = state;
  api = &edit;
  *edit.attempted_completion_function = attempt_completion;
  *edit.basic_word_break_characters = word_breaks;
  *edit.completer_word_break_characters = word_breaks;
  *edit.completion_append_character = '\0';
}

}  // namespace parlab::cli
