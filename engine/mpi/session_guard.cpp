// What Open MPI leaves of a run of one process (plain parlab that spawns pool workers: a "singleton"), and
// the guard that removes it. Open MPI 4.1 starts a daemon (orted) inside MPI_Init; it and every process of
// the run keep their session files under orte_tmpdir_base (default ${TMPDIR:-/tmp}) in ompi.HOST.UID/.
// Their own clean-up misses some whenever the run does not finalize (an error, Ctrl-C, SIGKILL, a script
// that ends with a pool open), and even after a clean finalize the daemon and this process race to remove
// the shared folders: an empty jf.N or ompi.HOST.UID stays behind. So this run points orte_tmpdir_base at
// a new folder of its own (parlab-mpi.XXXXXX under the same base) and a guard removes that folder, whole,
// when the run ends. No other run's or user's session files are ever touched.
//
// The guard is a small shell that holds the read end of a pipe whose write end only this process (and
// children it forks without exec) holds: when the run ends, however it ends, the pipe reads end-of-file.
// It then gives the daemon 2 s to leave (Open MPI 4.1's orted sometimes deadlocks when its process is
// SIGKILLed, about 1 kill in 5 on the development VM, and would keep the run's stdout open for ever),
// stops it (SIGTERM, then SIGKILL), and removes the folder. The daemon's stderr is the guard's filter,
// which passes every line on except the one Open MPI 4.1 with PMIx 4 prints for each worker that ends
// without finalizing ("PMIX ERROR: BAD-PARAM in file .../pmix_event_notification.c at line N"):
// parlab.mpi.Pool kills workers at terminate and reports a worker killed from outside itself, so the line
// only alarms. Between fork and exec only async-signal-safe calls: the parent may have threads running.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/mpi/internal.hpp"

namespace parlab::mpi::detail {
namespace {

constexpr const char kBaseVar[] = "OMPI_MCA_orte_tmpdir_base";

// The guard: $1 is the run's folder; fd 0 the watch pipe, fd 3 the daemon's stderr, fd 4 the run's stderr.
// The watch pipe's first line is the daemon's pid, written once MPI_Init returned (none if it never did);
// the daemons whose pid.N folder is in the run's folder at the end are stopped too. A daemon still starting
// when the run was killed (inside MPI_Init) may create the folder again after its removal (Open MPI makes
// every missing level of its path): the folder must stay gone for 1 s, else it is removed again (up to 10 s).
constexpr const char kGuardScript[] = R"sh(trap '' INT TERM HUP
dir=$1
grep -v -E --line-buffered 'PMIX ERROR: BAD-PARAM in file [^ ]*pmix_event_notification\.c at line [0-9]+$' <&3 >&4 &
filter=$!
exec 3<&- 4>&-
IFS= read -r daemon || daemon=
cat >/dev/null
alive() { [ -r /proc/$1/stat ] && ! grep -q '^[0-9]* ([^)]*) [ZX]' /proc/$1/stat; }
stop() {
  case $1 in ''|*[!0-9]*) return ;; esac
  [ "$(cat /proc/$1/comm 2>/dev/null)" = orted ] || return
  n=0; while alive $1 && [ $n -lt 20 ]; do sleep 0.1; n=$((n + 1)); done
  alive $1 && kill -TERM $1
  n=0; while alive $1 && [ $n -lt 10 ]; do sleep 0.1; n=$((n + 1)); done
  alive $1 && kill -KILL $1
}
stop "$daemon"
case $dir in */parlab-mpi.??????) ;; *) exit 0 ;; esac
gone=0 n=0
while [ $gone -lt 10 ] && [ $n -lt 100 ]; do
  if [ -e "$dir" ]; then
    gone=0
    for p in "$dir"/ompi.*/pid.*; do stop "${p##*/pid.}"; done
    rm -rf -- "$dir"
  else
    gone=$((gone + 1))
  fi
  sleep 0.1; n=$((n + 1))
done
n=0; while alive $filter && [ $n -lt 20 ]; do sleep 0.1; n=$((n + 1)); done
alive $filter || wait $filter
exit 0
)sh";

