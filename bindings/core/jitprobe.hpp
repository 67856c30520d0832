#pragma once
// Whether an interrupted program counter lies in JIT-compiled code: LuaJIT's machine code lives in
// anonymous executable mappings, while the interpreter and every C function live in mapped files.
#include <cstdint>

namespace parlab::lua {

// Async-signal-safe (open/read/close on /proc/self/maps, no allocation).
bool in_anonymous_code(std::uintptr_t pc) noexcept;

// The program counter saved in a signal handler's ucontext; 0 where the platform is unknown.
std::uintptr_t interrupted_pc(const void* ucontext) noexcept;

}  // namespace parlab::lua
