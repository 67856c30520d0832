// Interpreter: making the state with its options, running chunks and files, calling global functions,
// reading and setting globals. Every step that runs Lua goes through protected_call (call.cpp).
#include "parlab/interpreter.hpp"

#include <lua.hpp>

#include <cstdio>
#include <fstream>
#include <new>
#include <sstream>
#include <stdexcept>

#include "embed/shared.hpp"
#include "parlab/error.hpp"

namespace parlab::embed {
namespace {

int panic(lua_State* L) {
  std::fprintf(stderr, "parlab::embed: unprotected error in the Lua state (%s)\n", lua_tostring(L, -1));
  return 0;
}

void check(const Options& o) {
  if (o.limits.seconds > 0 && o.libraries.jit)
    throw std::invalid_argument(
        "parlab::embed::Interpreter: a time limit needs the jit library off (jit.on would compile loops "
        "that never read the clock)");
  if (!o.libraries.bytecode && o.libraries.io)
    throw std::invalid_argument(
        "parlab::embed::Interpreter: bytecode off needs io off (dofile and require load precompiled files)");
  if (o.limits.seconds < 0) throw std::invalid_argument("parlab::embed::Interpreter: negative time limit");
}

// The chunk (or its load error) is on the stack: run it, or throw the load error.
Values run_loaded(detail::Shared& s, int status) {
  if (status == 0) return detail::protected_call(s, 0);
  std::string text = lua_isstring(s.L, -1) ? lua_tostring(s.L, -1) : "cannot load the chunk";
  lua_pop(s.L, 1);
  throw Error(status == LUA_ERRMEM ? ErrorKind::Memory : ErrorKind::Syntax, text, "");
}

// Pushes the value at a dotted path of globals ("lib.f"), by raw lookups (no metamethods run).
void push_path(lua_State* L, const std::string& name) {
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string part = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      lua_pushnil(L);
      return;
    }
    lua_pushlstring(L, part.data(), part.size());
    lua_rawget(L, -2);
    lua_remove(L, -2);
    if (dot == std::string::npos) return;
    start = dot + 1;
  }
}

}  // namespace

namespace detail {
Shared::~Shared() {
  if (L) lua_close(L);
}
}  // namespace detail

Interpreter::Interpreter(const Options& options) {
  check(options);
  shared_ = std::make_shared<detail::Shared>(options);
  if (!detail::make_state(*shared_)) throw std::bad_alloc();
  lua_atpanic(shared_->L, panic);
  if (int status = detail::open_libraries(shared_->L, options.libraries); status != 0) {
    std::string text = lua_isstring(shared_->L, -1) ? lua_tostring(shared_->L, -1) : "?";
    throw Error(status == LUA_ERRMEM ? ErrorKind::Memory : ErrorKind::Runtime,
                "parlab::embed::Interpreter: opening the libraries failed: " + text, "");
  }
  detail::apply_jit_mode(*shared_);
}

Interpreter::~Interpreter() = default;

Values Interpreter::run_string(std::string_view code, const std::string& name) {
  lua_State* L = shared_->L;
  detail::HostSide host(*shared_);
  if (!shared_->options.libraries.bytecode && !code.empty() && code[0] == '\033')
    throw Error(ErrorKind::Syntax, name + ": a precompiled chunk, and bytecode is off", "");
  return run_loaded(*shared_, luaL_loadbuffer(L, code.data(), code.size(), name.c_str()));
}

Values Interpreter::run_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::File, "cannot open " + path, "");
  std::ostringstream text;
  text << in.rdbuf();
  std::string code = text.str();
  if (!code.empty() && code[0] == '#') code.erase(0, code.find('\n'));  // a #! line; keeps line numbers
  return run_string(code, "@" + path);
}

Values Interpreter::call(const std::string& name, const Values& args) {
  lua_State* L = shared_->L;
  detail::HostSide host(*shared_);
  if (!lua_checkstack(L, int(args.size()) + 8)) throw std::invalid_argument(name + ": too many arguments");
  push_path(L, name);
  if (!lua_isfunction(L, -1) && !luaL_getmetafield(L, -1, "__call")) {
    std::string got = luaL_typename(L, -1);
    lua_pop(L, 1);
    throw Error(ErrorKind::Runtime, name + " is not a function (a " + got + " value)", "");
  }
  if (!lua_isfunction(L, -1)) lua_pop(L, 1);  // the __call field: the value itself is called
  for (const Value& v : args) detail::push_value(*shared_, L, v);
  return detail::protected_call(*shared_, int(args.size()));
}

void Interpreter::set_global(const std::string& name, const Value& v) {
  lua_State* L = shared_->L;
  detail::HostSide host(*shared_);
  lua_pushlstring(L, name.data(), name.size());
  detail::push_value(*shared_, L, v);
  lua_rawset(L, LUA_GLOBALSINDEX);
}

Value Interpreter::global(const std::string& name) {
  lua_State* L = shared_->L;
  detail::HostSide host(*shared_);
  push_path(L, name);
  try {
    Value v = detail::to_value(*shared_, L, -1, name);
    lua_pop(L, 1);
    return v;
  } catch (...) {
    lua_pop(L, 1);
    throw;
  }
}

Array Interpreter::new_array(std::size_t n) {
  if (!shared_->options.libraries.parlab)
    throw std::invalid_argument("parlab::embed::Interpreter::new_array: the parlab library is off");
  Values made = call("parlab.array", {"f64", double(n)});
  return made.at(0).as_array();
}

std::size_t Interpreter::memory_used() const noexcept { return shared_->used; }
const Options& Interpreter::options() const noexcept { return shared_->options; }
lua_State* Interpreter::state() const noexcept { return shared_->L; }

}  // namespace parlab::embed
