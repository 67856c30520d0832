// A survivor killed in turn while it recovers what a killed process left in a Queue (issue 14): the next
// survivor takes the job over from where it stopped, so nobody waits for ever and the item the first
// process took is delivered once (or counted as maybe lost, never silently gone). Each case kills a
// process at one of the Fifo's moments (Fifo::test_hook), then a survivor at one of the recovery's; the
// old code left the recovery marked as under way for ever there. Also: two survivors repairing two dead
// linkers of one block at the same moment agree on one link.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "tests/engine/test_queue_fault_util.hpp"

using namespace fault_util;  // the fault tests' helpers (test_queue_fault_util.hpp)
using Stage = Fifo::Stage;

// The 63rd get from a fresh queue claims its first slot block's last slot and moves the head to the next;
// it is killed there, and the survivor that moves the head for it is killed at `stage`.
static void mover_survivor_killed(Stage stage) {
  std::size_t before = shm::used_bytes();
  {
    auto q = shm::Ref<Queue>::create();
    REQUIRE(put_numbers(*q, kFirstBlock + 1));
    REQUIRE(got_numbers(*q, kFirstBlock - 1, 5));
    REQUIRE(child_killed_at(Stage::reader_moving_head, [&] { get_str(*q, 5); }));
    REQUIRE(child_killed_at(stage, [&] { get_str(*q, 5); }));
    CHECK(finishes_within(10, [&] { return both_come_back_once(*q, "62", "63", -1); }));
    CHECK(q->faults().redelivered == 1);
    CHECK(q->faults().maybe_lost == 0);
    CHECK(q->qsize() == 0);
  }
  CHECK(shm::used_bytes() == before);  // the old block was freed, once
}

TEST_CASE("a survivor killed while it moves the head for a dead reader: the next one finishes the move") {
  SECTION("after it took the dead reader's lease") { mover_survivor_killed(Stage::recover_claimed); }
  SECTION("before the head's stores") { mover_survivor_killed(Stage::recover_moving); }
  SECTION("between the head's block and index stores") { mover_survivor_killed(Stage::recover_moved_block); }
}

// A reader is killed with an item (at `reader`); the survivor that puts it back is killed at `survivor`
// after it got the other item. The next reader gets the item, once.
static void put_back_survivor_killed(Stage reader, Stage survivor, const std::string& item) {
  std::size_t before = shm::used_bytes();
  {
    auto q = shm::Ref<Queue>::create();
    REQUIRE(put_str(*q, item) == Status::ok);
    REQUIRE(put_str(*q, "two") == Status::ok);
    REQUIRE(child_killed_at(reader, [&] { get_str(*q, 5); }));
    REQUIRE(child_killed_at(survivor, [&] {
      if (get_str(*q, 5) == "two") get_str(*q, 5);  // the queue is empty: it recovers the dead reader's lease
    }));
    CHECK(finishes_within(10, [&] { return get_str(*q, -1) == item && get_str(*q, 0.3) == "<none>"; }));
    CHECK(q->faults().redelivered == 1);
    CHECK(q->faults().maybe_lost == 0);
  }
  CHECK(shm::used_bytes() == before);  // the slot blocks and the large item's block were freed, once
}

TEST_CASE("a survivor killed while it puts a dead reader's item back: the item still arrives, once") {
  const std::string big(1 << 20, 'x');
  SECTION("it had taken the item; the survivor is killed after it took the lease") {
    put_back_survivor_killed(Stage::reader_took, Stage::recover_claimed, "one");
  }
  SECTION("it had taken the item; the survivor released its slot") {
    put_back_survivor_killed(Stage::reader_took, Stage::recover_put_back, "one");
  }
  SECTION("it had taken the item; the survivor claimed a slot at the tail and did not fill it") {
    put_back_survivor_killed(Stage::reader_took, Stage::writer_claimed, "one");
  }
  SECTION("a large item, the same") {
    put_back_survivor_killed(Stage::reader_took, Stage::writer_claimed, big);
  }
  SECTION("it had claimed the slot only; the survivor is killed after it took the lease") {
    put_back_survivor_killed(Stage::reader_claimed, Stage::recover_claimed, "one");
  }
  SECTION("it had claimed the slot only; the survivor copied the item and released the slot") {
    put_back_survivor_killed(Stage::reader_claimed, Stage::recover_put_back, big);
  }
}

