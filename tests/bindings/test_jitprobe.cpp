// in_anonymous_code (bindings/core/jitprobe.hpp): JIT-like code (an anonymous executable mapping) is told
// from C code, and once prepare_jitprobe has run, a pc in libc's or parlab's code costs no system call (a
// thread's stop handler probes every 10 ms; reading /proc/self/maps each time once stalled a stop).
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <string>

#include "bindings/core/jitprobe.hpp"

namespace {

using parlab::lua::in_anonymous_code;
using parlab::lua::prepare_jitprobe;

// libc's own definition (under a sanitizer, RTLD_DEFAULT may find its interceptor first).
std::uintptr_t address_of(const char* symbol) {
  void* libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
  void* at = libc ? dlsym(libc, symbol) : dlsym(RTLD_DEFAULT, symbol);
  if (libc) dlclose(libc);
  return reinterpret_cast<std::uintptr_t>(at);
}

// How many read system calls this process has made (/proc/self/io; its own read counts too).
long read_calls() {
  std::ifstream io("/proc/self/io");
  std::string key;
  long value = -1;
  while (io >> key >> value)
    if (key == "syscr:") return value;
  return -1;
}

}  // namespace

TEST_CASE("in_anonymous_code tells an anonymous executable mapping from C code") {
  void* code = mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(code != MAP_FAILED);
  auto at = reinterpret_cast<std::uintptr_t>(code);
  CHECK(in_anonymous_code(at + 100));
  CHECK_FALSE(in_anonymous_code(address_of("read")));
  CHECK_FALSE(in_anonymous_code(reinterpret_cast<std::uintptr_t>(&read_calls)));
  CHECK_FALSE(in_anonymous_code(0));
  prepare_jitprobe();
  CHECK(in_anonymous_code(at + 100));  // still read from the maps: JIT code is never in the known ranges
  munmap(code, 4096);
  CHECK_FALSE(in_anonymous_code(at + 100));
}

TEST_CASE("after prepare_jitprobe, a pc in libc's or parlab's code is answered without reading the maps") {
  prepare_jitprobe();
  long before = read_calls();
  if (before < 0) {
    WARN("no /proc/self/io here: not checked");
    return;
  }
  for (int i = 0; i < 200; ++i) {
    REQUIRE_FALSE(in_anonymous_code(address_of("read") + 4));
    REQUIRE_FALSE(in_anonymous_code(address_of("syscall") + 4));
    REQUIRE_FALSE(in_anonymous_code(reinterpret_cast<std::uintptr_t>(&prepare_jitprobe)));
  }
  long after = read_calls();
  CHECK(after - before < 10);  // reading /proc/self/io twice; 600 probes of the maps would be 600 or more
}
