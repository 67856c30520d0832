#pragma once
// An OS thread with the life cycle Python's threading.Thread has: made, started once, joined with an
// optional timeout (in Ctrl-C-aware slices, with the GIL released), asked whether it is alive. It runs a
// plain C++ body; bindings/modules/lua_thread.cpp gives that body a Lua state of its own.
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>

#include "engine/core/self.hpp"

namespace parlab {

class Thread {
 public:
  explicit Thread(std::function<void()> body);
  // Joins a thread that was started (waits for it: a thread is never left running unowned).
  ~Thread();
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;

  // Starts the thread; throws parlab::Error when started twice or when the system refuses.
  void start();
  // Waits up to `timeout` seconds (< 0: forever) for the body to return; true when it has. Ctrl-C and a
  // stop request end it at once (futex::wait) and it holds a gil::Release while it waits. It does not
  // wait for the OS thread's own exit after the body: engine/core/thread_exits.hpp does, later.
  bool join(double timeout = -1);
  bool started() const noexcept { return started_; }
  // A fork child holds copies of its parent's Thread objects but none of their threads (as in Python,
  // where they count as stopped there): in another process than the one that started it a thread is
  // finished, join returns at once and the destructor joins nothing. here() says which case holds.
  bool here() const noexcept { return owner_ == self::pid(); }
  bool finished() const noexcept {
    return done_.load(std::memory_order_acquire) != 0 || (started_ && !here());
  }
  bool alive() const noexcept { return started_ && !finished(); }
  // The kernel's thread id (as threading.get_native_id), 0 before the thread runs.
  std::uint64_t ident() const noexcept { return ident_.load(std::memory_order_acquire); }

 private:
  std::function<void()> body_;
  std::thread thread_;
  bool started_ = false;
  pid_t owner_ = 0;  // the process that started the thread
  std::atomic<std::uint32_t> done_{0};
  std::atomic<std::uint64_t> ident_{0};
};

}  // namespace parlab
