#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <thread>

#include "engine/arena/shm.hpp"
#include "engine/core/clock.hpp"
#include "engine/queues/pipe.hpp"

namespace shm = parlab::shm;
using parlab::queue::Message;
using parlab::queue::Pipe;
using parlab::queue::PipeStatus;

namespace {

std::string text(const Message& m) { return std::string(m.data(), m.size()); }

PipeStatus send_str(Pipe& p, int end, const std::string& s) { return p.send(end, s.data(), s.size()); }

// A pipe with one handle open on each end, as parlab.Pipe() makes it.
shm::Ref<Pipe> open_pipe(bool duplex = true) {
  auto p = shm::Ref<Pipe>::create(duplex);
  p->open_end(0);
  p->open_end(1);
  return p;
}

}  // namespace

TEST_CASE("a duplex pipe carries messages both ways in order, small and large") {
  std::size_t before = shm::used_bytes();
  {
    auto p = open_pipe();
    std::string big(3u << 20, 'z');
    big[12345] = 'q';
    CHECK(send_str(*p, 0, "to one") == PipeStatus::ok);
    CHECK(send_str(*p, 0, big) == PipeStatus::ok);
    CHECK(send_str(*p, 1, "to zero") == PipeStatus::ok);
    CHECK(send_str(*p, 1, "") == PipeStatus::ok);
    Message m;
    REQUIRE(p->recv(1, m) == PipeStatus::ok);
    CHECK(text(m) == "to one");
    REQUIRE(p->recv(1, m) == PipeStatus::ok);
    CHECK(text(m) == big);
    REQUIRE(p->recv(0, m) == PipeStatus::ok);
    CHECK(text(m) == "to zero");
    REQUIRE(p->recv(0, m) == PipeStatus::ok);
    CHECK(m.size() == 0);
    send_str(*p, 0, big);  // left unread: freed with the pipe
    p->close_end(0);
    p->close_end(1);
  }
  CHECK(shm::used_bytes() == before);
}

TEST_CASE("a one-way pipe reads on end 0 and writes on end 1 only") {
  auto p = open_pipe(false);
  CHECK(p->can_recv(0));
  CHECK_FALSE(p->can_send(0));
  CHECK(p->can_send(1));
  CHECK_FALSE(p->can_recv(1));
  auto d = open_pipe(true);
  CHECK((d->can_send(0) && d->can_recv(0) && d->can_send(1) && d->can_recv(1)));
}

TEST_CASE("recv and poll time out while the peer is open and silent") {
  auto p = open_pipe();
  Message m;
  CHECK(p->recv(0, m, 0) == PipeStatus::timeout);
  double t0 = parlab::clock_seconds();
  CHECK(p->recv(0, m, 0.12) == PipeStatus::timeout);  // longer than a peer-check slice
  CHECK(parlab::clock_seconds() - t0 >= 0.12);
  CHECK(p->poll(0, 0) == PipeStatus::timeout);
  CHECK(p->poll(0, 0.03) == PipeStatus::timeout);
  send_str(*p, 1, "x");
  CHECK(p->poll(0, 0) == PipeStatus::ok);
  CHECK(p->poll(0, 1) == PipeStatus::ok);
  CHECK(p->pending(0) == 1);
}

TEST_CASE("after the other end closes, queued messages arrive, then EOF, and sending fails") {
  auto p = open_pipe();
  send_str(*p, 1, "one");
  send_str(*p, 1, "two");
  p->close_end(1);
  Message m;
  REQUIRE(p->recv(0, m) == PipeStatus::ok);
  CHECK(text(m) == "one");
  CHECK(p->poll(0, 0) == PipeStatus::ok);
  REQUIRE(p->recv(0, m) == PipeStatus::ok);
  CHECK(text(m) == "two");
  CHECK(p->poll(0, 0) == PipeStatus::closed);
  CHECK(p->recv(0, m) == PipeStatus::closed);
  CHECK(send_str(*p, 0, "nobody") == PipeStatus::closed);
}

TEST_CASE("a blocked recv wakes when another thread closes the other end") {
  auto p = open_pipe();
  std::atomic<int> result{-1};
  std::thread reader([&] {
    Message m;
    result = int(p->recv(0, m));
  });
  parlab::sleep_seconds(0.05);
  p->close_end(1);
  reader.join();
  CHECK(result == int(PipeStatus::closed));
}

TEST_CASE("recv raises EOF when the process holding the other end is killed") {
  auto p = open_pipe();
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    auto mine = shm::Ref<Pipe>::attach(p.offset());
    mine->open_end(1);  // the child now holds end 1 itself
    send_str(*mine, 1, "before death");
    char c = 1;
    if (write(ready[1], &c, 1) != 1) _exit(3);
    for (;;) pause();
  }
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  close(ready[0]);
  close(ready[1]);
  p->close_end(1);  // the parent lets go of its copy, as after handing it to a child
  Message m;
  REQUIRE(p->recv(0, m, 5) == PipeStatus::ok);
  CHECK(text(m) == "before death");
  CHECK(p->recv(0, m, 0.1) == PipeStatus::timeout);  // the child is alive and silent
  std::thread killer([pid] {
    parlab::sleep_seconds(0.05);
    kill(pid, SIGKILL);  // not reaped before recv notices: a zombie counts as dead
  });
  double t0 = parlab::clock_seconds();
  CHECK(p->recv(0, m, 10) == PipeStatus::peer_died);
  CHECK(parlab::clock_seconds() - t0 < 5);
  killer.join();
  CHECK(p->poll(0, 0) == PipeStatus::peer_died);
  parlab::sleep_seconds(parlab::queue::kPeerCheckSeconds * 1.5);
  CHECK(send_str(*p, 0, "anyone?") == PipeStatus::closed);  // the reader died: BrokenPipe
  int st = 0;
  waitpid(pid, &st, 0);
  CHECK(WIFSIGNALED(st));
}

TEST_CASE("two processes ping-pong many messages over a pipe") {
  auto p = open_pipe();
  constexpr int kRounds = 3000;
  pid_t pid = fork();
  if (pid == 0) {
    Message m;
    for (int i = 0; i < kRounds; ++i) {
      if (p->recv(1, m, 10) != PipeStatus::ok) _exit(2);
      if (p->send(1, m.data(), m.size()) != PipeStatus::ok) _exit(3);
    }
    _exit(0);
  }
  Message m;
  long long bad = 0;
  for (int i = 0; i < kRounds; ++i) {
    std::string s = std::to_string(i);
    send_str(*p, 0, s);
    if (p->recv(0, m, 10) != PipeStatus::ok || text(m) != s) bad++;
  }
  int st = 0;
  waitpid(pid, &st, 0);
  CHECK(bad == 0);
  CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0));
}

TEST_CASE("process identities: this process is alive, an exited child is not") {
  const auto& me = parlab::queue::this_process();
  CHECK(me.pid == getpid());
  CHECK(parlab::queue::process_alive(me));
  pid_t pid = fork();
  if (pid == 0) {
    bool ok = parlab::queue::this_process().pid == getpid();  // refreshed after fork
    _exit(ok ? 0 : 1);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0));
  CHECK_FALSE(parlab::queue::process_alive({pid, 0}));
}
