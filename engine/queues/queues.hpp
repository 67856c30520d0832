#pragma once
// engine/queues: messages between threads and processes. Queue, JoinableQueue and SimpleQueue share
// one object (queue.hpp) over an MPMC FIFO of byte messages in the arena (queue_fifo.hpp); Pipe joins two
// connection ends with one FIFO per direction (pipe.hpp) and knows which processes hold each end
// (pipe_holders.hpp); waiters sleep on one wake-up word per condition (queue_signal.hpp).
// Messages are opaque bytes here: the bindings encode Lua values (engine/transport).
// Uses: core, arena.
#include "engine/queues/pipe.hpp"
#include "engine/queues/pipe_holders.hpp"
#include "engine/queues/queue.hpp"
#include "engine/queues/queue_fifo.hpp"
#include "engine/queues/queue_signal.hpp"
