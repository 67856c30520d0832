#pragma once
// How a Lua state joins the GIL (engine/core/gil.hpp). Every thread that runs Lua calls gil_enter_state in
// that thread once its state exists (right after luaL_newstate, or after open_state), whether the GIL
// is on or off: it registers the thread (so parlab.gil.enable can refuse once others run) and applies
// the JIT choice; with the GIL on it also takes the GIL, installs the count hook that honours drop
// requests, and switches the JIT off (compiled traces never run hooks). The process's main thread is
// entered automatically when require "parlab" runs in it. Calls nest per thread.
#include <lua.hpp>

namespace parlab::lua {

// name appears in parlab.gil.stats(); nullptr gives "thread <tid>".
void gil_enter_state(lua_State* L, const char* name = nullptr);
// After the thread's last Lua call: releases the GIL and unregisters the thread. Does not touch L, so
// it may run before or after lua_close(L) (after is better: finalizers run Lua).
void gil_leave_state(lua_State* L);

}  // namespace parlab::lua
