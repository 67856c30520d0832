#pragma once
// The spawn start method: posix_spawn of /proc/self/exe (a fresh parlab: nothing inherited but the shared
// arena), told what to run through its environment. Also how a fork server is started when threads already
// run (a plain fork would copy their held locks). Used by engine/exec/process.cpp and
// engine/exec/forkserver.cpp.
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "engine/arena/shm.hpp"

namespace parlab::process::spawn {

// Starts `parlab -e "require('parlab.internal').process_child()"` with the job at arena offset `job`
// (len bytes).
pid_t start(shm::Offset job, std::size_t len, bool ignore_sigint);
// Starts `parlab -e "require('parlab.internal').process_child()"` as a fork server listening on socket
// `fd`.
pid_t start_forkserver(int fd);

// The program spawn runs: "/proc/self/exe" by default (right in the parlab executable). A library host sets
// the installed parlab executable's path (bindings/library/locate.cpp); "" means none was found, and a
// start then fails with a message that says so.
void set_executable(const std::string& path);
const std::string& executable();

// In a parlab process started by one of the above: runs the job (or the fork server) named by the
// environment and exits. Returns (doing nothing) when the environment names neither.
void run_from_environment();

}  // namespace parlab::process::spawn
