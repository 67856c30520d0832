#include "engine/queues/queue_signal.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/core/interrupt.hpp"

namespace parlab::queue {

double& poll_budget() noexcept {
  thread_local double budget = kPollSeconds;
  return budget;
}

void sleep_on(Signal& s, std::uint32_t seen, double timeout) {
  interrupt::check();
  double slice = interrupt::kPollSeconds;
  if (timeout >= 0 && timeout < slice) slice = timeout;
  timespec ts{time_t(slice), long((slice - double(time_t(slice))) * 1e9)};
  // Not FUTEX_PRIVATE: the word may be shared with other processes.
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&s.seq), FUTEX_WAIT, seen, &ts, nullptr, 0);
  interrupt::check();
}

}  // namespace parlab::queue
