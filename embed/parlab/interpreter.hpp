#pragma once
// One Lua interpreter (a LuaJIT state) with the libraries and limits of its Options. Not thread-safe:
// use an Interpreter from one thread at a time (the parlab module inside it starts its own threads).
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "options.hpp"
#include "value.hpp"

struct lua_State;

namespace parlab::embed {

namespace detail {
struct Shared;
}

class Interpreter {
 public:
  using Function = std::function<Values(const Values&)>;

  // Throws std::invalid_argument for options that cannot hold (a time limit with the jit library on:
  // compiled code never reads the clock; bytecode off with io on), std::bad_alloc when the state cannot
  // be made, and parlab::embed::Error when opening the libraries fails.
  explicit Interpreter(const Options& options = Options::trusted());
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Runs a chunk and returns what it returns. `name` is the chunk name in messages ("=name" as is,
  // "@file" as a file). Throws parlab::Error.
  Values run_string(std::string_view code, const std::string& name = "=(string)");
  Values run_file(const std::string& path);

  // Calls the global function `name` ("f", or a dotted path such as "lib.f") with args; throws
  // parlab::Error when it fails or is not a function.
  Values call(const std::string& name, const Values& args = {});
  template <class... A>
  Values call_with(const std::string& name, A&&... args) {
    return call(name, Values{Value(std::forward<A>(args))...});
  }

  // Sets global `name` to a Lua function that calls f. An exception f throws becomes a Lua error with
  // its what() text at the script's calling line (std::exception only; anything else is "unknown").
  void register_function(const std::string& name, Function f);

  void set_global(const std::string& name, const Value& v);
  Value global(const std::string& name);

  // A new zero-filled parlab array of n doubles in this interpreter (needs the parlab library).
  Array new_array(std::size_t n);

  // Bytes the Lua allocator holds now (what the memory limit counts).
  std::size_t memory_used() const noexcept;

  const Options& options() const noexcept;
  // The raw state, for the Lua C API (lua.hpp from LuaJIT); valid while the Interpreter lives.
  lua_State* state() const noexcept;

 private:
  std::shared_ptr<detail::Shared> shared_;
};

}  // namespace parlab::embed
