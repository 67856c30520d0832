#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/clock.hpp"
#include "tests/engine/test_queue_util.hpp"

namespace {

std::string text(const Message& m) { return std::string(m.data(), m.size()); }

// The /dev/shm objects this process has mapped or open. Only its own: other programs (an MPI test run
// alongside by ctest -j) may create and remove entries there at any time.
std::set<std::string> my_dev_shm_objects() {
  std::set<std::string> found;
  if (FILE* maps = std::fopen("/proc/self/maps", "r")) {
    char line[4096];
    while (std::fgets(line, sizeof line, maps))
      if (const char* p = std::strstr(line, "/dev/shm/")) found.insert(std::string(p, std::strcspn(p, "\n")));
    std::fclose(maps);
  }
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d)) {
      char target[4096];
      std::string link = std::string("/proc/self/fd/") + e->d_name;
      ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
      if (n > 0 && std::string(target, std::size_t(n)).rfind("/dev/shm/", 0) == 0)
        found.insert(std::string(target, std::size_t(n)));
    }
    closedir(d);
  }
  return found;
}

}  // namespace

TEST_CASE("fifo keeps order for inline, boundary and large messages across many blocks") {
  std::size_t before = shm::used_bytes();
  {
    Fifo f;
    CHECK(f.empty());
    Message m;
    CHECK_FALSE(f.pop(m));
    std::vector<std::string> sent;
    for (int i = 0; i < 1000; ++i) sent.push_back(std::string(std::size_t(i % 130), char('a' + i % 26)));
    for (auto& s : sent) f.push(s.data(), s.size());
    CHECK(f.size() == sent.size());
    for (auto& s : sent) {
      REQUIRE(f.pop(m));
      CHECK(text(m) == s);
    }
    CHECK(f.empty());
    CHECK(f.size() == 0);
    // Left-over messages (inline and large) are freed with the FIFO.
    for (auto& s : sent) f.push(s.data(), s.size());
  }
  CHECK(shm::used_bytes() == before);
}

TEST_CASE("queue get and put time out, or fail at once when not blocking") {
  auto q = shm::Ref<Queue>::create(2);
  Message m;
  CHECK(q->get(m, false) == Status::timeout);
  double t0 = parlab::clock_seconds();
  CHECK(q->get(m, true, 0.05) == Status::timeout);
  CHECK(parlab::clock_seconds() - t0 >= 0.05);
  CHECK(put_str(*q, "a") == Status::ok);
  CHECK(put_str(*q, "b") == Status::ok);
  CHECK(q->full());
  CHECK(q->qsize() == 2);
  CHECK(put_str(*q, "c", false) == Status::timeout);
  t0 = parlab::clock_seconds();
  CHECK(put_str(*q, "c", true, 0.05) == Status::timeout);
  CHECK(parlab::clock_seconds() - t0 >= 0.05);
  REQUIRE(q->get(m) == Status::ok);
  CHECK(text(m) == "a");
  CHECK_FALSE(q->full());
  CHECK(q->qsize() == 1);
  REQUIRE(q->get(m, true, 1) == Status::ok);
  CHECK(text(m) == "b");
  CHECK(q->empty());
}

TEST_CASE("closing a queue fails puts, drains gets, then fails them, and wakes blocked callers") {
  auto q = shm::Ref<Queue>::create(1);
  CHECK(put_str(*q, "last") == Status::ok);
  std::atomic<int> put_result{-1};
  std::thread blocked_put([&] { put_result = int(put_str(*q, "x")); });  // full: waits
  parlab::sleep_seconds(0.05);
  q->close();
  blocked_put.join();
  CHECK(put_result == int(Status::closed));
  CHECK(put_str(*q, "y") == Status::closed);
  Message m;
  REQUIRE(q->get(m) == Status::ok);
  CHECK(text(m) == "last");
  CHECK(q->get(m) == Status::closed);  // instead of hanging
  CHECK(q->get(m, false) == Status::closed);

  auto q2 = shm::Ref<Queue>::create();
  std::atomic<int> get_result{-1};
  std::thread blocked_get([&] {
    Message mm;
    get_result = int(q2->get(mm));
  });
  parlab::sleep_seconds(0.05);
  q2->close();
  blocked_get.join();
  CHECK(get_result == int(Status::closed));
}

TEST_CASE("joinable queue counts unfinished tasks and join waits for task_done") {
  auto q = shm::Ref<Queue>::create(0, true);
  CHECK(q->join(0));
  CHECK_THROWS_AS(q->task_done(), parlab::Error);
  for (int i = 0; i < 3; ++i) put_str(*q, "t");
  CHECK(q->unfinished() == 3);
  CHECK_FALSE(q->join(0.02));
  std::thread worker([&] {
    Message m;
    while (q->get(m, true, 0.2) == Status::ok) q->task_done();
  });
  CHECK(q->join(10));
  worker.join();
  CHECK(q->unfinished() == 0);
  CHECK_THROWS_AS(q->task_done(), parlab::Error);
}

