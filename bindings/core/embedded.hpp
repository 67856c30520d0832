#pragma once
// Lua files compiled into the binary by cmake/EmbedLua.cmake: the bindings' (bindings/modules/*.lua) in
// embedded_chunks; the REPL's (cli/lua/*.lua) in the executable's own table.
#include <cstddef>

namespace parlab::lua {

struct EmbeddedChunk {
  const char* name;  // file name without ".lua"; the chunk is run as "@parlab/NAME.lua"
  const char* code;
  size_t size;
};

// Each table ends with an entry whose name is nullptr.
extern const EmbeddedChunk embedded_chunks[];
extern const EmbeddedChunk cli_chunks[];  // defined in the parlab executable only

}  // namespace parlab::lua
