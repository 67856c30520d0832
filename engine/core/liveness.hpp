#pragma once
// Whether another process can still release what it holds. Shared-memory locks record their holder's
// pid; a waiter that has waited long asks this before taking the lock over or raising. A zombie (ended,
// not yet reaped) counts as gone: the waiter may be the very parent that would reap it.
#include <sys/types.h>

namespace parlab {

// True when `pid` names no running process (never for 0, negative pids or the caller itself).
// Costs a kill(2) and, when the process exists, a read of /proc/<pid>/stat (a few microseconds).
bool process_gone(pid_t pid) noexcept;

}  // namespace parlab
