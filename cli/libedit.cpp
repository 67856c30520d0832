// Loads libedit with dlopen and looks up the entry points the REPL needs (see libedit.hpp for why).
#include "cli/libedit.hpp"

#include <dlfcn.h>

#include <cstdlib>

namespace parlab::cli::libedit {
namespace {

// The soname Debian's libedit2 installs; the unversioned name only exists with libedit-dev.
constexpr const char* kDefaultFile = "libedit.so.2";

template <typename T>
bool find(void* handle, const char* name, T& slot, std::string& why) {
  slot = reinterpret_cast<T>(dlsym(handle, name));
  if (!slot) why = std::string("libedit has no ") + name;
  return slot != nullptr;
}

bool find_all(void* h, Api& a, std::string& why) {
  return find(h, "readline", a.readline, why) && find(h, "rl_initialize", a.initialize, why) &&
         find(h, "using_history", a.using_history, why) && find(h, "stifle_history", a.stifle_history, why) &&
         find(h, "read_history", a.read_history, why) && find(h, "write_history", a.write_history, why) &&
         find(h, "add_history", a.add_history, why) &&
         find(h, "rl_completion_matches", a.completion_matches, why) &&
         find(h, "rl_catch_signals", a.catch_signals, why) &&
         find(h, "rl_getc_function", a.getc_function, why) &&
         find(h, "rl_attempted_completion_over", a.attempted_completion_over, why) &&
         find(h, "rl_attempted_completion_function", a.attempted_completion_function, why) &&
         find(h, "rl_basic_word_break_characters", a.basic_word_break_characters, why) &&
         find(h, "rl_completer_word_break_characters", a.completer_word_break_characters, why) &&
         find(h, "rl_completion_append_character", a.completion_append_character, why);
}

}  // namespace

const Api* load(std::string& why) {
  static Api api;
  static const Api* loaded = nullptr;
  static std::string failure;
  static bool tried = false;
  if (!tried) {
    tried = true;
    const char* env = std::getenv("PARLAB_LIBEDIT");
    const char* file = env && *env ? env : kDefaultFile;
    void* handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* e = dlerror();
      failure = e ? e : file;
    } else if (find_all(handle, api, failure)) {
      loaded = &api;
    } else {
      dlclose(handle);
    }
  }
  why = failure;
  return loaded;
}

}  // namespace parlab::cli::libedit
