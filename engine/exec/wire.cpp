// The pool task and child job formats (wire.hpp): each written and read here only.
#include "engine/exec/wire.hpp"

#include <climits>

#include "engine/core/error.hpp"

namespace parlab::wire {
namespace {

constexpr uint8_t kTaskTag = 'T';

// The bytes r has not read yet.
std::string_view rest(std::string_view bytes, const Reader& r) {
  return bytes.substr(bytes.size() - r.left());
}

// Runs read(r) over bytes that must start with `tag`; any failure becomes Error("<what>: <reason>").
template <class F>
auto read_tagged(std::string_view bytes, uint8_t tag, const char* what, F read) {
  try {
    Reader r(bytes.data(), bytes.size());
    if (bytes.empty() || r.u8() != tag) throw Error("not one (wrong first byte)");
    return read(r);
  } catch (const Error& e) {
    throw Error(std::string(what) + ": " + e.what());
  }
}

}  // namespace

void write_task_header(Writer& w, const Task& task) {
  w.u8(kTaskTag);
  w.varint(task.fn_id);
  w.fixed64(task.fn_addr);
  w.varint(task.fn_size);
  w.u8(static_cast<uint8_t>(task.mode));
}

void write_task(Writer& w, const Task& task) {
  write_task_header(w, task);
  w.buffer().append(task.args.data(), task.args.size());
}

Task read_task(std::string_view bytes) {
  return read_tagged(bytes, kTaskTag, "pool task", [bytes](Reader& r) {
    Task t;
    t.fn_id = r.varint();
    t.fn_addr = r.fixed64();
    uint64_t size = r.varint();
    if (size > UINT32_MAX) throw Error("function size out of range");
    t.fn_size = static_cast<uint32_t>(size);
    uint8_t mode = r.u8();
    if (mode < uint8_t(TaskMode::kApply) || mode > uint8_t(TaskMode::kStarmap))
      throw Error("unknown mode " + std::to_string(mode));
    t.mode = static_cast<TaskMode>(mode);
    t.args = rest(bytes, r);
    return t;
  });
}

JobKind job_kind(std::string_view job) {
  if (job.empty()) return JobKind::kNone;
  auto k = static_cast<JobKind>(static_cast<uint8_t>(job[0]));
  return k == JobKind::kPoolWorker || k == JobKind::kProcess ? k : JobKind::kNone;
}

namespace {
void write_parent(Writer& w, const Parent& p) {
  w.varint(p.pid);
  w.bytes(p.name.data(), p.name.size());
}
Parent read_parent(Reader& r) {
  Parent p;
  p.pid = r.varint();
  p.name = r.bytes();
  return p;
}
}  // namespace

std::string write_pool_job(const PoolJob& job) {
  Writer w(32 + job.parent.name.size());
  w.u8(uint8_t(JobKind::kPoolWorker));
  w.varint(job.pool);
  w.varint(static_cast<uint64_t>(job.slot));
  write_parent(w, job.parent);
  return w.take();
}

PoolJob read_pool_job(std::string_view job) {
  return read_tagged(job, uint8_t(JobKind::kPoolWorker), "pool worker job", [](Reader& r) {
    PoolJob j;
    j.pool = r.varint();
    uint64_t slot = r.varint();
    if (slot > INT_MAX) throw Error("slot out of range");
    j.slot = static_cast<int>(slot);
    j.parent = read_parent(r);
    if (!r.at_end()) throw Error("bytes past its end");
    return j;
  });
}

std::string write_process_job(const ProcessJob& job) {
  Writer w(32 + job.name.size() + job.parent.name.size() + job.target.size() + job.args.size());
  w.u8(uint8_t(JobKind::kProcess));
  w.bytes(job.name.data(), job.name.size());
  write_parent(w, job.parent);
  w.bytes(job.target.data(), job.target.size());
  w.buffer().append(job.args.data(), job.args.size());
  return w.take();
}

ProcessJob read_process_job(std::string_view job) {
  return read_tagged(job, uint8_t(JobKind::kProcess), "process job", [job](Reader& r) {
    ProcessJob j;
    j.name = r.bytes();
    j.parent = read_parent(r);
    j.target = r.bytes();
    j.args = rest(job, r);
    return j;
  });
}

}  // namespace parlab::wire
