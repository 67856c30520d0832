// Finds the shared object's own path with dladdr and, from it, the installed parlab executable; at load
// time tells the spawn start method to run that executable, and makes the object's symbols global so
// the FFI's ffi.C finds the array entry points (a Lua host's require loads C modules RTLD_LOCAL).
#include "bindings/library/locate.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "engine/exec/process_spawn.hpp"

namespace parlab::library {
namespace {

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool executable_file(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// Promotes this object to the global symbol scope (RTLD_NOLOAD: it is loaded already, nothing else
// changes). Harmless where it is global already (an embedding program linked with -lparlab).
void make_symbols_global(const std::string& self) {
  if (!self.empty()) dlopen(self.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
}

struct AtLoad {
  AtLoad() {
    std::string self = self_path();
    make_symbols_global(self);
    process::spawn::set_executable(find_executable());
  }
};
const AtLoad at_load;

}  // namespace

std::string self_path() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&self_path), &info) == 0 || !info.dli_fname) return "";
  char real[PATH_MAX];
  if (!realpath(info.dli_fname, real)) return "";
  return real;
}

std::string find_executable() {
  if (const char* env = std::getenv("PARLAB_EXECUTABLE"); env && *env) return env;
  std::string dir = dir_of(self_path());
  const char* relative[] = {"/../bin/parlab", "/../../../bin/parlab", "/parlab", "/../parlab"};
  for (const char* r : relative)
    if (executable_file(dir + r)) return dir + r;
  return "";
}

}  // namespace parlab::library
