// A guard for the daemon that Open MPI starts for a run of one process (a "singleton": plain parlab that
// spawns pool workers). That orted inherits the script's stdout and stderr; when the script is SIGKILLed,
// Open MPI 4.1's orted sometimes deadlocks instead of exiting (seen about 1 kill in 5 on the development
// VM: it sleeps in a futex for ever, its workers unreaped), so it outlives the run and keeps the output
// pipe open: a shell's `$(parlab script.lua)` or a test reading the output never sees its end. The guard
// is a small shell that holds nothing but the read end of a pipe whose write end only this process (and
// children it forks) holds; when the run ends, however it ends, the pipe reads end-of-file, and the guard
// gives the daemon two seconds to leave by itself, then stops it (SIGTERM, then SIGKILL) and removes the
// session folders it would have removed. Between fork and exec only async-signal-safe calls: the parent
// may have MPI's threads running.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "engine/mpi/internal.hpp"

namespace parlab::mpi::detail {
namespace {

// The pid of this process's child named orted, or 0.
pid_t find_daemon() {
  DIR* proc = opendir("/proc");
  if (!proc) return 0;
  const long me = long(getpid());
  pid_t found = 0;
  while (dirent* e = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::string path = std::string("/proc/") + e->d_name + "/stat";
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) continue;
    char comm[64] = {0};
    char state = 0;
    long ppid = 0;
    int got = std::fscanf(f, "%*d (%63[^)]) %c %ld", comm, &state, &ppid);
    std::fclose(f);
    if (got == 3 && ppid == me && std::strcmp(comm, "orted") == 0) found = pid_t(pid);
  }
  closedir(proc);
  return found;
}

// The guard, a shell run on the pipe's read end with the daemon's pid as $1. At once it notes the daemon's
// session folders (Open MPI's ${TMPDIR:-/tmp}/ompi.HOST.UID/pid.PID, and jf.FAMILY, the job id in its
// contact.txt shifted right by 16); at end-of-file it gives the daemon 2 s, then SIGTERM, 1 s, SIGKILL,
// and removes those folders if they are still there (a daemon that left normally took its own along).
constexpr const char kGuardScript[] = R"sh(trap '' INT
d=$1 dir= jf=
for p in "${TMPDIR:-/tmp}"/ompi.*/pid.$d; do [ -d "$p" ] && dir=$p; done
if [ -n "$dir" ] && [ -r "$dir/contact.txt" ]; then
  IFS=. read -r job rest < "$dir/contact.txt"
  case $job in ''|*[!0-9]*) ;; *) jf=${dir%/*}/jf.$((job >> 16)) ;; esac
fi
cat >/dev/null
alive() { [ -r /proc/$d/stat ] && ! grep -q '^[0-9]* ([^)]*) [ZX]' /proc/$d/stat; }
n=0; while alive && [ $n -lt 20 ]; do sleep 0.1; n=$((n + 1)); done
alive && kill -TERM $d
n=0; while alive && [ $n -lt 10 ]; do sleep 0.1; n=$((n + 1)); done
alive && kill -KILL $d
[ -n "$dir" ] && rm -rf "$dir"
[ -n "$jf" ] && rm -rf "$jf"
exit 0
)sh";

// In the child after fork: only async-signal-safe calls until the exec.
[[noreturn]] void become_guard(int watch, const char* daemon_pid) {
  int null = open("/dev/null", O_RDWR);
  dup2(watch, 0);
  dup2(null, 1);
  dup2(null, 2);
  for (int fd = 3; fd < 4096; ++fd) close(fd);
  execl("/bin/sh", "sh", "-c", kGuardScript, "parlab-mpi-guard", daemon_pid, static_cast<char*>(nullptr));
  _exit(127);
}

}  // namespace

void guard_singleton_daemon() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    pid_t daemon = find_daemon();
    if (daemon == 0) return;  // under mpirun the daemon is the launcher's, not this run's
    char daemon_pid[24];
    std::snprintf(daemon_pid, sizeof daemon_pid, "%d", int(daemon));
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    pid_t pid = fork();
    if (pid == 0) become_guard(fds[0], daemon_pid);
    close(fds[0]);
    if (pid < 0) close(fds[1]);
    // fds[1] stays open for the rest of the run: its closing, at the run's end, is the guard's signal.
  });
}

}  // namespace parlab::mpi::detail
