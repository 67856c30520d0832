// poll() on a descriptor and the thread's wake-up eventfd; see fd_wait.hpp.
#include "engine/core/fd_wait.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "engine/core/clock.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/sleepers.hpp"

namespace parlab {
namespace {

// poll()'s timeout in whole milliseconds, rounded up so that a short wait does not turn into a busy loop;
// -1 (no limit) for slice < 0.
int poll_ms(double slice) noexcept {
  if (slice < 0) return -1;
  constexpr double kLongest = 86400;  // a day: keeps the product within an int
  double ms = (slice < kLongest ? slice : kLongest) * 1000;
  int whole = int(ms);
  return whole < ms ? whole + 1 : whole;
}

}  // namespace

bool wait_readable(int fd, double timeout) {
  const double deadline = deadline_after(timeout);
  sleepers::RegisteredFd on;  // before the first look at the flags: a wake-up after it is never lost
  pollfd p[2] = {{fd, POLLIN, 0}, {on.fd(), POLLIN, 0}};
  for (;;) {
    interrupt::check();
    // Registered: sleep until the descriptor, a wake-up or the deadline. Not: look every kPollSeconds.
    double slice = on.fd() >= 0 ? seconds_left(deadline) : next_slice(deadline, interrupt::kPollSeconds);
    int n = ::poll(p, on.fd() >= 0 ? 2 : 1, poll_ms(slice));
    if (n < 0 && errno != EINTR) return true;  // ENOMEM: let the caller's read report it
    if (n > 0 && p[0].revents) return true;
    if (n > 0 && p[1].revents) on.drain();
    if (seconds_left(deadline) == 0) return false;
  }
}

}  // namespace parlab