TEST_CASE("a reader killed while it marks a dead writer's slot as a hole: the next survivor does it") {
  std::size_t before = shm::used_bytes();
  {
    auto q = shm::Ref<Queue>::create();
    REQUIRE(put_str(*q, "a") == Status::ok);
    REQUIRE(child_killed_at(Stage::writer_claimed, [&] { put_str(*q, "lost"); }));
    REQUIRE(put_str(*q, "b") == Status::ok);
    // It gets "a", waits on the dead writer's slot, takes that writer's lease, and is killed.
    REQUIRE(child_killed_at(Stage::recover_claimed, [&] {
      if (get_str(*q, 5) == "a") get_str(*q, 5);
    }));
    CHECK(finishes_within(10, [&] { return get_str(*q, -1) == "b" && get_str(*q, 0.3) == "<none>"; }));
    CHECK(q->faults().lost_puts == 1);
    CHECK(q->faults().redelivered == 0);
  }
  CHECK(shm::used_bytes() == before);  // the hole was marked read, and its block freed
}

// The 63rd put into a fresh queue claims its first slot block's last slot; it is killed before it links
// the next block, and the writer that comes next, waiting at the block's end, links it for it and is
// killed at `stage`.
static void linker_survivor_killed(Stage stage) {
  std::size_t before = shm::used_bytes();
  {
    auto q = shm::Ref<Queue>::create();
    REQUIRE(put_numbers(*q, kFirstBlock - 1));
    REQUIRE(child_killed_at(Stage::writer_linking, [&] { put_str(*q, "lost"); }));
    REQUIRE(child_killed_at(stage, [&] { put_str(*q, "killed"); }));
    CHECK(finishes_within(10, [&] {
      if (put_str(*q, "after") != Status::ok) return false;
      if (!got_numbers(*q, kFirstBlock - 1, -1)) return false;
      return get_str(*q, -1) == "after" && get_str(*q, 0.3) == "<none>";
    }));
    CHECK(q->faults().lost_puts == 2);  // the dead linker's put and the killed survivor's own
    CHECK(q->qsize() == 0);
  }
  CHECK(shm::used_bytes() == before);  // one successor linked, none left over
}

TEST_CASE("a survivor killed while it links the next block for a dead writer: the next one finishes it") {
  SECTION("after it took the dead writer's lease") { linker_survivor_killed(Stage::recover_claimed); }
  SECTION("before the tail moved") { linker_survivor_killed(Stage::recover_linking); }
  SECTION("after the tail moved, before the link") { linker_survivor_killed(Stage::recover_linked); }
}

// Two writers race for a block's last slot and are both killed before the tail moved: B loses, A wins and
// is killed before it links. Then two survivors, each waiting at the block's end, take one dead lease each
// and repair it at the same moment (both wait at recover_linking for the other).
namespace race2 {  // flags: 0 A claimed, 1 B dead, 2 B is about to claim, 3 survivors at the repair
void writer_b(Stage s) {
  if (s == Stage::writer_claiming_last) {
    flags[2].store(1);
    if (!wait_flag(0)) _exit(3);
  }
  if (s == Stage::writer_lost_last) raise(SIGKILL);
}
void writer_a(Stage s) {
  if (s == Stage::writer_linking) {
    flags[0].store(1);
    if (!wait_flag(1)) _exit(3);
    raise(SIGKILL);
  }
}
void survivor(Stage s) {
  if (s != Stage::recover_linking) return;
  flags[3].fetch_add(1);
  if (!wait_flag(3, 2)) _exit(3);
}
}  // namespace race2

TEST_CASE("two survivors repair two dead linkers of one block at the same moment: one link is made") {
  std::size_t before = shm::used_bytes();
  map_flags(4);
  REQUIRE(flags != nullptr);
  {
    auto q = shm::Ref<Queue>::create();
    REQUIRE(put_numbers(*q, kFirstBlock - 1));
    pid_t b = start_put(*q, race2::writer_b, "lost b");
    REQUIRE(wait_flag(2));
    pid_t a = start_put(*q, race2::writer_a, "lost a");
    REQUIRE(status_of(b) == -SIGKILL);
    flags[1].store(1);
    REQUIRE(status_of(a) == -SIGKILL);
    pid_t s1 = start_put(*q, race2::survivor, "s1");
    pid_t s2 = start_put(*q, race2::survivor, "s2");
    CHECK(status_of(s1) == 0);  // each reached the repair while the other was there
    CHECK(status_of(s2) == 0);
    CHECK(flags[3].load() == 2);
    CHECK(finishes_within(
        10, [&] { return got_numbers(*q, kFirstBlock - 1, -1) && both_come_back_once(*q, "s1", "s2", -1); }));
    CHECK(q->faults().lost_puts == 2);
  }
  unmap_flags();
  CHECK(shm::used_bytes() == before);  // the successor not linked was freed, the other after use
}
