#include "engine/queues/queue_signal.hpp"

#include "engine/core/interrupt.hpp"
#include "engine/core/sleepers.hpp"

namespace parlab::queue {

double& poll_budget() noexcept {
  thread_local double budget = kPollSeconds;
  return budget;
}

void sleep_on(Signal& s, std::uint32_t seen, double timeout) {
  // Registered before the look at the flags: Ctrl-C and a stop request wake it (engine/core/sleepers).
  sleepers::Registered on(s.seq);
  interrupt::check();
  double slice = on.registered() ? sleepers::kRegisteredPollSeconds : interrupt::kPollSeconds;
  if (timeout >= 0 && timeout < slice) slice = timeout;
  futex::sleep_once(s.seq, seen, slice);
  interrupt::check();
}

}  // namespace parlab::queue
