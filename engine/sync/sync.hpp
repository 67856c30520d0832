#pragma once
// engine/sync: Python's synchronisation objects for threads and processes alike, each a futex word in
// the shared arena (no pthread object, so a process killed while holding one cannot wedge the others):
// Lock and RLock, Semaphore and BoundedSemaphore, Event, Condition, Barrier, and the small shared
// storage of Value, Array and ShareableList (value.hpp).
// Uses: core, arena.
#include "engine/sync/barrier.hpp"
#include "engine/sync/condition.hpp"
#include "engine/sync/event.hpp"
#include "engine/sync/lock.hpp"
#include "engine/sync/semaphore.hpp"
#include "engine/sync/value.hpp"
