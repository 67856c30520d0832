// Reads /proc/self/maps with raw system calls only, so signal handlers (the CLI's SIGINT, a thread's
// stop signal) may call it; a pc in code that is known up front is answered without reading it.
#include "bindings/core/jitprobe.hpp"

#include <fcntl.h>
#include <ucontext.h>
#include <unistd.h>
#include <lua.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

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
// 0 (other mapping holding pc) or -1 (pc not in this mapping). The mapping's bounds go to lo and hi.
int classify(const char* line, const char* end, std::uintptr_t pc, std::uintptr_t& lo, std::uintptr_t& hi) {
  const char* p = parse_hex(line, end, lo);
  if (p >= end || *p != '-') return -1;
  p = parse_hex(p + 1, end, hi);
  if (pc < lo || pc >= hi) return -1;
  while (p < end && *p == ' ') ++p;
  bool exec = end - p > 2 && p[2] == 'x';
  for (int field = 0; field < 4; ++field) p = skip_field(p, end);  // perms, offset, dev, inode
  return exec && p >= end ? 1 : 0;
}

// The verdict of classify for the mapping holding pc (-1: none), its bounds in lo and hi.
int probe_maps(std::uintptr_t pc, std::uintptr_t& lo, std::uintptr_t& hi) noexcept {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
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
      verdict = classify(line, nl, pc, lo, hi);
    have = static_cast<std::size_t>(stop - line);
    if (have == sizeof buf) have = 0;  // an absurdly long line: drop it
    std::memmove(buf, line, have);
  }
  close(fd);
  return verdict;
}

// The code a thread is most often stopped in, none of it unloaded while a handler may run: parlab's own,
// LuaJIT's interpreter, and libc's (a thread blocked in a wait sits in a system call). A pc there is C
// code, answered with no system call. That matters: a stopped thread gets a stop signal every 10 ms, and
// reading /proc/self/maps in each (slow while other threads map and unmap, as at exit) once kept a thread
// blocked in Connection:recv inside its handlers for a whole second after Ctrl-C.
struct Range {
  std::uintptr_t lo, hi;
};
constexpr int kKnown = 4;
Range known[kKnown];
std::atomic<int> known_count{0};

bool in_known_code(std::uintptr_t pc) noexcept {
  int n = known_count.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i)
    if (pc >= known[i].lo && pc < known[i].hi) return true;
  return false;
}

}  // namespace

void prepare_jitprobe() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    // read may resolve to a sanitizer's interceptor; syscall (where futex waits sit) stays libc's own.
    const std::uintptr_t samples[kKnown] = {
        reinterpret_cast<std::uintptr_t>(&prepare_jitprobe), reinterpret_cast<std::uintptr_t>(&lua_pcall),
        reinterpret_cast<std::uintptr_t>(&::read), reinterpret_cast<std::uintptr_t>(&::syscall)};
    int n = 0;
    for (std::uintptr_t pc : samples) {
      std::uintptr_t lo = 0, hi = 0;
      if (in_known_code(pc) || probe_maps(pc, lo, hi) != 0) continue;  // known already, or not file code
      known[n] = {lo, hi};
      known_count.store(++n, std::memory_order_release);
    }
  });
}

bool in_anonymous_code(std::uintptr_t pc) noexcept {
  if (pc == 0 || in_known_code(pc)) return false;
  std::uintptr_t lo = 0, hi = 0;
  return probe_maps(pc, lo, hi) == 1;
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
