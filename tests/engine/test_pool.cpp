// The pool engine without Lua: a launcher whose workers are std::threads running a C++ loop that
// answers "n" with "n*2", and can be told to die (return without marking the slot exited).
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/clock.hpp"
#include "engine/core/error.hpp"
#include "engine/exec/pool.hpp"
#include "engine/exec/pool_channel.hpp"

using namespace parlab;

namespace {

void worker_loop(shm::Offset pool, int slot) {
  auto* ep = new pool::WorkerEndpoint(pool, slot);
  pool::WorkerEndpoint::Task t;
  while (ep->next(t)) {
    if (t.payload == "die") {  // leaves the slot "running": the parent sees a death
      static std::vector<pool::WorkerEndpoint*> abandoned;  // kept reachable, as a dead process's would be
      abandoned.push_back(ep);
      return;
    }
    if (t.payload == "sleep") {
      sleep_seconds(0.2);
      ep->reply(t.id, true, "slept");
      continue;
    }
    if (t.payload == "fail") {
      ep->reply(t.id, false, "failed");
      continue;
    }
    ep->reply(t.id, true, std::to_string(std::stol(t.payload) * 2) + "@" + std::to_string(slot));
  }
  delete ep;
}

class TestLauncher final : public pool::Launcher {
 public:
  std::atomic<int> starts{0};
  const char* kind() const override { return "test-thread"; }
  void start(shm::Offset pool, int slot) override {
    ++starts;
    if (slot >= int(threads_.size())) threads_.resize(slot + 1);
    if (threads_[slot].t.joinable()) threads_[slot].t.join();
    threads_[slot].done = std::make_shared<std::atomic<bool>>(false);
    auto done = threads_[slot].done;
    threads_[slot].t = std::thread([pool, slot, done] {
      worker_loop(pool, slot);
      done->store(true);
    });
  }
  bool ended(int slot, std::string& how) override {
    auto& w = threads_[slot];
    if (!w.done->load()) return false;
    if (w.t.joinable()) w.t.join();
    how = "returned";
    return true;
  }
  bool wait(int slot, double timeout, std::string& how) override {
    double end = clock_seconds() + (timeout < 0 ? 1e9 : timeout);
    while (!ended(slot, how)) {
      if (clock_seconds() > end) return false;
      sleep_seconds(0.001);
    }
    return true;
  }
  void kill(int) override {}
  ~TestLauncher() override {
    for (auto& w : threads_)
      if (w.t.joinable()) w.t.join();
  }

