#include "engine/arena/heap.hpp"

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "engine/arena/robust_mutex.hpp"

namespace parlab::shm {
namespace {

constexpr std::uint64_t kMagic = 0x70726c6268656170ull;  // "prlbheap"
constexpr int kClasses = 256;                            // 4 per power of two of granules
constexpr int kLogMax = 64;                              // a call logs at most ~20 writes
constexpr std::uint64_t kFree = 1;                       // in Block::size: the block is free
constexpr std::size_t kMinBlock = 2 * Heap::kGranule;    // a header and one granule
constexpr std::size_t kFixedAt = 4096;
constexpr std::size_t kFirstBlock = kFixedAt + Heap::kFixedBytes;

// At the start of every block. Offsets are from the region's base; 0 is "none" (no block lies there).
struct Block {
  std::uint64_t size;        // bytes, header included, | kFree while free
  std::uint64_t prev_size;   // bytes of the block just below (0: the first block)
  std::uint64_t next, prev;  // the free list, while free
  std::uint64_t unused[3];
  std::uint64_t back;  // the word before a payload: its block's offset (see allocate)
};
static_assert(sizeof(Block) == Heap::kGranule);

struct LogEntry {
  std::uint64_t at, old;  // a word's offset and its value before the change
};

struct Header {
  std::uint64_t magic;
  std::uint64_t size;
  RobustMutex lock;
  std::uint64_t top;       // where the wilderness begins
  std::uint64_t top_prev;  // bytes of the block just below top (0: none)
  std::uint64_t bitmap[kClasses / 64];
  std::uint64_t heads[kClasses];
  std::atomic<std::uint32_t> log_n;  // entries of the change under way; 0 between changes
  LogEntry log[kLogMax];
};
static_assert(sizeof(Header) <= kFixedAt);

int steps_left = 0;  // die_at_step's countdown; 0: off

void step() noexcept {
  if (steps_left > 0 && --steps_left == 0) raise(SIGKILL);
}

Header& head(Heap* h) noexcept { return *reinterpret_cast<Header*>(h); }
char* base(Header& H) noexcept { return reinterpret_cast<char*>(&H); }
Block& block(Header& H, std::uint64_t off) noexcept { return *reinterpret_cast<Block*>(base(H) + off); }
std::uint64_t bytes(const Block& b) noexcept { return b.size & ~kFree; }
bool is_free(const Block& b) noexcept { return (b.size & kFree) != 0; }

// The class holding blocks of g granules, and the first class whose every block holds g.
int class_of(std::uint64_t g) noexcept {
  int fl = 63 - __builtin_clzll(g);
  if (fl < 2) return int(g);
  return fl * 4 + int((g >> (fl - 2)) & 3);
}
int class_at_least(std::uint64_t g) noexcept {
  int fl = 63 - __builtin_clzll(g);
  return fl < 2 ? int(g) : class_of(g + (std::uint64_t(1) << (fl - 2)) - 1);
}

// Every write to the bookkeeping goes through put: old value logged first, so a death anywhere between
// two instructions leaves either no trace of the write or a log entry that undoes it.
void put(Header& H, std::uint64_t& word, std::uint64_t value) noexcept {
  step();
  std::uint32_t n = H.log_n.load(std::memory_order_relaxed);
  if (n >= kLogMax) std::abort();  // a call's writes are bounded well below; more is a bug
  H.log[n] = {std::uint64_t(reinterpret_cast<char*>(&word) - base(H)), word};
  H.log_n.store(n + 1, std::memory_order_release);
  std::atomic_signal_fence(std::memory_order_seq_cst);  // the write stays after its log entry
  step();
  word = value;
}

void commit(Header& H) noexcept {
  step();
  std::atomic_signal_fence(std::memory_order_seq_cst);
  H.log_n.store(0, std::memory_order_release);
  step();
}

// Undoes the change a dead holder left half made (newest write first); repeatable if this dies too.
void roll_back(Header& H) noexcept {
  std::uint32_t n = H.log_n.load(std::memory_order_acquire);
  if (n > kLogMax) n = kLogMax;
  for (std::uint32_t i = n; i-- > 0;) *reinterpret_cast<std::uint64_t*>(base(H) + H.log[i].at) = H.log[i].old;
  H.log_n.store(0, std::memory_order_release);
}

struct Locked {
  Header& H;
  explicit Locked(Header& h) noexcept : H(h) {
    if (H.lock.lock()) {
      roll_back(H);
      H.lock.consistent();
    }
  }
  ~Locked() { H.lock.unlock(); }
};

void set_bit(Header& H, int c, bool on) noexcept {
  std::uint64_t w = H.bitmap[c / 64], bit = std::uint64_t(1) << (c % 64);
  put(H, H.bitmap[c / 64], on ? w | bit : w & ~bit);
}

void unlink(Header& H, std::uint64_t off) noexcept {
  Block& b = block(H, off);
  int c = class_of(bytes(b) / Heap::kGranule);
  if (b.prev)
    put(H, block(H, b.prev).next, b.next);
  else
    put(H, H.heads[c], b.next);
  if (b.next) put(H, block(H, b.next).prev, b.prev);
  if (H.heads[c] == 0) set_bit(H, c, false);
}

// Marks the block at off free with `size` bytes and files it in its class's list.
void file_free(Header& H, std::uint64_t off, std::uint64_t size) noexcept {
  Block& b = block(H, off);
  int c = class_of(size / Heap::kGranule);
  std::uint64_t first = H.heads[c];
  put(H, b.size, size | kFree);
  put(H, b.next, first);
  put(H, b.prev, 0);
  if (first)
    put(H, block(H, first).prev, off);
  else
    set_bit(H, c, true);
  put(H, H.heads[c], off);
}

// Tells the block above [off, off + size) (or top) the size of the block below it.
void set_below(Header& H, std::uint64_t off, std::uint64_t size) noexcept {
  std::uint64_t above = off + size;
  if (above < H.top)
    put(H, block(H, above).prev_size, size);
  else
    put(H, H.top_prev, size);
}

// A listed block of at least want bytes, or 0. First a few blocks of want's own class (a block just
// freed by a request of the same size fits, though not every block of its class does), then the head of
// the first non-empty class whose every block fits.
std::uint64_t find_fit(Header& H, std::uint64_t want) noexcept {
  constexpr int kLook = 8;
  std::uint64_t g = want / Heap::kGranule;
  std::uint64_t off = H.heads[class_of(g)];
  for (int i = 0; off && i < kLook; ++i, off = block(H, off).next)
    if (bytes(block(H, off)) >= want) return off;
  int c = class_at_least(g);
  for (int w = c / 64; w < kClasses / 64; ++w) {
    std::uint64_t bits = H.bitmap[w];
    if (w == c / 64) bits &= ~std::uint64_t(0) << (c % 64);
    if (bits) return H.heads[w * 64 + __builtin_ctzll(bits)];
  }
  return 0;
}

// Takes the listed block at off for want bytes; the rest, when it makes a block, is filed free.
void take_listed(Header& H, std::uint64_t off, std::uint64_t want) noexcept {
  std::uint64_t have = bytes(block(H, off));
  unlink(H, off);
  if (have - want >= kMinBlock) {
    put(H, block(H, off + want).prev_size, want);
    file_free(H, off + want, have - want);
    set_below(H, off + want, have - want);
    put(H, block(H, off).size, want);
  } else {
    put(H, block(H, off).size, have);
  }
}

std::uint64_t take_wilderness(Header& H, std::uint64_t want) noexcept {
  if (H.size - H.top < want) return 0;
  std::uint64_t off = H.top;
  put(H, block(H, off).size, want);
  put(H, block(H, off).prev_size, H.top_prev);
  put(H, H.top, off + want);
  put(H, H.top_prev, want);
  return off;
}

}  // namespace

Heap* Heap::create(char* at, std::size_t size) noexcept {
  if (size < kFirstBlock + kMinBlock) return nullptr;
  auto* H = new (at) Header{};
  H->size = size;
  H->top = kFirstBlock;
  H->lock.init();
  H->magic = kMagic;
  return reinterpret_cast<Heap*>(at);
}

Heap* Heap::open(char* at) noexcept {
  return reinterpret_cast<Header*>(at)->magic == kMagic ? reinterpret_cast<Heap*>(at) : nullptr;
}

void* Heap::fixed() noexcept { return reinterpret_cast<char*>(this) + kFixedAt; }

void Heap::die_at_step(int n) noexcept { steps_left = n; }

void* Heap::allocate(std::size_t n, std::size_t align) noexcept {
  if (align == 0 || (align & (align - 1))) return nullptr;
  if (align < kGranule) align = kGranule;
  Header& H = head(this);
  // The payload starts at the header's end (64-aligned); a larger alignment may need align - 64 more.
  std::size_t pad = align - kGranule;
  if (n > H.size || pad > H.size - n) return nullptr;
  std::uint64_t want = (n + pad + kGranule + kGranule - 1) / kGranule * kGranule;
  if (want < kMinBlock) want = kMinBlock;
  std::uint64_t off;
  {
    Locked hold(H);
    off = find_fit(H, want);
    if (off)
      take_listed(H, off, want);
    else
      off = take_wilderness(H, want);
    if (!off) return nullptr;
    commit(H);
  }
  // The block is this caller's now: the word before the payload names it, for deallocate.
  std::uintptr_t payload =
      (reinterpret_cast<std::uintptr_t>(base(H)) + off + kGranule + align - 1) & ~(align - 1);
  reinterpret_cast<std::uint64_t*>(payload)[-1] = off;
  return reinterpret_cast<void*>(payload);
}

void Heap::deallocate(void* p) noexcept {
  Header& H = head(this);
  auto at = reinterpret_cast<std::uintptr_t>(p), origin = reinterpret_cast<std::uintptr_t>(base(H));
  if (!p || at % kGranule || at < origin + kFirstBlock + kGranule || at >= origin + H.size) return;
  std::uint64_t off = static_cast<std::uint64_t*>(p)[-1];
  Locked hold(H);
  if (off < kFirstBlock || off >= H.top || off % kGranule || at - origin < off + kGranule) return;
  Block& b = block(H, off);
  std::uint64_t size = bytes(b);
  if (is_free(b) || at - origin >= off + size) return;
  put(H, b.size, size | kFree);  // a second free of this pointer is then ignored, merged or not
  if (std::uint64_t above = off + size; above < H.top && is_free(block(H, above))) {  // merge above
    unlink(H, above);
    size += bytes(block(H, above));
  }
  if (b.prev_size && is_free(block(H, off - b.prev_size))) {  // and with the one below
    std::uint64_t below = off - b.prev_size;
    unlink(H, below);
    size += bytes(block(H, below));
    off = below;
  }
  if (off + size == H.top) {  // back to the wilderness; the block below is in use (else merged)
    put(H, H.top_prev, block(H, off).prev_size);
    put(H, H.top, off);
  } else {
    file_free(H, off, size);
    set_below(H, off, size);
  }
  commit(H);
}

bool Heap::check() noexcept {
  Header& H = head(this);
  Locked hold(H);
  if (H.log_n.load() != 0 || H.top > H.size) return false;
  std::uint64_t free_blocks = 0, below = 0;
  bool below_free = false;
  for (std::uint64_t off = kFirstBlock; off < H.top;) {
    const Block& b = block(H, off);
    std::uint64_t size = bytes(b);
    if (size < kMinBlock || size % kGranule || size > H.top - off || b.prev_size != below) return false;
    if (is_free(b) && below_free) return false;  // two free neighbours: a merge was lost
    free_blocks += is_free(b);
    below_free = is_free(b);
    below = size;
    off += size;
  }
  if (H.top_prev != below) return false;
  std::uint64_t listed = 0;
  for (int c = 0; c < kClasses; ++c) {
    bool bit = (H.bitmap[c / 64] >> (c % 64)) & 1;
    if (bit != (H.heads[c] != 0)) return false;
    std::uint64_t prev = 0;
    for (std::uint64_t off = H.heads[c]; off; off = block(H, off).next) {
      const Block& b = block(H, off);
      if (off >= H.top || !is_free(b) || b.prev != prev || class_of(bytes(b) / kGranule) != c) return false;
      if (++listed > free_blocks) return false;  // also ends a cycle
      prev = off;
    }
  }
  return listed == free_blocks;
}

std::string Heap::describe() {
  Header& H = head(this);
  Locked hold(H);
  std::string out;
  for (std::uint64_t off = kFirstBlock; off < H.top && bytes(block(H, off)); off += bytes(block(H, off)))
    out += std::to_string(off) + "+" + std::to_string(bytes(block(H, off))) +
           (is_free(block(H, off)) ? "f " : " ");
  return out + "top=" + std::to_string(H.top);
}

}  // namespace parlab::shm
