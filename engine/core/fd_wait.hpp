#pragma once
// Waiting for a descriptor to become readable (a child's exit on its pidfd, the fork server's answer or
// status socket) so that Ctrl-C and a stop request end the wait at once: the wait polls the descriptor
// beside its thread's registered eventfd (engine/core/sleepers.hpp) and so sleeps until one of them is
// readable, with no periodic wake-up (it falls back to one every interrupt::kPollSeconds only when no
// eventfd could be had).
namespace parlab {

// Waits until `fd` is readable, at its end or in error (poll()'s POLLIN, POLLHUP, POLLERR, POLLNVAL), or
// `timeout` seconds passed (< 0: no limit). True when the descriptor is ready; the caller's read says
// how. Throws interrupt::Interrupted on Ctrl-C and interrupt::Terminated on the thread's stop request.
// Callers hold a gil::Release around it.
bool wait_readable(int fd, double timeout);

}  // namespace parlab
