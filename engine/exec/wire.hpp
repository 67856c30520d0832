#pragma once
// What a pool task and a child's job look like on the wire: the one definition both sides use, written
// and read with the transport's Writer and bounds-checked Reader (engine/transport/transport.hpp). The
// engine carries the Lua-encoded parts as opaque bytes; a malformed task or job is refused with a
// parlab::Error that says what is wrong, never misread.
//
// Task:         'T', varint fn_id, fixed64 fn_addr, varint fn_size, u8 mode, then the encoded arguments.
// Pool job:     'W', varint arena offset of the pool, varint slot, the parent (nothing after).
// Process job:  'P', bytes name, the parent, bytes encoded target, then the encoded arguments.
// The parent:   varint pid, bytes name (multiprocessing.parent_process() in the child).
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/arena/shm.hpp"
#include "engine/transport/transport.hpp"

namespace parlab::wire {

// How a task's arguments are applied.
enum class TaskMode : uint8_t {
  kApply = 1,    // args are the call's values: fn(args...), all results come back
  kMap = 2,      // args are one table {n=, items...}: fn(item) each, first results come back as a table
  kStarmap = 3,  // as kMap, each item a table of arguments: fn(unpack(item))
};

// A pool task. The function is encoded once per batch into the arena at fn_addr (one address in every
// process) and cached by fn_id in each worker, so it is not re-sent or re-decoded per task.
struct Task {
  uint64_t fn_id = 0;
  uint64_t fn_addr = 0;
  uint32_t fn_size = 0;
  TaskMode mode = TaskMode::kApply;
  std::string_view args;  // encoded arguments; on reading, a view into the task's bytes
};

// Appends the task to w (no allocation once w's buffer has grown to fit).
void write_task(Writer& w, const Task& task);
// Appends all of the task but its arguments, which the caller sends right after (a task in pieces).
void write_task_header(Writer& w, const Task& task);
// Throws parlab::Error("pool task: ...") on bytes that are not a whole task.
Task read_task(std::string_view bytes);

// What a child process runs, told by a job's first byte.
enum class JobKind : uint8_t { kNone = 0, kPoolWorker = 'W', kProcess = 'P' };

// The process that started a child: its pid and its multiprocessing name (process::own_name()). With the
// forkserver method the child's OS parent is the server, so the logical parent has to travel in the job.
struct Parent {
  uint64_t pid = 0;
  std::string_view name;
};

// The pool worker `slot` of the pool engine at arena offset `pool`.
struct PoolJob {
  shm::Offset pool = 0;
  int slot = 0;
  Parent parent;
};

// A Process target: its name, the encoded target function, the encoded arguments (views on reading).
struct ProcessJob {
  std::string_view name, target, args;
  Parent parent;
};

// kNone for bytes that start as no job of these kinds (a test's own jobs, an empty job).
JobKind job_kind(std::string_view job);

std::string write_pool_job(const PoolJob& job);
std::string write_process_job(const ProcessJob& job);
// Throw parlab::Error("pool worker job: ..." / "process job: ...") on a job of another kind, a
// truncated one, or one with bytes past its end.
PoolJob read_pool_job(std::string_view job);
ProcessJob read_process_job(std::string_view job);

}  // namespace parlab::wire
