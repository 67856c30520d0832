#include "engine/arena/shm.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>

#include <fmt/format.h>

#include "engine/arena/budget.hpp"
#include "engine/arena/heap.hpp"
#include "engine/arena/robust_mutex.hpp"
#include "engine/arena/warm_shelf.hpp"
#include "engine/core/error.hpp"
#include "engine/core/internal_env.hpp"
#include "engine/core/os_error.hpp"

namespace parlab::shm {
namespace {

std::atomic<std::uint64_t> recovered{0};
std::atomic<std::uint64_t> taken{0};

// A fixed, unusual address far from the heap and the mmap area, so an exec'd child can map the arena
// at the same place as its parent (objects may hold raw pointers into it).
// ThreadSanitizer keeps its shadow memory there, so its builds use 64 GiB, inside the low application
// range it allows (below 512 GiB; the arena is at most twice the machine's memory).
#if defined(__SANITIZE_THREAD__)
constexpr std::uintptr_t kBaseAddress = 0x001000000000ull;
#else
constexpr std::uintptr_t kBaseAddress = 0x200000000000ull;  // 32 TiB
#endif
constexpr std::size_t kHeaderBytes = 64;      // in front of each block: its geometry
constexpr std::size_t kPunchBytes = 1 << 20;  // blocks this large give pages back on free
constexpr const char* kEnvName = "PARLAB_ARENA";

struct Arena {
  int fd = -1;
  char* base = nullptr;
  std::size_t size = 0;
  Heap* heap = nullptr;
  // Bytes handed out, read without the allocator's lock (the budget check, used_bytes()). It and the
  // shelf sit in the heap's fixed space, where every process finds them.
  std::atomic<std::size_t>* used = nullptr;
  WarmShelf* shelf = nullptr;  // large freed blocks kept warm (warm_shelf.hpp)
};
constexpr std::size_t kShelfAt = 64;  // in the fixed space, after `used`
static_assert(kShelfAt + sizeof(WarmShelf) <= Heap::kFixedBytes);

// Points a at the objects in its heap's fixed space (made there when `make`).
bool find_fixed(Arena& a, bool make) {
  if (!a.heap) return false;
  char* fixed = static_cast<char*>(a.heap->fixed());
  a.used =
      make ? new (fixed) std::atomic<std::size_t>(0) : reinterpret_cast<std::atomic<std::size_t>*>(fixed);
  a.shelf = make ? new (fixed + kShelfAt) WarmShelf() : reinterpret_cast<WarmShelf*>(fixed + kShelfAt);
  return true;
}

Arena arena;
std::once_flag arena_once;
bool inherited = false;  // attached from PARLAB_ARENA

struct BlockHeader {
  std::size_t total;  // bytes asked of the heap
  std::size_t lead;   // bytes from the heap's pointer to the user's
};

std::size_t physical_memory() {
  return std::size_t(sysconf(_SC_PHYS_PAGES)) * std::size_t(sysconf(_SC_PAGE_SIZE));
}

char* map_at_base(int fd, std::size_t size) {
  void* p = mmap(reinterpret_cast<void*>(kBaseAddress), size, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, fd, 0);
  if (p == MAP_FAILED) return nullptr;
  if (p != reinterpret_cast<void*>(kBaseAddress)) {  // kernels before 4.17 treat the flag as a hint
    munmap(p, size);
    return nullptr;
  }
  // Large arrays stream at memory speed only on 2 MiB pages (4 KiB pages cost a quarter to a third of
  // a sum's bandwidth: TLB misses and prefetchers stopping at page ends). Shared memory gets them where
  // /sys/kernel/mm/transparent_hugepage/shmem_enabled is "advise" (or "within_size", "always"); with
  // "never" the kernel ignores the request, so failure is not an error.
  madvise(p, size, MADV_HUGEPAGE);
  return static_cast<char*>(p);
}

// Reserves twice the machine's memory (sparse: pages cost nothing until touched), shrinking when an
// address-space limit (ulimit -v) refuses the mapping.
void create_arena() {
  int fd = memfd_create("parlab-arena", MFD_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("shared memory: memfd_create failed: {}", os_error(errno)));
  for (std::size_t size = 2 * physical_memory(); size >= (std::size_t(64) << 20); size /= 2) {
    if (ftruncate(fd, off_t(size)) != 0) continue;
    if (char* base = map_at_base(fd, size)) {
      arena = {fd, base, size, Heap::create(base, size), nullptr, nullptr};
      if (find_fixed(arena, true)) return;
      munmap(base, size);
      break;
    }
  }
  close(fd);
  throw Error("shared memory: could not reserve the arena (address space limited? see ulimit -v)");
}

bool attach_arena(const char* spec) {
  int fd = -1;
  unsigned long long size = 0;
  if (std::sscanf(spec, "%d:%llu", &fd, &size) != 2) return false;
  struct stat st {};
  if (fstat(fd, &st) != 0 || std::uint64_t(st.st_size) != size) return false;
  char* base = map_at_base(fd, size);
  if (!base) return false;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  arena = {fd, base, std::size_t(size), Heap::open(base), nullptr, nullptr};
  return find_fixed(arena, false);
}

Arena& ready() {
  std::call_once(arena_once, [] {
    if (!arena.heap) create_arena();
  });
  return arena;
}

}  // namespace

// Not silent, though nothing is lost: the heap has undone the dead holder's half-made change (heap.hpp),
// and the block that process was taking or giving back stays with it, as every block it held does.
void detail::note_recovery() noexcept {
  recovered.fetch_add(1, std::memory_order_relaxed);
  static const char kWarning[] =
      "parlab: warning: a process died while it held the shared-memory allocator's lock; its unfinished "
      "change was undone (docs/reliability.md)\n";
  ssize_t ignored = write(STDERR_FILENO, kWarning, sizeof kWarning - 1);
  (void)ignored;
}
std::uint64_t recoveries() noexcept { return recovered.load(std::memory_order_relaxed); }
std::uint64_t taken_by_this_process() noexcept { return taken.load(std::memory_order_relaxed); }
void note_taken() noexcept { taken.fetch_add(1, std::memory_order_relaxed); }

std::size_t memory_limit() {
  std::size_t ram = physical_memory(), cg = cgroup_limit();
  return cg != 0 && cg < ram ? cg : ram;
}

namespace {
// The shelf holds four 64 MiB messages (the bandwidth experiment's largest; a pool map of 4 such tasks
// has all four out at once) with their headers and page rounding, beside 64 MiB of smaller blocks (a
// bench's earlier 8 MiB messages): a cap of exactly 256 MiB kept three, so a map of four 64 MiB tasks
// met 64 MiB of fresh pages (~80 ms here) whenever all four were out. And no more than an eighth of the
// memory this run may fill.
std::size_t warm_budget() noexcept {
  static const std::size_t budget = [] {
    std::size_t cap = std::size_t(320) << 20, eighth = memory_limit() / 8;
    return eighth < cap ? eighth : cap;
  }();
  return budget;
}

// A kept block that fits, counted as in use again; nullptr when the shelf has none.
void* take_warm(Arena& a, std::size_t bytes, std::size_t align) {
  Offset off = a.shelf->take(bytes, align);
  if (off == 0) return nullptr;
  char* user = a.base + off;
  a.used->fetch_add(reinterpret_cast<BlockHeader*>(user - sizeof(BlockHeader))->total,
                    std::memory_order_relaxed);
  return user;
}
}  // namespace

void init() { ready(); }

void* allocate(std::size_t bytes, std::size_t align) {
  Arena& a = ready();
  if (align < kHeaderBytes) align = kHeaderBytes;
  if (align & (align - 1)) throw Error("shared memory: alignment must be a power of two");
  if (bytes > a.size)
    throw Error(fmt::format("shared memory exhausted: {} bytes asked, arena holds {}", bytes, a.size));
  if (bytes >= WarmShelf::kMinBytes / 4) {  // whole pages, so that a kept block's capacity is exact
    bytes = (bytes + WarmShelf::kPage - 1) & ~(WarmShelf::kPage - 1);
    if (void* warm = take_warm(a, bytes, align)) {
      note_taken();  // a warm block is as much this process's as a new one
      return warm;
    }
  }
  check_budget(bytes, a.used->load(std::memory_order_relaxed));
  std::size_t total = bytes + align;
  void* raw = a.heap->allocate(total, align);
  if (!raw)
    throw Error(fmt::format("shared memory exhausted: {} bytes asked, {} in use of {}", bytes,
                            a.used->load(std::memory_order_relaxed), a.size));
  char* user = static_cast<char*>(raw) + align;
  auto* h = reinterpret_cast<BlockHeader*>(user - sizeof(BlockHeader));
  h->total = total;
  a.used->fetch_add(total, std::memory_order_relaxed);
  h->lead = align;
  note_taken();
  return user;
}

void deallocate(void* p) noexcept {
  if (!p) return;
  char* user = static_cast<char*>(p);
  auto* h = reinterpret_cast<BlockHeader*>(user - sizeof(BlockHeader));
  char* raw = user - h->lead;
  if (h->total >= kPunchBytes) {
    if (arena.shelf->keep(Offset(user - arena.base), h->total - h->lead, warm_budget())) {
      arena.used->fetch_sub(h->total, std::memory_order_relaxed);  // kept, not in use: leak checks agree
      return;
    }
    // Give the block's interior pages back; the allocator's own bookkeeping at the ends stays.
    const std::uintptr_t page = std::uintptr_t(sysconf(_SC_PAGE_SIZE));
    std::uintptr_t from = (reinterpret_cast<std::uintptr_t>(user) + page - 1) & ~(page - 1);
    std::uintptr_t to = (reinterpret_cast<std::uintptr_t>(raw) + h->total) & ~(page - 1);
    if (to > from)
      fallocate(arena.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                off_t(from - reinterpret_cast<std::uintptr_t>(arena.base)), off_t(to - from));
  }
  arena.used->fetch_sub(h->total, std::memory_order_relaxed);  // the header sits before the punched pages
  arena.heap->deallocate(raw);
}

bool contains(const void* p, std::size_t bytes) noexcept {
  auto c = static_cast<const char*>(p);
  return arena.base && c >= arena.base && c <= arena.base + arena.size &&
         bytes <= std::size_t(arena.base + arena.size - c);
}

Offset offset_of(const void* p) {
  if (!contains(p)) throw Error("shared memory: pointer is outside the arena");
  return Offset(static_cast<const char*>(p) - arena.base);
}

void* address_of(Offset offset, std::size_t bytes) {
  Arena& a = ready();
  if (offset >= a.size || bytes > a.size - offset || offset % 8 != 0)
    throw Error(fmt::format("shared memory: offset {} is not inside the arena", offset));
  return a.base + offset;
}

std::uint64_t new_serial() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t z = std::uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                    (std::uint64_t(getpid()) << 40) ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::size_t used_bytes() { return ready().used->load(std::memory_order_relaxed); }
std::size_t free_bytes() { return ready().size - used_bytes(); }
std::size_t warm_bytes() { return ready().shelf->bytes(); }

int arena_fd() { return ready().fd; }

std::vector<std::pair<std::string, std::string>> child_environment() {
  Arena& a = ready();
  return {{kEnvName, fmt::format("{}:{}", a.fd, a.size)}};
}

void attach_from_environment() {
  const char* spec = std::getenv(kEnvName);
  if (!spec) return;
  std::call_once(arena_once, [spec] {
    if (!attach_arena(spec))
      refuse_internal_variable(kEnvName, spec, "it names no shared-memory arena this process inherited");
    inherited = true;
  });
  unsetenv(kEnvName);
}

bool inherited_arena() noexcept { return inherited; }

}  // namespace parlab::shm
