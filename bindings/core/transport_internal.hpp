#pragma once
// Shared by the transport walker (transport.cpp), its decoder (transport_decode.cpp) and its Lua face
// (lua_transport.cpp): where the per-state helper tables live and how to fetch them fast.
#include <lua.hpp>

#include <string_view>

namespace parlab::lua::transport_detail {

// Registry keys (light userdata, so a lookup is one rawget with no string hashing).
extern char kHelpersKey;  // the helper table: kinds, kinds_by_name, and the functions transport.lua adds
extern char kNamesKey;    // value -> "math.sin": standard values that travel by name (built on first use)
extern char kValuesKey;   // "math.sin" -> value: the same names resolved in this state

// Pushes the helper table (created by the C module at open).
void push_helpers(lua_State* L);
// Pushes helpers[field], which must be a function set by bindings/modules/transport.lua.
void push_helper_function(lua_State* L, const char* field);
// Pushes the value->name map (key == &kNamesKey) or the name->value map (&kValuesKey), building both
// on first use by calling helpers.build_names().
void push_names(lua_State* L, char* key);
// In a lazy state (open_state_lazy) where parlab is not open yet: pushes the standard value name (not
// under "parlab") resolves to, as the name->value map would, and returns true, so a function that uses
// only the standard libraries arrives without opening parlab. Else pushes nothing and returns false.
bool push_unopened_value(lua_State* L, std::string_view name);

}  // namespace parlab::lua::transport_detail
