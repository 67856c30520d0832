// How a spawned worker leaves, so that Open MPI's daemon can start the next ones. Debian's PMIx 4.2 server
// (in the orted) closes a client's socket without removing its event when the orted reaps the process
// before the server has read the socket's end (PMIx's _deregister_client). The next client given that
// descriptor number is then never read, and waits in PMIx_Init for ever: the spawn after a pool whose
// workers were killed, or simply exited, under load, hung (about 1 spawn in 10 under a compile's load;
// spawn_attempt.cpp bounds what is left). The cure is order: the server must see a worker's socket end
// before the process ends. A worker that exits after MPI_Finalize (whose PMIx_Finalize closes the socket)
// lingers kLinger first; terminate asks with SIGTERM, whose handler shuts the worker's sockets, lingers,
// then ends the process by that signal. A worker SIGKILLed from outside can still hit the bug.
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/mpi/mpi.hpp"

namespace parlab::mpi {

namespace {

// Long enough for the orted's PMIx thread to read a closed socket, on a loaded 2-core machine.
constexpr long kLingerNanos = 300'000'000;

void linger() {
  timespec t{0, kLingerNanos};
  while (nanosleep(&t, &t) != 0) {
  }
}

pid_t worker_pid = 0;  // the process that installed the handler: a fork child inherits it, not its sockets

// Async-signal-safe only: getpid, shutdown, nanosleep, signal, raise. A process the worker forked (a pool
// inside a task) shares the worker's sockets: shutting them there would cut the worker off, so it just ends.
void on_sigterm(int) {
  if (getpid() == worker_pid) {
    for (int fd = 3; fd < 4096; ++fd) shutdown(fd, SHUT_RDWR);  // not a socket: ENOTSOCK, harmless
    linger();
  }
  signal(SIGTERM, SIG_DFL);
  raise(SIGTERM);
}

}  // namespace

void leave_in_order_on_sigterm() {
  worker_pid = getpid();
  struct sigaction action {};
  action.sa_handler = on_sigterm;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
}

void linger_after_finalize() { linger(); }

void end_worker(long pid) {
  if (pid > 0) kill(pid_t(pid), SIGTERM);
}

}  // namespace parlab::mpi
