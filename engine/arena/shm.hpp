#pragma once
// The shared arena: all memory that threads and processes of one parlab run share (arrays, queues,
// locks, values). It is one memfd (so nothing is ever named in /dev/shm and nothing can be left behind,
// whatever way the run ends), reserved large and sparse, and mapped at the same address in every process
// of the run: forked children inherit the mapping; exec'd children (spawn) receive the fd through the
// environment (child_environment) and map it at the same address (attach_from_environment).
// Objects are named across processes by their offset in the arena.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace parlab::shm {

using Offset = std::uint64_t;

// Maps the arena on first use (or attaches to the parent's, see attach_from_environment).
// Thread-safe and process-shared. Memory is zero-filled on first touch only; allocate does not clear.
// Throws parlab::Error("shared memory exhausted ...") when the arena is full.
void* allocate(std::size_t bytes, std::size_t align = 64);
// Frees a block from allocate; large blocks give their pages back to the system.
void deallocate(void* p) noexcept;

// Offsets name objects across processes; address_of validates and throws parlab::Error on a bad offset.
Offset offset_of(const void* p);
void* address_of(Offset offset, std::size_t bytes = 0);
bool contains(const void* p, std::size_t bytes = 0) noexcept;

// A random 64-bit number, different for every call in every process of the run (with overwhelming
// probability): names one shared object or array storage for its lifetime.
std::uint64_t new_serial() noexcept;

// Bytes the arena could still hand out, and bytes in use (for tests and leak checks).
std::size_t free_bytes();
std::size_t used_bytes();
// Bytes of freed large blocks kept warm for reuse (warm_shelf.hpp), not counted in used_bytes.
std::size_t warm_bytes();
// How many times this process took the allocator's lock over from a process that died holding it.
std::uint64_t recoveries() noexcept;
// How many blocks and object references this process has taken from the arena (allocate, Ref attach or
// copy); a fork child inherits the count. A child whose count did not move since a point took nothing a
// finalizer would have to give back, so it may end without a final collection.
std::uint64_t taken_by_this_process() noexcept;
void note_taken() noexcept;
// The most memory this run may fill: the machine's RAM, or the cgroup's limit (memory.max) when lower.
// The arena reserves twice the RAM (sparse), so memory that is filled at once (a zeroed array) is checked
// against this instead, before it is touched.
std::size_t memory_limit();

// Maps the arena now if it is not mapped yet. Call before starting any child process or thread that
// must see objects created later (a pool created before the arrays it will be handed).
void init();

// For a child that will exec (spawn start method): NAME=VALUE pairs to put in its environment. The
// spawner must keep arena_fd() open across the exec (it is close-on-exec in the parent), e.g. with
// posix_spawn_file_actions_adddup2(fa, fd, fd) or by clearing FD_CLOEXEC in the child after fork.
std::vector<std::pair<std::string, std::string>> child_environment();
// Called once at start-up of every parlab process: attaches to the parent's arena when the environment
// names one, so the child sees the same objects at the same addresses. Unsets the variable so that
// unrelated grandchildren do not inherit it.
void attach_from_environment();
// True when this process's arena came from its parent through attach_from_environment.
bool inherited_arena() noexcept;

// The arena's fd (for passing over a unix socket with SCM_RIGHTS, e.g. to a fork server).
int arena_fd();

}  // namespace parlab::shm
