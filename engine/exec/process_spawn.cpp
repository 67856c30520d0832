#include "engine/exec/process_spawn.hpp"

#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/core/internal_env.hpp"
#include "engine/core/os_error.hpp"
#include "engine/exec/forkserver.hpp"
#include "engine/exec/process.hpp"

extern char** environ;

namespace parlab::process::spawn {
namespace {

constexpr const char* kJobEnv = "PARLAB_JOB";            // offset:len:parent pid:ignore_sigint
constexpr const char* kServerEnv = "PARLAB_FORKSERVER";  // fd:parent pid

// The program a spawn runs: /proc/self/exe in the parlab executable; a library host (a Lua module in
// luajit, an embedding program) sets the installed parlab instead, as its own executable cannot run jobs.
std::string& executable_path() {
  static std::string path =
      "/proc/self/exe";  // function-local: set_executable may run in a static initializer
  return path;
}

// posix_spawn uses vfork semantics: no copy of a large parent's page tables, unlike fork.
pid_t spawn_self(const std::vector<std::string>& extra_env, const std::vector<int>& keep_fds) {
  std::vector<std::string> env = {};
  for (char** e = environ; *e; ++e) {
    bool ours = std::strncmp(*e, "PARLAB_JOB=", 11) == 0 || std::strncmp(*e, "PARLAB_FORKSERVER=", 18) == 0 ||
                std::strncmp(*e, "PARLAB_ARENA=", 13) == 0;
    if (!ours) env.emplace_back(*e);
  }
  for (auto& [k, v] : shm::child_environment()) env.push_back(k + "=" + v);
  for (auto& e : extra_env) env.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // dup2 onto itself clears close-on-exec (glibc >= 2.29): the child keeps exactly these fds.
  posix_spawn_file_actions_adddup2(&fa, shm::arena_fd(), shm::arena_fd());
  for (int fd : keep_fds) posix_spawn_file_actions_adddup2(&fa, fd, fd);
  char arg0[] = "parlab", arg1[] = "-e", arg2[] = "require('parlab.internal').process_child()";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  pid_t pid = -1;
  const std::string& exe = executable_path();
  int rc = exe.empty() ? ENOENT : posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (exe.empty())
    throw Error(
        "Process.start: the spawn start method runs the parlab executable, which was not found next to "
        "the parlab library; set PARLAB_EXECUTABLE to its path");
  if (rc != 0) throw Error(fmt::format("Process.start: spawn of {} failed: {}", exe, os_error(rc)));
  return pid;
}

}  // namespace

void set_executable(const std::string& path) { executable_path() = path; }
const std::string& executable() { return executable_path(); }

pid_t start(shm::Offset job, std::size_t len, bool ignore_sigint) {
  return spawn_self({fmt::format("{}={}:{}:{}:{}", kJobEnv, job, len, getpid(), ignore_sigint ? 1 : 0)}, {});
}

pid_t start_forkserver(int fd) {
  bool main_thread = gettid() == getpid();
  return spawn_self({fmt::format("{}={}:{}:{}", kServerEnv, fd, getpid(), main_thread ? 1 : 0)}, {fd});
}

namespace {

// The variable's parent pid must be this process's parent: a spawned child is started by it directly.
void check_parent(const char* name, const char* spec, int parent) {
  if (parent != getppid())
    refuse_internal_variable(
        name, spec, fmt::format("process {} is not this process's parent (that is {})", parent, getppid()));
}

void check_server_spec(const char* spec, int fd, int parent) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
    refuse_internal_variable(kServerEnv, spec,
                             fmt::format("descriptor {} is not a socket from a parent parlab", fd));
  check_parent(kServerEnv, spec, parent);
}

// The job's bytes, which must lie inside the arena inherited through PARLAB_ARENA.
std::string job_bytes(const char* spec, unsigned long long offset, unsigned long long len) {
  if (!shm::inherited_arena()) refuse_internal_variable(kJobEnv, spec, "no PARLAB_ARENA came with it");
  try {
    return std::string(static_cast<const char*>(shm::address_of(offset, len)), len);
  } catch (const std::exception&) {
    refuse_internal_variable(kJobEnv, spec, "it names no job inside the inherited arena");
  }
}

}  // namespace

void run_from_environment() {
  shm::attach_from_environment();
  if (const char* spec = std::getenv(kServerEnv)) {
    int fd = -1, parent = -1, pdeathsig = 1;
    if (std::sscanf(spec, "%d:%d:%d", &fd, &parent, &pdeathsig) != 3)
      refuse_internal_variable(kServerEnv, spec, "it is not fd:pid:flag");
    check_server_spec(spec, fd, parent);
    unsetenv(kServerEnv);
    setup_child(parent, true, pdeathsig != 0);
    forkserver::serve(fd);  // never returns
  }
  const char* spec = std::getenv(kJobEnv);
  if (!spec) return;
  unsigned long long offset = 0, len = 0;
  int parent = -1, ignore = 0;
  if (std::sscanf(spec, "%llu:%llu:%d:%d", &offset, &len, &parent, &ignore) != 4)
    refuse_internal_variable(kJobEnv, spec, "it is not offset:length:pid:flag");
  check_parent(kJobEnv, spec, parent);
  std::string job = job_bytes(spec, offset, len);
  unsetenv(kJobEnv);
  setup_child(parent, ignore != 0);
  JobRunner r = job_runner();
  exit_child(r ? r(job, nullptr) : 1);
}

}  // namespace parlab::process::spawn
