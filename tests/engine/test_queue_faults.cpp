// A Queue after a process was killed in the middle of a put or a get, at the exact moments that are
// hardest to survive (Fifo::test_hook kills the child there): nobody waits for ever, a taken item comes
// back, a lost one is counted, and the queue's counts (size, unfinished tasks, arena use) stay right.
// A writer killed while linking the next slot block, or a reader killed while moving the head to it, no
// longer stops the queue (issue 14).
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "tests/engine/test_queue_fault_util.hpp"

using namespace fault_util;  // the fault tests' helpers (test_queue_fault_util.hpp)

TEST_CASE("a writer killed after claiming its slot: readers skip it, and join and the size stay right") {
  auto q = shm::Ref<Queue>::create(4, true);  // bounded and joinable: both counts must come back
  REQUIRE(put_str(*q, "a") == Status::ok);
  REQUIRE(child_killed_at(Fifo::Stage::writer_claimed, [&] { put_str(*q, "lost"); }));
  REQUIRE(put_str(*q, "b") == Status::ok);
  // Past the hole, after its 50 ms grace: the gets wait for ever, in a child given 10 s.
  CHECK(finishes_within(10, [&] { return get_str(*q, -1) == "a" && get_str(*q, -1) == "b"; }));
  CHECK(q->faults().lost_puts == 1);
  CHECK(q->qsize() == 0);
  q->task_done();
  q->task_done();
  CHECK(q->join(5));  // the lost put's task is not waited for
  for (int i = 0; i < 4; ++i) CHECK(put_str(*q, "room") == Status::ok);  // all four places are free
}

TEST_CASE("a reader killed after taking an item: the item comes back at the tail, its memory is reused") {
  std::size_t before = shm::used_bytes();
  {
    auto q = shm::Ref<Queue>::create();
    const std::string big(1 << 20, 'x');
    REQUIRE(put_str(*q, big) == Status::ok);
    REQUIRE(put_str(*q, "small") == Status::ok);
    REQUIRE(child_killed_at(Fifo::Stage::reader_took, [&] { get_str(*q, 5); }));
    CHECK(both_come_back_once(*q, big, "small", 5));
    CHECK(q->faults().redelivered == 1);
    // A small item taken the same way comes back too.
    REQUIRE(put_str(*q, "s2") == Status::ok);
    REQUIRE(child_killed_at(Fifo::Stage::reader_took, [&] { get_str(*q, 5); }));
    CHECK(get_str(*q, 5) == "s2");
    CHECK(q->faults().redelivered == 2);
  }
  // The survivors marked the killed readers' slots read for them: every slot block was freed.
  CHECK(shm::used_bytes() == before);
}

TEST_CASE("a reader killed between claiming a slot and taking its item: the item, still there, comes back") {
  std::size_t before = shm::used_bytes();
  {
    auto q = shm::Ref<Queue>::create();
    REQUIRE(put_str(*q, "one") == Status::ok);
    REQUIRE(put_str(*q, "two") == Status::ok);
    REQUIRE(child_killed_at(Fifo::Stage::reader_claimed, [&] { get_str(*q, 5); }));
    CHECK(get_str(*q, 5) == "two");
    CHECK(get_str(*q, 5) == "one");  // the empty get looked at the leases and put it back
    CHECK(get_str(*q, 0.3) == "<none>");
    CHECK(q->faults().maybe_lost == 0);
    CHECK(q->faults().redelivered == 1);
  }
  CHECK(shm::used_bytes() == before);
}

// The 63rd put into a fresh queue claims its first slot block's last slot and links the next block.
static void linking_killed(Fifo::Stage stage, bool readers_first) {
  std::size_t before = shm::used_bytes();
  {
    auto q = shm::Ref<Queue>::create();
    REQUIRE(put_numbers(*q, kFirstBlock - 1));
    REQUIRE(child_killed_at(stage, [&] { put_str(*q, "lost"); }));
    // Waits that the repair ends: for ever, in a child given 10 s.
    CHECK(finishes_within(10, [&] {
      if (!readers_first && put_str(*q, "after") != Status::ok) return false;  // at the tail's gap: repairs
      if (!got_numbers(*q, kFirstBlock - 1, -1)) return false;
      if (readers_first) {
        if (get_str(*q, 0.3) != "<none>") return false;  // past the hole and on to the next block: repairs
        if (put_str(*q, "after") != Status::ok) return false;
      }
      return get_str(*q, -1) == "after";
    }));
    CHECK(q->faults().lost_puts == 1);
    CHECK(q->qsize() == 0);
  }
  CHECK(shm::used_bytes() == before);  // the successor the dead writer made was the one linked
}