 private:
  struct W {
    std::thread t;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<W> threads_;
};

std::map<std::uint64_t, pool::Message> collect(pool::Pool& p, size_t n) {
  std::map<std::uint64_t, pool::Message> out;
  pool::Message m;
  while (out.size() < n) {
    REQUIRE(p.next_result(m, 10));
    out[m.id] = std::move(m);
  }
  return out;
}

}  // namespace

TEST_CASE("pool: every task answered once, with its own id", "[pool]") {
  pool::Pool p(3, std::make_unique<TestLauncher>());
  std::map<std::uint64_t, long> want;
  for (long i = 0; i < 5000; ++i) want[p.submit(std::to_string(i))] = i * 2;
  auto got = collect(p, want.size());
  for (auto& [id, m] : got) {
    REQUIRE(m.tag == pool::kOk);
    REQUIRE(std::stol(m.bytes) == want.at(id));
  }
  p.close();
  REQUIRE(p.join(10));
}

TEST_CASE("pool: hammer from many submitting threads gives exact totals", "[pool]") {
  pool::Channel* ch = new (shm::allocate(sizeof(pool::Channel))) pool::Channel();
  constexpr int kProducers = 4, kConsumers = 3, kEach = 20000;
  std::atomic<long> sum{0}, count{0};
  std::vector<std::thread> ts;
  for (int p = 0; p < kProducers; ++p)
    ts.emplace_back([&, p] {
      for (int i = 1; i <= kEach; ++i)
        ch->push(std::uint64_t(p) * kEach + i, pool::kTask, -1, std::to_string(i));
    });
  for (int c = 0; c < kConsumers; ++c)
    ts.emplace_back([&] {
      pool::Message m;
      while (count.load() < kProducers * kEach) {
        if (ch->pop(m)) {
          sum += std::stol(m.bytes);
          ++count;
        }
      }
    });
  for (auto& t : ts) t.join();
  REQUIRE(count.load() == kProducers * kEach);
  REQUIRE(sum.load() == long(kProducers) * kEach * (kEach + 1) / 2);
  REQUIRE(ch->size() == 0);
  ch->~Channel();
  shm::deallocate(ch);
}

TEST_CASE("pool: errors come back as errors", "[pool]") {
  pool::Pool p(2, std::make_unique<TestLauncher>());
  auto id = p.submit("fail");
  pool::Message m;
  REQUIRE(p.next_result(m, 10));
  REQUIRE(m.id == id);
  REQUIRE(m.tag == pool::kError);
  REQUIRE(m.bytes == "failed");
}

TEST_CASE("pool: a dead worker fails its task and is replaced", "[pool]") {
  auto launcher = std::make_unique<TestLauncher>();
  TestLauncher* l = launcher.get();
  pool::Pool p(1, std::move(launcher));
  auto dead = p.submit("die");
  pool::Message m;
  REQUIRE(p.next_result(m, 10));
  REQUIRE(m.id == dead);
  REQUIRE(m.tag == pool::kDied);
  REQUIRE(m.bytes.find("died while running this task") != std::string::npos);
  REQUIRE(p.deaths() == 1);
  auto later = p.submit("21");
  REQUIRE(p.next_result(m, 10));
  REQUIRE(m.id == later);
  REQUIRE(m.bytes == "42@0");
  REQUIRE(l->starts.load() == 2);
}

TEST_CASE("pool: close lets queued tasks finish, terminate drops them", "[pool]") {
  {
    pool::Pool p(1, std::make_unique<TestLauncher>());
    for (int i = 0; i < 100; ++i) p.submit("1");
    p.close();
    REQUIRE_THROWS_AS(p.submit("1"), Error);
    REQUIRE(p.join(10));
    REQUIRE(collect(p, 100).size() == 100);
  }
  {
    pool::Pool p(1, std::make_unique<TestLauncher>());
    p.submit("sleep");
    for (int i = 0; i < 100; ++i) p.submit("1");
    sleep_seconds(0.05);
    p.terminate();
    REQUIRE(p.join(10));
    pool::Message m;
    int answered = 0;
    while (p.try_result(m)) ++answered;
    REQUIRE(answered <= 1);
  }
}

TEST_CASE("pool: cancel takes back a queued task, targeted tasks go to their worker", "[pool]") {
  pool::Pool p(2, std::make_unique<TestLauncher>());
  p.submit("sleep", 0);
  auto queued = p.submit("5", 0);
  REQUIRE(p.cancel(queued));
  REQUIRE_FALSE(p.cancel(queued));
  auto to1 = p.submit("7", 1);
  auto got = collect(p, 2);
  REQUIRE(got.count(queued) == 0);
  REQUIRE(got.at(to1).bytes == "14@1");
}

TEST_CASE("pool: a task sent in pieces arrives whole; one over 4 GiB is refused before any copy", "[pool]") {
  pool::Pool p(1, std::make_unique<TestLauncher>());
  const std::string a = "1", b = "2";
  parlab::Piece two[] = {{a.data(), a.size()}, {b.data(), b.size()}};
  auto id = p.submit(two, 2);
  auto got = collect(p, 1);
  REQUIRE(got.at(id).bytes == "24@0");  // the worker doubles the number "12"
  // Sizes that add up past 4 GiB: refused from the sizes alone (the bytes are never read).
  parlab::Piece huge[] = {{a.data(), std::size_t(3) << 30}, {b.data(), std::size_t(2) << 30}};
  REQUIRE_THROWS_WITH(p.submit(huge, 2), Catch::Contains("over 4 GiB"));
}

TEST_CASE("pool: bad use is refused with a named error", "[pool]") {
  REQUIRE_THROWS_WITH(pool::Pool(0, std::make_unique<TestLauncher>()), Catch::Contains("number of workers"));
  pool::Pool p(1, std::make_unique<TestLauncher>());
  REQUIRE_THROWS_WITH(p.join(), Catch::Contains("close() or terminate() first"));
  REQUIRE_THROWS_WITH(p.submit("1", 5), Catch::Contains("no worker 5"));
  p.terminate();
  REQUIRE_THROWS_WITH(p.submit("1"), Catch::Contains("terminate"));
}
