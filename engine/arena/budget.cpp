#include "engine/arena/budget.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "engine/core/error.hpp"

namespace parlab::shm {
namespace {

constexpr std::size_t kMiB = std::size_t(1) << 20;
// Small blocks are not checked against /proc (their cost would show in every message).
constexpr std::size_t kCheckedBytes = 64 * kMiB;

std::size_t read_number(const char* path) {
  std::size_t v = 0;
  if (FILE* f = std::fopen(path, "r")) {
    unsigned long long x = 0;
    if (std::fscanf(f, "%llu", &x) == 1) v = std::size_t(x);  // "max" (no limit) does not parse
    std::fclose(f);
  }
  return v;
}

std::size_t meminfo_available() {
  std::size_t kib = 0;
  if (FILE* f = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
      unsigned long long v = 0;
      if (std::sscanf(line, "MemAvailable: %llu kB", &v) == 1) {
        kib = std::size_t(v);
        break;
      }
    }
    std::fclose(f);
  }
  return kib * 1024;
}

std::string size_text(std::size_t bytes) {
  if (bytes < (std::size_t(1) << 30)) return fmt::format("{:.1f} MiB", double(bytes) / double(kMiB));
  return fmt::format("{:.2f} GiB", double(bytes) / double(1 << 30));
}

}  // namespace

std::size_t cgroup_limit() {
  std::size_t v2 = read_number("/sys/fs/cgroup/memory.max");
  return v2 != 0 ? v2 : read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
}

std::size_t available_memory() {
  std::size_t avail = meminfo_available();
  std::size_t max = read_number("/sys/fs/cgroup/memory.max");
  if (max != 0) {
    std::size_t cur = read_number("/sys/fs/cgroup/memory.current");
    std::size_t room = cur < max ? max - cur : 0;
    if (avail == 0 || room < avail) avail = room;
  }
  return avail;
}

std::size_t use_limit() {
  const char* spec = std::getenv("PARLAB_SHM_LIMIT");
  if (!spec || !*spec) return 0;
  char* end = nullptr;
  double v = std::strtod(spec, &end);
  double scale = 1;
  switch (std::toupper(static_cast<unsigned char>(*end))) {
    case 'K': scale = 1024.0, ++end; break;
    case 'M': scale = 1024.0 * 1024, ++end; break;
    case 'G': scale = 1024.0 * 1024 * 1024, ++end; break;
    case 'T': scale = 1024.0 * 1024 * 1024 * 1024, ++end; break;
    default: break;
  }
  if (*end == 'B' || *end == 'b') ++end;
  if (end == spec || *end != '\0' || !(v > 0) || v * scale > 1e18)
    throw Error(
        fmt::format("PARLAB_SHM_LIMIT: '{}' is not a size (a positive number of bytes, or with K, M, "
                    "G or T: 512M, 2G)",
                    spec));
  return std::size_t(v * scale);
}

void check_budget(std::size_t bytes, std::size_t used) {
  std::size_t cap = use_limit();
  if (cap != 0 && bytes > cap - std::min(used, cap))
    throw Error(fmt::format("shared memory: {} asked with {} in use would pass PARLAB_SHM_LIMIT ({})",
                            size_text(bytes), size_text(used), size_text(cap)));
  if (bytes < kCheckedBytes) return;
  std::size_t avail = available_memory();
  if (avail == 0) return;  // no /proc: nothing to go by
  std::size_t margin = std::min<std::size_t>(512 * kMiB, avail / 8);
  if (bytes + margin > avail)
    throw Error(
        fmt::format("shared memory: {} asked but only {} of memory is available (the rest of the "
                    "machine would be pushed out, and the run killed by the OOM killer)",
                    size_text(bytes), size_text(avail)));
}

}  // namespace parlab::shm
