#pragma once
// What an Interpreter and the Arrays made in it share: the Lua state, its options, the allocator's
// count and the time limit's deadline. Internal to embed/ (not installed).
#include <lua.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "parlab/options.hpp"
#include "parlab/value.hpp"

namespace parlab::embed::detail {

struct Shared : std::enable_shared_from_this<Shared> {
  explicit Shared(const Options& o) : options(o) {}
  ~Shared();
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  lua_State* L = nullptr;
  Options options;
  std::size_t used = 0;  // bytes the allocator holds for L
  std::chrono::steady_clock::time_point deadline;
  bool expired = false;  // the running call passed its deadline
  int depth = 0;         // calls from C++ into Lua now running (one, or more when a host function calls back)
  int host_side = 0;     // > 0: the host is pushing or reading values; the memory limit is for scripts

  // The Shared of a state made by make_state (the allocator's user data).
  static Shared& of(lua_State* L);
  // An Array for the f64 parlab array at stack index idx of L (kept by a registry reference).
  Array array_at(lua_State* L, int idx);
  // Pushes the Lua array an Array of this interpreter refers to; std::invalid_argument for another's.
  void push_array(lua_State* L, const Array& a);
};

// Pushes v (convert.cpp). Raises a Lua error when out of memory.
void push_value(Shared& s, lua_State* L, const Value& v);
// The value at idx; std::invalid_argument for a kind with no C++ counterpart (a function, a table that
// is not a list of numbers, ...). `what` names the value in that message ("argument 2").
Value to_value(Shared& s, lua_State* L, int idx, const std::string& what);

// Runs the function below nargs arguments on L's stack under the time limit (call.cpp): returns its
// results, or throws Error built from the failure. The stack is back where it was below the function.
Values protected_call(Shared& s, int nargs);

// While one lives, allocations are the host's (arguments, results, loading a chunk): the memory limit
// does not refuse them, so a push outside a protected call never raises. protected_call lifts it for
// the call itself.
struct HostSide {
  explicit HostSide(Shared& s) : s(s) { ++s.host_side; }
  ~HostSide() { --s.host_side; }
  HostSide(const HostSide&) = delete;
  HostSide& operator=(const HostSide&) = delete;
  Shared& s;
};

// Makes s.L with the limited allocator (limits.cpp); false when out of memory.
bool make_state(Shared& s);
// Turns the JIT compiler off when there is a time limit. After the libraries are open: opening the jit
// library switches the compiler on again.
void apply_jit_mode(Shared& s);
// Starts and stops the time limit of one run or call (no effect without a time limit).
void arm_time_limit(Shared& s);
void disarm_time_limit(Shared& s);

// Opens the libraries libs allows (libraries.cpp), in a protected call: 0, or lua_cpcall's status with
// the error message on the stack.
int open_libraries(lua_State* L, const Libraries& libs);

}  // namespace parlab::embed::detail
