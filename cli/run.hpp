#pragma once
// lua.c's helpers for running code and reporting errors: docall, report, dochunk, dofile, dostring,
// dolibrary, handle_script. Every statement the CLI runs goes through docall.
#include <lua.hpp>

namespace parlab::cli {

// docall's status when a JIT-compiled loop ignored Ctrl-C and the handler escaped: the state is
// inconsistent and must be abandoned (never closed, never called again).
constexpr int kStateLost = -1;

// The prefix of every message: argv[0] as invoked ("parlab", "build/parlab"), as luajit prints its
// own; "parlab" until set or when argv[0] is empty.
void set_progname(const char* name);
const char* progname();

// Prints "PROGNAME: msg" on stderr.
void l_message(const char* msg);

// Prints the error at the top of the stack (popping it) when status is an error; returns status.
int report(lua_State* L, int status);

// Calls the function below narg arguments with a traceback handler and Ctrl-C armed.
int docall(lua_State* L, int narg, int nres);

int dochunk(lua_State* L, int status);
int dofile(lua_State* L, const char* name);  // name == nullptr: stdin
int dostring(lua_State* L, const char* s, const char* name);
// "-l mod" sets global mod = require "mod"; "-l g=mod" sets global g.
int dolibrary(lua_State* L, const char* spec);
// Runs argv[script] with argv[script+1..] as its arguments.
int handle_script(lua_State* L, char** argv, int script);

// arg as luajit sets it: arg[0] the script, arg[-1].. the interpreter and options, arg[1].. args.
void create_arg_table(lua_State* L, int argc, char** argv, int script);

}  // namespace parlab::cli
