#pragma once
// Helpers for the queue tests (test_queue.cpp, test_queue_faults.cpp): the names they use and a string put.
#include <string>

#include "engine/arena/shm.hpp"
#include "engine/queues/queue.hpp"

namespace shm = parlab::shm;
using parlab::queue::Fifo;
using parlab::queue::Message;
using parlab::queue::Queue;
using parlab::queue::Status;

inline Status put_str(Queue& q, const std::string& s, bool block = true, double timeout = -1) {
  return q.put(s.data(), s.size(), block, timeout);
}
