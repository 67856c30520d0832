#include "engine/exec/forkserver.hpp"

#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "engine/core/after_fork.hpp"
#include "engine/core/error.hpp"
#include "engine/core/fd_wait.hpp"
#include "engine/core/gil.hpp"
#include "engine/core/os_error.hpp"
#include "engine/exec/code_mappings.hpp"
#include "engine/exec/process.hpp"
#include "engine/exec/process_spawn.hpp"

namespace parlab::forkserver {
namespace {

struct Request {
  std::uint64_t job;
  std::uint64_t len;
  std::uint32_t ignore_sigint;
};

// The client state is per process, as in Python, where each process that uses a fork server has its own
// connection to its own server: a fork child starts with none (fresh lock, no server) and starts its own
// server on its first request. client_mu is held across a fork in two ways: start_child forks the server
// itself while holding it (so the server, and every child the server forks, would inherit it locked and
// block forever in their first Process.start or Pool), and another thread may hold it while this one forks
// (a 'fork' Process, a raw fork). The parent's ctl_fd is closed in the child: using it there would
// interleave the child's requests with the parent's on one socket, and keep the server alive after the
// parent ended.
std::mutex client_mu;
int ctl_fd = -1;  // our end of the control socket
pid_t server = -1;
bool always_fork = false;

// Writes only what is not fresh already (mutex_free reads the lock word; try_lock would write it): the
// server's children inherit all of it fresh, and each page a child writes costs a copy-on-write fault.
PARLAB_AFTER_FORK void fresh_after_fork() noexcept {
  // Its holder, if any, is a thread or a stack frame that stays in the parent.
  if (!mutex_free(client_mu)) new (&client_mu) std::mutex;
  forget_in_child();
}

[[maybe_unused]] const bool atfork_installed = [] {
  pthread_atfork(nullptr, nullptr, fresh_after_fork);
  return true;
}();

bool send_with_fd(int sock, const Request& req, int fd) {
  iovec iov{const_cast<Request*>(&req), sizeof req};
  alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = buf;
  msg.msg_controllen = sizeof buf;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(sock, &msg, MSG_NOSIGNAL) == ssize_t(sizeof req);
}

// Returns bytes read (0 at EOF, -1 on error); the passed fd, if any, lands in *fd.
ssize_t recv_with_fd(int sock, Request& req, int* fd) {
  iovec iov{&req, sizeof req};
  alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = buf;
  msg.msg_controllen = sizeof buf;
  ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  *fd = -1;
  if (n > 0)
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        std::memcpy(fd, CMSG_DATA(c), sizeof(int));
  return n;
}

// The server answers within a fork's time, but a loaded machine or its first start (it opens a Lua
// state before serving) can make that tens of milliseconds: Ctrl-C or a stop request ends the wait at once
// (engine/core/fd_wait.hpp). The child may be forked by then: its pid is still read (the answer is at most
// a fork away; a server that hangs gets kAbandonMs) and the child killed, so that none runs unowned.
bool receive_pid(int fd, pid_t& pid) {
  constexpr int kAbandonMs = 1000;
  gil::Release unlocked;
  try {
    wait_readable(fd, -1);
  } catch (...) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kAbandonMs) > 0 && recv(fd, &pid, sizeof pid, MSG_WAITALL) == ssize_t(sizeof pid) &&
        pid > 0)
      kill(pid, SIGKILL);  // the server reaps it
    close(fd);
    throw;
  }
  return recv(fd, &pid, sizeof pid, MSG_WAITALL) == ssize_t(sizeof pid);
}

void reap_server() {
  if (server > 0) waitpid(server, nullptr, 0);
  server = -1;
}

// Waits for the server's first word, so that once start() returns the server has shed the descriptors
// it inherited and a server that failed to start is reported here rather than at the first request.
void wait_until_ready(int ctl) {
  char ready = 0;
  ssize_t n;
  do n = recv(ctl, &ready, 1, 0);
  while (n < 0 && errno == EINTR);
  if (n == 1 && ready == 'R') return;
  close(ctl);
  reap_server();
  throw Error("fork server: it ended before it was ready");
}

void start_locked() {
  if (ctl_fd >= 0) return;
  shm::init();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    throw Error(fmt::format("fork server: socketpair failed: {}", os_error(errno)));
  if (always_fork || process::safe_to_fork()) {
    std::fflush(nullptr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
      close(sv[0]), close(sv[1]);
      throw Error(fmt::format("fork server: fork failed: {}", os_error(errno)));
    }
    if (pid == 0) {
      close(sv[0]);
      process::setup_child(parent, true);
      serve(sv[1]);
    }
    server = pid;
  } else {
    try {
      server = process::spawn::start_forkserver(sv[1]);
    } catch (...) {
      close(sv[0]), close(sv[1]);
      throw;
    }
  }
  close(sv[1]);
  wait_until_ready(sv[0]);
  ctl_fd = sv[0];
}

