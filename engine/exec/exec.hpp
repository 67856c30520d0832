#pragma once
// engine/exec: what runs the work. OS threads with Python's Thread life cycle (thread.hpp); child
// processes by fork, spawn or the fork server (process.hpp, process_spawn.hpp, forkserver.hpp); the task
// pool that ThreadPool and Pool share (pool.hpp), its MPMC channels in the arena (pool_channel.hpp) and
// its process launcher (process_pool.hpp), and what a task and a child's job look like on the wire
// (wire.hpp). Arguments and results are opaque bytes here: the bindings encode them; a worker's Lua state
// lives in bindings/worker.
// Uses: core, arena, transport.
#include "engine/exec/forkserver.hpp"
#include "engine/exec/pool.hpp"
#include "engine/exec/pool_channel.hpp"
#include "engine/exec/process.hpp"
#include "engine/exec/process_pool.hpp"
#include "engine/exec/process_spawn.hpp"
#include "engine/exec/thread.hpp"
#include "engine/exec/wire.hpp"