// In the child after fork: only async-signal-safe calls until the exec. Every descriptor is first moved
// above 63 so that the dup2s below cannot overwrite one another.
[[noreturn]] void become_guard(int watch, int daemon_err, const char* dir) {
  int w = fcntl(watch, F_DUPFD, 64), e = fcntl(daemon_err, F_DUPFD, 64), out = fcntl(2, F_DUPFD, 64);
  int null = fcntl(open("/dev/null", O_RDWR), F_DUPFD, 64);
  dup2(w, 0);
  dup2(null, 1);
  dup2(e, 3);
  dup2(out, 4);
  dup2(null, 2);
  for (int fd = 5; fd < 4096; ++fd) close(fd);
  // A session of its own: a signal to the script's process group (Ctrl-C at a terminal, a harness that
  // kills the group, kill(0, ...) from inside the run) must not end the guard before it cleaned up.
  setsid();
  execl("/bin/sh", "sh", "-c", kGuardScript, "parlab-mpi-guard", dir, static_cast<char*>(nullptr));
  _exit(127);
}

// A new folder for this run's session files, under the user's orte_tmpdir_base, else $TMPDIR, else /tmp.
std::string make_run_folder() {
  const char* base = std::getenv(kBaseVar);
  if (!base || !*base) base = std::getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  std::string path = std::string(base) + "/parlab-mpi.XXXXXX";
  if (!mkdtemp(path.data())) return {};
  return path;
}

// Starts the guard for `dir`; returns the write end of the daemon's stderr pipe, or -1 (no guard), and
// sets `watch` to the write end of the guard's watch pipe.
int start_guard(const std::string& dir, int& watch_end) {
  int watch[2], err[2];
  if (pipe2(watch, O_CLOEXEC) != 0) return -1;
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(watch[0]);
    close(watch[1]);
    return -1;
  }
  pid_t pid = fork();
  if (pid == 0) become_guard(watch[0], err[0], dir.c_str());
  close(watch[0]);
  close(err[0]);
  if (pid < 0) {
    close(watch[1]);
    close(err[1]);
    return -1;
  }
  // watch[1] stays open for the rest of the run: its closing, at the run's end, is the guard's signal.
  watch_end = watch[1];
  return err[1];
}

// The pid of this process's child named orted (the daemon MPI_Init started), or 0.
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

// The names of the environment's OMPI_* and PMIX_* variables.
std::vector<std::string> mpi_variables() {
  std::vector<std::string> names;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "OMPI_", 5) == 0 || std::strncmp(*e, "PMIX_", 5) == 0)
      names.emplace_back(*e, std::strcspn(*e, "="));
  return names;
}

}  // namespace

SingletonSession::SingletonSession() noexcept : before_(mpi_variables()) {
  std::string dir = make_run_folder();
  if (dir.empty()) return;  // Open MPI uses its default place, and cleans up as well as it can
  int daemon_err = start_guard(dir, watch_);
  if (daemon_err < 0) {
    rmdir(dir.c_str());
    return;
  }
  if (const char* old = std::getenv(kBaseVar)) old_base_ = old, had_base_ = true;
  setenv(kBaseVar, dir.c_str(), 1);
  changed_env_ = true;
  // The daemon that MPI_Init starts inherits stderr: for the length of MPI_Init it is the guard's filter.
  std::fflush(stderr);
  saved_stderr_ = fcntl(2, F_DUPFD_CLOEXEC, 3);
  if (saved_stderr_ >= 0) dup2(daemon_err, 2);
  close(daemon_err);
}

SingletonSession::~SingletonSession() {
  if (saved_stderr_ >= 0) {
    std::fflush(stderr);
    dup2(saved_stderr_, 2);
    close(saved_stderr_);
  }
  if (watch_ >= 0) {  // the guard's first line; the pipe stays open (see start_guard)
    std::string line = std::to_string(long(find_daemon())) + "\n";
    if (write(watch_, line.data(), line.size()) < 0) {
      // The guard is gone: it can no longer stop the daemon; Open MPI's own clean-up remains.
    }
  }
  // The daemon read its settings at its start; processes this script starts later keep the user's.
  if (changed_env_) had_base_ ? setenv(kBaseVar, old_base_.c_str(), 1) : unsetenv(kBaseVar);
  // MPI_Init leaves this process's PMIx identity in the environment (PMIX_RANK, PMIX_SERVER_URI*,
  // OMPI_MCA_ess=singleton, ...): a parlab this script starts would take itself for a rank of this run's
  // daemon, and Open MPI would place its session files outside any folder of its own.
  for (const std::string& name : mpi_variables())
    if (std::find(before_.begin(), before_.end(), name) == before_.end()) unsetenv(name.c_str());
}

}  // namespace parlab::mpi::detail
