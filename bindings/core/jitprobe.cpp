// Reads /proc/self/maps with raw system calls only, so signal handlers (the CLI's SIGINT, a thread's
// stop signal) may call it.
#include "bindings/core/jitprobe.hpp"

#include <fcntl.h>
#include <ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace parlab::lua {
namespace {

const char* parse_hex(const char* p, const char* end, std::uintptr_t& value) {
  value = 0;
  for (; p < end; ++p) {
    int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
    if (d < 0) break;
    value = value * 16 + static_cast<std::uintptr_t>(d);
  }
  return p;
}

const char* skip_field(const char* p, const char* end) {
  while (p < end && *p != ' ') ++p;
  while (p < end && *p == ' ') ++p;
  return p;
}

// One line "start-end perms offset dev inode [path]": returns 1 (anonymous and executable),
// 0 (other mapping holding pc) or -1 (pc not in this mapping).
int classify(const char* line, const char* end, std::uintptr_t pc) {
  std::uintptr_t lo = 0, hi = 0;
  const char* p = parse_hex(line, end, lo);
  if (p >= end || *p != '-') return -1;
  p = parse_hex(p + 1, end, hi);
  if (pc < lo || pc >= hi) return -1;
  while (p < end && *p == ' ') ++p;
  bool exec = end - p > 2 && p[2] == 'x';
  for (int field = 0; field < 4; ++field) p = skip_field(p, end);  // perms, offset, dev, inode
  return exec && p >= end ? 1 : 0;
}

}  // namespace

bool in_anonymous_code(std::uintptr_t pc) noexcept {
  if (pc == 0) return false;
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];  // on the stack: handlers of several threads may probe at once
  std::size_t have = 0;
  int verdict = -1;
  while (verdict < 0) {
    ssize_t n = read(fd, buf + have, sizeof buf - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
    char* line = buf;
    char* stop = buf + have;
    for (char* nl; verdict < 0 && (nl = static_cast<char*>(std::memchr(line, '\n', stop - line)));
         line = nl + 1)
      verdict = classify(line, nl, pc);
    have = static_cast<std::size_t>(stop - line);
    if (have == sizeof buf) have = 0;  // an absurdly long line: drop it
    std::memmove(buf, line, have);
  }
  close(fd);
  return verdict == 1;
}

std::uintptr_t interrupted_pc(const void* ucontext) noexcept {
  const auto* uc = static_cast<const ucontext_t*>(ucontext);
  if (!uc) return 0;
#if defined(__x86_64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.pc);
#else
  return 0;
#endif
}

}  // namespace parlab::lua
