#pragma once
// How much shared memory a run may still fill, checked before the arena hands out a block. The arena
// reserves twice the RAM (sparse), so without this a program that keeps making arrays, or queues a huge
// message, fills the machine and is killed by the OOM killer (with whatever else it takes along) instead
// of getting an error it can handle.
#include <cstddef>

namespace parlab::shm {

// Memory the kernel says can still be filled: MemAvailable, lowered to the cgroup's room
// (memory.max - memory.current) when the run is in a limited cgroup. Reads /proc: ~20 us.
std::size_t available_memory();

// The cgroup's memory limit in bytes (v2 memory.max, else v1 memory.limit_in_bytes), or 0 when there is
// none.
std::size_t cgroup_limit();

// PARLAB_SHM_LIMIT (bytes, or with a K/M/G/T suffix): a cap on the arena's use for the whole run, or 0
// when unset. Throws parlab::Error naming the variable when it is set to something that is not a size.
std::size_t use_limit();

// Throws parlab::Error("shared memory: ...") when `bytes` more, with `used` already in use, would pass
// use_limit(), or (for blocks of 64 MiB and more) leave less than a safety margin of memory available.
void check_budget(std::size_t bytes, std::size_t used);

}  // namespace parlab::shm
