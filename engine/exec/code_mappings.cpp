// See code_mappings.hpp: why a fork server gives its code segments one private page each.
#include "engine/exec/code_mappings.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace parlab::code_mappings {
namespace {

// One line of /proc/self/maps that is a private, executable mapping of a file, and where it starts.
bool private_code(const char* line, unsigned long& start) {
  char perms[8] = {};
  int path_at = 0;
  if (std::sscanf(line, "%lx-%*x %7s %*s %*s %*s %n", &start, perms, &path_at) != 2) return false;
  return std::strcmp(perms, "r-xp") == 0 && path_at > 0 && line[path_at] == '/';
}

// Rewrites the mapping's first byte with its own value through /proc/self/mem, which writes past the
// page's protection as a debugger's breakpoint does: the kernel copies that page, which gives the
// mapping its private part. No moment of writable code, and the same content, so running code is safe.
bool give_private_page(int mem, unsigned long start) {
  char byte = 0;
  return pread(mem, &byte, 1, off_t(start)) == 1 && pwrite(mem, &byte, 1, off_t(start)) == 1;
}

}  // namespace

int share_with_children() noexcept {
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  int mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
  int changed = 0;
  char line[4096];
  while (maps && mem >= 0 && std::fgets(line, sizeof line, maps)) {
    unsigned long start = 0;
    if (private_code(line, start) && give_private_page(mem, start)) ++changed;
  }
  if (mem >= 0) close(mem);
  if (maps) std::fclose(maps);
  return changed;
}

}  // namespace parlab::code_mappings
