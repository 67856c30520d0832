#include "engine/exec/thread.hpp"

#include <new>
#include <system_error>

#include "engine/core/clock.hpp"
#include "engine/core/error.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/gil.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/os_error.hpp"
#include "engine/core/self.hpp"
#include "engine/core/thread_exits.hpp"

namespace parlab {

Thread::Thread(std::function<void()> body) : body_(std::move(body)) {}

Thread::~Thread() {
  if (thread_.joinable() && !here()) {
    new (&thread_) std::thread;  // the parent's thread, not ours: forget its handle (a join would hang)
    return;
  }
  if (thread_.joinable()) thread_.join();
}

void Thread::start() {
  if (started_) throw Error("threads can only be started once");
  owner_ = self::pid();
  try {
    thread_ = std::thread([this] {
      ident_.store(self::tid(), std::memory_order_release);
      body_();
      done_.store(1, std::memory_order_release);
      // After the store a join may return and free this Thread: the wake only passes the word's address
      // to the kernel, and a wake-up that lands on a reused word is spurious, which every waiter allows.
      futex::wake(done_);
    });
  } catch (const std::system_error& e) {
    throw Error(std::string("cannot start a thread: ") + os_error(e.code().value()));
  }
  started_ = true;
}

bool Thread::join(double timeout) {
  if (!started_) throw Error("cannot join a thread before it is started");
  if (!finished()) {
    gil::Release unlocked;
    if (!futex::wait(done_, 0, timeout)) return false;
  }
  // Its body has returned: the OS thread's exit is waited for later (thread_exits.hpp).
  if (thread_.joinable() && here()) thread_exits::hand_over(std::move(thread_));
  return true;
}

}  // namespace parlab
