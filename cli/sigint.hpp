#pragma once
// Ctrl-C for the command line and the REPL.
//  - at the prompt: the line is dropped (readline returns with EINTR; take_prompt_interrupt() says so);
//  - while a statement runs: engine waits throw "interrupted" (parlab::interrupt::raise) and a Lua hook
//    raises "interrupted" at the next call, return or instruction, as lua.c does;
//  - LuaJIT's compiled traces never run hooks: from 0.3 s after Ctrl-C a timer probes where the main
//    thread is; when it is inside JIT-compiled code and Ctrl-C was pressed set_escape_presses()
//    times (REPL: twice, after a hint; script: once), the handler siglongjmps back to docall, which
//    reports the Lua state as lost (the REPL starts a fresh one, a script exits with 130);
//  - a third Ctrl-C, a second or more after the first, while the statement still runs (stuck in C
//    code) ends the process by SIGINT, as a plain lua would on the first.
#include <lua.hpp>

#include <csetjmp>

namespace parlab::cli::sigint {

// Installs the SIGINT handler for the calling (main) thread, unless SIGINT was ignored at start-up.
void install();

// docall's escape point while a statement runs (see begin/end).
extern sigjmp_buf escape;

// Brackets one statement run on L: clears old interrupts before, removes the timer and the interrupt
// hook after (a hook the state had before, such as the GIL's, is put back).
void begin(lua_State* L);
void end(lua_State* L);

// Removes the interrupt hook, putting back the one before (the traceback handler does this before
// it may call __tostring).
void disarm(lua_State* L);

// True (once) when Ctrl-C came while no statement ran, e.g. at the prompt.
bool take_prompt_interrupt();
// The same without clearing it (the line editor's wait checks it).
bool prompt_interrupt_pending();

// Ctrl-C presses during the current or last statement.
int presses();

// How many presses force a JIT-compiled loop out (abandoning the state): 2 in the REPL (the
// first one prints a hint), 1 for scripts, which exit anyway.
void set_escape_presses(int presses);

// Seconds after the first Ctrl-C before the JIT probe starts, and between probes.
constexpr double kProbeDelay = 0.3;
constexpr double kProbeInterval = 0.05;

}  // namespace parlab::cli::sigint
