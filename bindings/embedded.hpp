#pragma once
// The Lua side of the bindings (bindings/lua/*.lua), compiled into the binary by cmake/EmbedLua.cmake.
#include <cstddef>

namespace parlab::lua {

struct EmbeddedChunk {
  const char* name;  // file name without ".lua"; the chunk is run as "@parlab/NAME.lua"
  const char* code;
  size_t size;
};

// Ends with an entry whose name is nullptr.
extern const EmbeddedChunk embedded_chunks[];

}  // namespace parlab::lua
