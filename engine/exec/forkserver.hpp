#pragma once
// The fork server: a small single-threaded process, started once per run, that forks children on request.
// Forking a process whose threads (parlab threads, an OpenMP team, BLAS) hold locks copies those locks
// held, and libgomp is not fork-safe; the fork server never runs such threads, so its children start clean,
// and a fork of it is cheap. It is forked from the main process when that is still single-threaded (a few
// hundred microseconds), else spawned (exec of /proc/self/exe). It dies with its parent; so do its children.
// Protocol: one SEQPACKET control socket; per child a stream socket on which the server writes the pid,
// then the child's wait status when it reaps it (EOF without a status: the server died).
#include <sys/types.h>

#include <cstddef>

#include "engine/arena/shm.hpp"

namespace parlab::forkserver {

// Starts the server now unless it runs (call early, while single-threaded, to make it cheapest).
void ensure_started();
// For tests whose binary cannot exec itself as parlab: start the server by fork even if threads run.
void set_always_fork(bool on) noexcept;
bool running() noexcept;
pid_t server_pid() noexcept;

// Asks the server for a child that runs the job at arena offset `job`; returns the child's pid, and in
// status_fd the socket that becomes readable when the child ended. Throws parlab::Error.
pid_t start_child(shm::Offset job, std::size_t len, bool ignore_sigint, int& status_fd);

// The server's loop on control socket fd; returns never.
[[noreturn]] void serve(int fd);

// In a fork child: drop the parent's connection to its server.
void forget_in_child() noexcept;

// Stops the server (closes the control socket, reaps it); for tests. A later request starts a new one.
void stop() noexcept;

}  // namespace parlab::forkserver
