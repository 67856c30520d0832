#pragma once
// The parlab threads running in this process, for threading.enumerate() and active_count(): each thread
// body enters itself when it starts and leaves when it ends (modules/lua_thread.cpp).
#include <string>

namespace parlab::lua {

void live_thread_enter(const void* key, const std::string& name);
void live_thread_leave(const void* key);

}  // namespace parlab::lua
