#pragma once
// Where the parlab library (libparlab.so, or the Lua module parlab.so) lies, and what that means for the
// files it needs: the parlab executable the spawn and forkserver start methods run. Only the two shared
// objects compile this folder; the parlab executable finds itself through /proc/self/exe.
#include <string>

namespace parlab::library {

// The real path (symbolic links resolved) of the shared object this code is in; "" when unknown.
std::string self_path();

// The parlab executable for spawned children: $PARLAB_EXECUTABLE when set, else the first executable
// file of PREFIX/bin/parlab for PREFIX/lib/libparlab.so and PREFIX/lib/lua/5.1/parlab.so, or parlab in
// the build tree (build/libparlab.so, build/lua/parlab.so); "" when there is none.
std::string find_executable();

}  // namespace parlab::library