TEST_CASE("a million small messages between many threads arrive exactly once") {
  auto q = shm::Ref<Queue>::create(GENERATE(0, 64));
  constexpr int kProducers = 4, kConsumers = 4, kEach = 250000;
  std::vector<std::atomic<std::uint8_t>> seen(std::size_t(kProducers) * kEach);
  std::atomic<long long> sum{0};
  std::atomic<int> dups{0}, got{0}, put_failures{0};
  std::vector<std::thread> threads;
  // Worker threads count what went wrong; only the main thread asserts (Catch2's assertions are not
  // thread-safe: ThreadSanitizer reported REQUIRE from several producers at once as a race).
  for (int p = 0; p < kProducers; ++p)
    threads.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) {
        int v = p * kEach + i;
        if (q->put(reinterpret_cast<const char*>(&v), sizeof v) != Status::ok) put_failures++;
      }
    });
  for (int c = 0; c < kConsumers; ++c)
    threads.emplace_back([&] {
      Message m;
      while (q->get(m) == Status::ok) {
        int v;
        std::memcpy(&v, m.data(), sizeof v);
        if (seen[std::size_t(v)].fetch_add(1) != 0) dups++;
        sum += v;
        got++;
      }
    });
  for (int p = 0; p < kProducers; ++p) threads[std::size_t(p)].join();
  q->close();  // consumers drain, then stop
  for (std::size_t t = kProducers; t < threads.size(); ++t) threads[t].join();
  long long n = (long long)kProducers * kEach;
  CHECK(put_failures == 0);
  CHECK(got == n);
  CHECK(dups == 0);
  CHECK(sum == n * (n - 1) / 2);
  CHECK(q->empty());
}

struct QueueTotals : shm::Header {
  static constexpr std::uint32_t kKind = 0x7E57;
  std::atomic<long long> sum{0};
  std::atomic<long long> count{0};
};

TEST_CASE("forked producers and consumers share one queue with exact totals") {
  using Totals = QueueTotals;
  auto q = shm::Ref<Queue>::create(1000);
  auto totals = shm::Ref<Totals>::create();
  constexpr int kProducers = 3, kConsumers = 3, kEach = 100000;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProducers; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      for (int i = 1; i <= kEach; ++i) {
        std::string s = std::to_string(i);
        if (q->put(s.data(), s.size()) != Status::ok) _exit(2);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  std::vector<pid_t> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    pid_t pid = fork();
    if (pid == 0) {
      Message m;
      long long sum = 0, count = 0;
      while (q->get(m) == Status::ok) sum += std::stoll(std::string(m.data(), m.size())), count++;
      totals->sum += sum;
      totals->count += count;
      _exit(0);
    }
    consumers.push_back(pid);
  }
  for (pid_t pid : kids) {
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0));
  }
  q->close();
  for (pid_t pid : consumers) {
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0));
  }
  CHECK(totals->count == (long long)kProducers * kEach);
  CHECK(totals->sum == (long long)kProducers * kEach * (kEach + 1) / 2);
}

TEST_CASE("a 100 MB message travels intact and its memory comes back") {
  std::size_t before = shm::used_bytes();
  {
    auto q = shm::Ref<Queue>::create();
    std::string big(100u << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = char(i / 4096);
    REQUIRE(put_str(*q, big) == Status::ok);
    Message m;
    REQUIRE(q->get(m) == Status::ok);
    CHECK(m.size() == big.size());
    CHECK(std::memcmp(m.data(), big.data(), big.size()) == 0);
    CHECK(my_dev_shm_objects().empty());  // the arena is a memfd: nothing is ever named in /dev/shm
  }
  CHECK(shm::used_bytes() == before);
  CHECK(my_dev_shm_objects().empty());
}

TEST_CASE("a bounded queue blocks producers until consumers make room") {
  auto q = shm::Ref<Queue>::create(3);
  std::atomic<int> produced{0}, put_failures{0}, over_bound{0};
  std::thread producer([&] {  // counts what went wrong: Catch2's assertions belong to the main thread
    for (int i = 0; i < 100; ++i) {
      if (put_str(*q, std::to_string(i)) != Status::ok) put_failures++;
      produced++;
      if (q->qsize() > 3) over_bound++;
    }
  });
  parlab::sleep_seconds(0.05);
  CHECK(produced <= 3);
  Message m;
  for (int i = 0; i < 100; ++i) {
    REQUIRE(q->get(m, true, 5) == Status::ok);
    CHECK(text(m) == std::to_string(i));
  }
  producer.join();
  CHECK(put_failures == 0);
  CHECK(over_bound == 0);
  CHECK(q->empty());
}
