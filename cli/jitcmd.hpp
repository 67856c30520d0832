#pragma once
// luajit's -j and -O options: "-j off", "-jv=file", "-O3", "-O-fold,+loop".
#include <lua.hpp>

namespace parlab::cli {

// -j cmd[=arg[,arg...]]: jit.cmd(args) or require("jit.cmd").start(args).
int dojitcmd(lua_State* L, const char* cmd);
// -O[level|+flag|-flag|param=value,...]: jit.opt.start(...).
int dojitopt(lua_State* L, const char* opt);

}  // namespace parlab::cli
