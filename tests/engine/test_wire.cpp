// The pool task and child job formats (engine/exec/wire.hpp): round trips, and malformed bytes refused.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/exec/wire.hpp"
#include "engine/transport/transport.hpp"

namespace wire = parlab::wire;
using Catch::Matchers::Contains;

namespace {

std::string task_bytes(const wire::Task& t) {
  wire::Writer w;
  wire::write_task(w, t);
  return w.take();
}

}  // namespace

TEST_CASE("wire: a pool task round-trips, its arguments a view of the bytes") {
  std::string args("\xB7\x01\x00\x01\x85", 5);
  wire::Task t{1ull << 40, 0x7f0012345678ull, 4000000000u, wire::TaskMode::kStarmap, args};
  std::string bytes = task_bytes(t);
  wire::Task got = wire::read_task(bytes);
  CHECK(got.fn_id == t.fn_id);
  CHECK(got.fn_addr == t.fn_addr);
  CHECK(got.fn_size == t.fn_size);
  CHECK(got.mode == wire::TaskMode::kStarmap);
  CHECK(got.args == args);
  CHECK(got.args.data() == bytes.data() + bytes.size() - args.size());
  wire::Task empty = wire::read_task(task_bytes({3, 8, 0, wire::TaskMode::kApply, {}}));
  CHECK(empty.args.empty());
  CHECK(empty.mode == wire::TaskMode::kApply);
}

TEST_CASE("wire: a writer reused across tasks keeps its buffer") {
  wire::Writer w(256);
  wire::write_task(w, {1, 2, 3, wire::TaskMode::kMap, "abc"});
  const char* before = w.buffer().data();
  w.buffer().clear();
  wire::write_task(w, {4, 5, 6, wire::TaskMode::kApply, "defgh"});
  CHECK(w.buffer().data() == before);
  CHECK(wire::read_task(w.buffer()).args == "defgh");
}

TEST_CASE("wire: a truncated or garbage task is refused, never misread") {
  std::string bytes = task_bytes({300, 0x1000, 70000, wire::TaskMode::kMap, ""});
  for (size_t n = 0; n < bytes.size(); ++n)
    CHECK_THROWS_WITH(wire::read_task(bytes.substr(0, n)), Contains("pool task:"));
  std::string bad_mode = bytes;
  bad_mode.back() = 9;
  CHECK_THROWS_WITH(wire::read_task(bad_mode), Contains("unknown mode 9"));
  CHECK_THROWS_WITH(wire::read_task("garbage bytes here"), Contains("wrong first byte"));
  CHECK_THROWS_WITH(wire::read_task(std::string("T\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12)),
                    Contains("pool task:"));
}

TEST_CASE("wire: a pool worker job round-trips and is told from other jobs") {
  std::string job = wire::write_pool_job({0x123456789ull, 37, {4242, "Process-7"}});
  REQUIRE(wire::job_kind(job) == wire::JobKind::kPoolWorker);
  wire::PoolJob got = wire::read_pool_job(job);
  CHECK(got.pool == 0x123456789ull);
  CHECK(got.slot == 37);
  CHECK(got.parent.pid == 4242);
  CHECK(got.parent.name == "Process-7");
  CHECK(wire::job_kind("") == wire::JobKind::kNone);
  CHECK(wire::job_kind("exit 3") == wire::JobKind::kNone);
}

TEST_CASE("wire: a malformed pool worker job is refused") {
  std::string job = wire::write_pool_job({4096, 2});
  for (size_t n = 0; n < job.size(); ++n)
    CHECK_THROWS_WITH(wire::read_pool_job(job.substr(0, n)), Contains("pool worker job:"));
  CHECK_THROWS_WITH(wire::read_pool_job(job + "x"), Contains("bytes past its end"));
  CHECK_THROWS_WITH(wire::read_pool_job(std::string("W\x01\xff\xff\xff\xff\x7f", 7)),
                    Contains("slot out of range"));
  CHECK_THROWS_WITH(wire::read_pool_job(wire::write_process_job({"p", "t", "a"})),
                    Contains("wrong first byte"));
}

TEST_CASE("wire: a process job round-trips, with any bytes in its fields") {
  std::string name("Process-1"), target("\xB7\x01\x01\x00zz", 6), args("\x00\x01\x02", 3);
  std::string job = wire::write_process_job({name, target, args, {99, "MainProcess"}});
  REQUIRE(wire::job_kind(job) == wire::JobKind::kProcess);
  wire::ProcessJob got = wire::read_process_job(job);
  CHECK(got.name == name);
  CHECK(got.parent.pid == 99);
  CHECK(got.parent.name == "MainProcess");
  CHECK(got.target == target);
  CHECK(got.args == args);
  wire::ProcessJob empty = wire::read_process_job(wire::write_process_job({"", "", ""}));
  CHECK(empty.name.empty());
  CHECK(empty.target.empty());
  CHECK(empty.args.empty());
}

TEST_CASE("wire: a truncated or garbage process job is refused") {
  std::string job = wire::write_process_job({"worker", "target bytes", ""});
  // Every cut inside the name or target fields is refused (a cut in the args is just shorter args).
  for (size_t n = 0; n < job.size(); ++n)
    CHECK_THROWS_WITH(wire::read_process_job(job.substr(0, n)), Contains("process job:"));
  CHECK_THROWS_WITH(wire::read_process_job("P\x7f"
                                           "short"),
                    Contains("truncated"));
  CHECK_THROWS_WITH(wire::read_process_job(wire::write_pool_job({1, 1})), Contains("wrong first byte"));
}

TEST_CASE("wire: a writer that splices big strings gives the same message in pieces, and whole on unsplice") {
  const std::string big(wire::Writer::kSpliceBytes, 'b'), small(wire::Writer::kSpliceBytes - 1, 's');
  const std::string other(3 * wire::Writer::kSpliceBytes + 7, 'o');
  auto write = [&](wire::Writer& w) {
    w.u8(1);
    w.string_bytes(big.data(), big.size());
    w.string_bytes(small.data(), small.size());
    w.varint(300);
    w.string_bytes(other.data(), other.size());
    w.string_bytes(big.data(), big.size());  // two splices in a row: an empty run between them
  };
  wire::Writer plain;
  write(plain);
  const std::string whole = plain.take();

  std::vector<wire::Splice> splices;
  wire::Writer spliced;
  spliced.splice_into(&splices);
  write(spliced);
  CHECK(splices.size() == 3);  // the string one byte short of the limit was copied
  CHECK(spliced.size() + 2 * big.size() + other.size() == whole.size());
  std::vector<wire::Piece> pieces;
  wire::pieces_of(spliced.buffer(), splices, pieces);
  for (const wire::Piece& p : pieces) CHECK(p.size > 0);
  std::string joined(parlab::total_size(pieces.data(), pieces.size()), '\0');
  parlab::copy_pieces(joined.data(), pieces.data(), pieces.size());
  CHECK(joined == whole);

  spliced.unsplice();
  CHECK(splices.empty());
  CHECK(spliced.take() == whole);
}
