// See code_mappings.hpp: why a fork server gives its code segments one private page each.
#include "engine/exec/code_mappings.hpp"

#include <sys/mman.h>

#include <cstdio>
#include <cstring>

namespace parlab::code_mappings {
namespace {

// One line of /proc/self/maps that is a private, executable mapping of a file: its start and end.
bool private_code(const char* line, unsigned long& start, unsigned long& end) {
  char perms[8] = {};
  int path_at = 0;
  if (std::sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms, &path_at) != 3) return false;
  return std::strcmp(perms, "r-xp") == 0 && path_at > 0 && line[path_at] == '/';
}

// Rewrites the mapping's first byte with its own value under a brief write permission: the kernel
// copies that page, which gives the mapping its private part. Same content, so running code is safe.
bool give_private_page(unsigned long start, unsigned long end) {
  void* at = reinterpret_cast<void*>(start);
  if (mprotect(at, end - start, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return false;
  volatile char* first = static_cast<volatile char*>(at);
  *first = *first;
  mprotect(at, end - start, PROT_READ | PROT_EXEC);
  return true;
}

}  // namespace

int share_with_children() noexcept {
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (!maps) return 0;
  int changed = 0;
  char line[4096];
  while (std::fgets(line, sizeof line, maps)) {
    unsigned long start = 0, end = 0;
    if (private_code(line, start, end) && give_private_page(start, end)) ++changed;
  }
  std::fclose(maps);
  return changed;
}

}  // namespace parlab::code_mappings
