// Child processes without Lua: fork, the fork server, exit codes, signals, timeouts, and the process
// launcher of the pool engine with a dying worker. (Spawn execs the parlab binary: tested from Lua.)
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "engine/core/error.hpp"
#include "engine/exec/forkserver.hpp"
#include "engine/exec/pool.hpp"
#include "engine/exec/process.hpp"
#include "engine/exec/process_pool.hpp"
#include "engine/exec/wire.hpp"

namespace process = parlab::process;
namespace pool = parlab::pool;

namespace {

// Jobs of this test: "exit N", "sleep", or a pool worker that echoes payloads and dies on "die".
int test_runner(std::string_view job, void*) {
  if (parlab::wire::job_kind(job) == parlab::wire::JobKind::kPoolWorker) {
    parlab::wire::PoolJob pj = parlab::wire::read_pool_job(job);
    pool::WorkerEndpoint ep(pj.pool, pj.slot);
    pool::WorkerEndpoint::Task task;
    while (ep.next(task)) {
      if (task.payload == "die") _exit(9);
      ep.reply(task.id, true, "echo " + task.payload);
    }
    return 0;
  }
  if (job.rfind("exit ", 0) == 0) return std::stoi(std::string(job.substr(5)));
  if (job == "sleep") pause();
  return 100;
}

struct RunnerSet {
  RunnerSet() {
    process::set_job_runner(test_runner);
    parlab::forkserver::set_always_fork(true);  // this binary is not parlab: it cannot be spawned as one
  }
};

// Gone, or a zombie that is init's to reap now.
bool dead_or_zombie(pid_t pid) {
  for (int i = 0; i < 250; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return true;
    usleep(20000);
  }
  return false;
}

process::Options with(process::Method m) {
  process::Options o;
  o.method = m;
  return o;
}

}  // namespace

TEST_CASE("start method names parse and print and unknown ones are refused") {
  CHECK(process::parse_method("fork", "t") == process::Method::Fork);
  CHECK(process::parse_method("spawn", "t") == process::Method::Spawn);
  CHECK(process::parse_method("forkserver", "t") == process::Method::Forkserver);
  CHECK(std::string(process::method_name(process::Method::Forkserver)) == "forkserver");
  CHECK_THROWS_WITH(process::parse_method("vfork", "who"),
                    "who: unknown start method 'vfork' (expected 'fork', 'spawn' or 'forkserver')");
  CHECK(process::default_method() == process::Method::Forkserver);
}

TEST_CASE("a fork child returns its code and a signal gives -N and wait times out on a live child") {
  RunnerSet set;
  auto c = process::start_fork([] { return 7; }, with(process::Method::Fork));
  CHECK(c->pid() > 0);
  CHECK(c->wait(-1));
  CHECK(c->exitcode() == 7);
  CHECK(c->how() == "exit status 7");

  auto s = process::start_fork(
      [] {
        pause();
        return 0;
      },
      with(process::Method::Fork));
  CHECK_FALSE(s->wait(0.05));
  CHECK_FALSE(s->poll());
  s->signal(SIGTERM);
  CHECK(s->wait(10));
  CHECK(s->exitcode() == -SIGTERM);
  CHECK(s->how() == "signal 15 (SIGTERM)");
  s->signal(SIGKILL);  // after the reap: does nothing (the pid may belong to someone else now)
  CHECK(process::live_children() == 0);
}

TEST_CASE("the fork server runs jobs and reports exit codes and signals and survives its children") {
  RunnerSet set;
  auto a = process::start("exit 3", with(process::Method::Forkserver));
  pid_t server = parlab::forkserver::server_pid();
  CHECK(server > 0);
  CHECK(a->wait(10));
  CHECK(a->exitcode() == 3);
  auto b = process::start("sleep", with(process::Method::Forkserver));
  CHECK_FALSE(b->wait(0.05));
  b->signal(SIGKILL);
  CHECK(b->wait(10));
  CHECK(b->exitcode() == -SIGKILL);
  CHECK(parlab::forkserver::server_pid() == server);
  for (int i = 0; i < 20; ++i) {
    auto c = process::start("exit " + std::to_string(i), with(process::Method::Forkserver));
    CHECK(c->wait(10));
    CHECK(c->exitcode() == i);
  }
}

TEST_CASE("a killed fork server takes its children along and is replaced on the next start") {
  RunnerSet set;
  parlab::forkserver::ensure_started();
  pid_t old = parlab::forkserver::server_pid();
  auto orphan = process::start("sleep", with(process::Method::Forkserver));
  CHECK_FALSE(orphan->wait(0.05));
  kill(old, SIGKILL);
  CHECK(orphan->wait(10));
  CHECK(orphan->exitcode() == -SIGKILL);
  CHECK(dead_or_zombie(orphan->pid()));  // it died by PR_SET_PDEATHSIG (init reaps it in its own time)
  usleep(20000);
  auto c = process::start("exit 5", with(process::Method::Forkserver));
  CHECK(c->wait(10));
  CHECK(c->exitcode() == 5);
  CHECK(parlab::forkserver::server_pid() != old);
}

TEST_CASE("process pool: a worker that dies fails its task by name and is replaced") {
  RunnerSet set;
  for (auto m : {process::Method::Fork, process::Method::Forkserver}) {
    pool::Pool p(2, std::make_unique<process::PoolLauncher>(m));
    std::uint64_t a = p.submit("one");
    std::uint64_t d = p.submit("die");
    std::uint64_t b = p.submit("two");
    int ok = 0, died = 0;
    for (int i = 0; i < 3; ++i) {
      pool::Message msg;
      REQUIRE(p.next_result(msg, 20));
      if (msg.tag == pool::kOk) {
        CHECK((msg.id == a || msg.id == b));
        CHECK(msg.bytes.rfind("echo ", 0) == 0);
        ++ok;
      } else {
        CHECK(msg.tag == pool::kDied);
        CHECK(msg.id == d);
        CHECK(msg.bytes.find("exit status 9") != std::string::npos);
        CHECK(msg.bytes.find(process::method_name(m)) != std::string::npos);
        ++died;
      }
    }
    CHECK(ok == 2);
    CHECK(died == 1);
    std::uint64_t c = p.submit("three");
    pool::Message msg;
    REQUIRE(p.next_result(msg, 20));
    CHECK(msg.id == c);
    CHECK(msg.bytes == "echo three");
    p.close();
    CHECK(p.join(20));
    CHECK(p.deaths() == 1);
  }
  CHECK(process::live_children() == 0);
}
