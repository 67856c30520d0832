#pragma once
// Whether an interrupted program counter lies in JIT-compiled code: LuaJIT's machine code lives in
// anonymous executable mappings, while the interpreter and every C function live in mapped files.
#include <cstdint>

namespace parlab::lua {

// Async-signal-safe (open/read/close on /proc/self/maps, no allocation); no system call at all for a pc
// in parlab's, LuaJIT's or libc's code once prepare_jitprobe has run.
bool in_anonymous_code(std::uintptr_t pc) noexcept;

// Notes where parlab's, LuaJIT's and libc's code lie (one read of /proc/self/maps). Call it outside any
// signal handler, before installing a handler that probes often (a thread's stop signal, resent every
// 10 ms); the CLI's Ctrl-C handler probes once a press and does without. Later calls do nothing.
void prepare_jitprobe() noexcept;

// The program counter saved in a signal handler's ucontext; 0 where the platform is unknown.
std::uintptr_t interrupted_pc(const void* ucontext) noexcept;

}  // namespace parlab::lua
