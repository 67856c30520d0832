#pragma once
// Which processes hold one end of a pipe, so that a reader can tell a peer that is still there from
// one that closed and from one whose process died without closing (SIGKILL, a crash): each holder
// process is recorded with its pid and start time (pids are reused), and a waiting reader checks
// /proc/<pid>/stat now and then. A zombie counts as dead.
#include <atomic>
#include <cstdint>

namespace parlab::queue {

struct ProcessId {
  std::int32_t pid = 0;
  std::uint64_t start = 0;  // start time in clock ticks since boot (field 22 of /proc/<pid>/stat)
};

// This process, cached; refreshed in a forked child.
const ProcessId& this_process();
// True while the process runs (not exited, not a zombie, not a newer process that reused the pid).
bool process_alive(const ProcessId& p);

class Holders {
 public:
  enum class State { open, closed, died };

  void add() { add_for(this_process()); }        // one more handle in this process
  void remove() { remove_for(this_process()); }  // one handle fewer in this process
  void add_for(const ProcessId& p);
  void remove_for(const ProcessId& p);
  // Cheap: handles not released (a dead process's handles count until check() prunes them).
  std::int32_t open_count() const noexcept { return open_.load(std::memory_order_acquire); }
  // Prunes processes that died and says whether any holder is left, and if not, how they left.
  // `unused_here` of this process's holds do not count (ends a forked child inherited and never used).
  State check(std::int32_t unused_here = 0);
  // Prunes processes that died and returns how many holds they had (for their owner to give back). This
  // process's own entry is not looked up in /proc: it is alive.
  std::int32_t reclaim_dead();
  // True at most once per `seconds` (shared by all processes): rate-limits the /proc reads of check().
  bool check_due(double seconds);

 private:
  struct Entry {
    ProcessId id;
    std::int32_t count = 0;
  };
  static constexpr int kMaxEntries = 32;
  void lock() noexcept;
  std::int32_t prune_locked(bool skip_self = false);
  void unlock() noexcept { lock_.store(0, std::memory_order_release); }

  std::atomic<std::uint32_t> lock_{0};
  std::atomic<std::int32_t> open_{0};
  std::atomic<std::int64_t> last_check_us_{0};
  std::int32_t untracked_ = 0;  // handles of processes beyond kMaxEntries: never pruned
  bool died_ = false;
  Entry entries_[kMaxEntries];
};

}  // namespace parlab::queue