TEST_CASE("a writer killed while it links the next slot block: writers and readers link it for it") {
  SECTION("before the tail moved, a writer comes next") {
    linking_killed(Fifo::Stage::writer_linking, false);
  }
  SECTION("before the tail moved, readers come next") { linking_killed(Fifo::Stage::writer_linking, true); }
  SECTION("after the tail moved, before the link") { linking_killed(Fifo::Stage::writer_linked_tail, true); }
}

// The 63rd get from a fresh queue claims its first slot block's last slot and moves the head to the next.
static void moving_killed(Fifo::Stage stage) {
  std::size_t before = shm::used_bytes();
  {
    auto q = shm::Ref<Queue>::create();
    REQUIRE(put_numbers(*q, kFirstBlock + 1));
    REQUIRE(got_numbers(*q, kFirstBlock - 1, 5));
    REQUIRE(child_killed_at(stage, [&] { get_str(*q, 5); }));
    // The old code spun at the block's end for ever: the survivors' gets run in a child with 10 s.
    CHECK(finishes_within(10, [&] { return both_come_back_once(*q, "62", "63", 5); }));
    CHECK(q->faults().redelivered == 1);
    CHECK(q->faults().maybe_lost == 0);
    CHECK(q->qsize() == 0);
  }
  CHECK(shm::used_bytes() == before);  // the old block was freed, once
}

TEST_CASE("a reader killed while it moves the head to the next slot block: readers move it for it") {
  SECTION("before the head's stores") { moving_killed(Fifo::Stage::reader_moving_head); }
  SECTION("between the head's block and index stores") { moving_killed(Fifo::Stage::reader_moved_block); }
}

// Two writers race for a block's last slot: B records it (linking) first, A claims it, B loses and is
// killed, then A is killed after moving the tail into its successor, before linking it. B's lease comes
// first, so a survivor that linked B's successor (never used) sent readers to a block nobody writes.
// The old code failed only when B's lease comes before A's in the scan (the leases each child takes are
// not chosen by the test): this case does not yet fail reliably on it.
namespace race {  // flags: 0 A claimed, 1 B dead, 2 B is about to claim
void writer_b(Fifo::Stage s) {
  if (s == Fifo::Stage::writer_claiming_last) {
    flags[2].store(1);
    if (!wait_flag(0)) _exit(3);
  }
  if (s == Fifo::Stage::writer_lost_last) raise(SIGKILL);
}
void writer_a(Fifo::Stage s) {
  if (s == Fifo::Stage::writer_linking) {
    flags[0].store(1);
    if (!wait_flag(1)) _exit(3);
  }
  if (s == Fifo::Stage::writer_linked_tail) raise(SIGKILL);
}
}  // namespace race

TEST_CASE("two writers killed racing for a block's last slot: the winner's successor is linked") {
  std::size_t before = shm::used_bytes();
  map_flags(3);
  REQUIRE(flags != nullptr);
  {
    auto q = shm::Ref<Queue>::create();
    REQUIRE(put_numbers(*q, kFirstBlock - 1));
    pid_t b = start_put(*q, race::writer_b, "lost b");
    REQUIRE(wait_flag(2));  // B first: its lease and its claim attempt come before A's
    pid_t a = start_put(*q, race::writer_a, "lost a");
    REQUIRE(status_of(b) == -SIGKILL);
    flags[1].store(1);
    REQUIRE(status_of(a) == -SIGKILL);
    REQUIRE(put_str(*q, "after") == Status::ok);  // into A's successor, which the tail moved to
    CHECK(finishes_within(10, [&] {
      if (!got_numbers(*q, kFirstBlock - 1, 5)) return false;
      return get_str(*q, 5) == "after" && get_str(*q, 0.3) == "<none>";
    }));
    CHECK(q->faults().lost_puts == 2);
  }
  unmap_flags();
  CHECK(shm::used_bytes() == before);  // B's successor was freed, A's after use
}