// In the server's child: forget the server's sockets and signal set-up, then run the job.
[[noreturn]] void run_child(int ctl, int sfd, const std::unordered_map<pid_t, int>& kids, const Request& req,
                            int status_fd, pid_t server_self, void* prepared) {
  close(ctl);
  close(sfd);
  close(status_fd);
  for (auto& [pid, fd] : kids) close(fd);
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  process::setup_child(server_self, req.ignore_sigint != 0);
  // Read in place: the client frees the job's block only once this child has ended, and a copy would be
  // the child's first malloc (the allocator's pages written: copy-on-write faults).
  std::string_view job(static_cast<const char*>(shm::address_of(req.job, req.len)), req.len);
  process::JobRunner r = process::job_runner();
  process::exit_child(r ? r(job, prepared) : 1);
}

// A forked server inherits every descriptor its parent had open at that moment; holding the write end of
// some pipe would keep that pipe from ever reporting EOF. Keep only stdio, the arena and the control socket.
void close_inherited_fds(int ctl) {
  int arena = shm::arena_fd();
  std::vector<int> fds;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d)) {
      int fd = std::atoi(e->d_name);
      if (e->d_name[0] != '.' && fd > 2 && fd != ctl && fd != arena && fd != dirfd(d)) fds.push_back(fd);
    }
    closedir(d);
  }
  for (int fd : fds) close(fd);
}

void reap_kids(std::unordered_map<pid_t, int>& kids) {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    auto it = kids.find(pid);
    if (it == kids.end()) continue;
    send(it->second, &status, sizeof status, MSG_NOSIGNAL);
    close(it->second);
    kids.erase(it);
  }
}

}  // namespace

void ensure_started() {
  std::lock_guard<std::mutex> lock(client_mu);
  start_locked();
}

bool running() noexcept { return ctl_fd >= 0; }
void set_always_fork(bool on) noexcept { always_fork = on; }
pid_t server_pid() noexcept { return server; }

pid_t start_child(shm::Offset job, std::size_t len, bool ignore_sigint, int& status_fd) {
  std::lock_guard<std::mutex> lock(client_mu);
  for (int attempt = 0; attempt < 2; ++attempt) {
    start_locked();
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      throw Error(fmt::format("Process.start: socketpair failed: {}", os_error(errno)));
    bool sent = send_with_fd(ctl_fd, Request{job, len, ignore_sigint ? 1u : 0u}, sv[1]);
    close(sv[1]);
    pid_t pid = -1;
    if (sent && receive_pid(sv[0], pid) && pid > 0) {
      status_fd = sv[0];
      return pid;
    }
    close(sv[0]);
    // The server is gone (killed?): start a new one and try once more.
    close(ctl_fd);
    ctl_fd = -1;
    reap_server();
  }
  throw Error("Process.start: the fork server could not start a child");
}

void serve(int ctl) {
  close_inherited_fds(ctl);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, nullptr);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  code_mappings::share_with_children();  // ~20 page faults fewer in every child (its fds closed again)
  const char ready = 'R';  // the parent waits for this: from now on the server holds only its own fds
  send(ctl, &ready, 1, MSG_NOSIGNAL);
  std::unordered_map<pid_t, int> kids;
  const pid_t self = getpid();
  // Done once here rather than in every child (a Lua state with parlab opened: ~1.3 ms of CPU).
  process::Preparer prepare = process::server_preparer();
  void* prepared = prepare ? prepare() : nullptr;
  for (;;) {
    pollfd p[2] = {{ctl, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) break;
    if (p[1].revents) {
      signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) > 0) {
      }
      reap_kids(kids);
    }
    if (!p[0].revents) continue;
    Request req{};
    int status_fd = -1;
    ssize_t n = recv_with_fd(ctl, req, &status_fd);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;  // the parent is gone
    if (n != ssize_t(sizeof req) || status_fd < 0) {
      if (status_fd >= 0) close(status_fd);
      continue;
    }
    pid_t pid = fork();
    if (pid == 0) run_child(ctl, sfd, kids, req, status_fd, self, prepared);
    send(status_fd, &pid, sizeof pid, MSG_NOSIGNAL);  // -1 tells the client the fork failed
    if (pid > 0)
      kids[pid] = status_fd;
    else
      close(status_fd);
  }
  // The parent closed the connection or died: no child outlives it.
  for (auto& [pid, fd] : kids) kill(pid, SIGKILL);
  while (waitpid(-1, nullptr, 0) > 0) {
  }
  _exit(0);
}

// Hot (PARLAB_AFTER_FORK): every child runs it, from the code page its after-fork handlers share.
PARLAB_AFTER_FORK void forget_in_child() noexcept {
  if (ctl_fd >= 0) close(ctl_fd), ctl_fd = -1;
  if (server != -1) server = -1;
}

void stop() noexcept {
  std::lock_guard<std::mutex> lock(client_mu);
  if (ctl_fd >= 0) close(ctl_fd);
  ctl_fd = -1;
  reap_server();
}

}  // namespace parlab::forkserver
