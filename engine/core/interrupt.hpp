#pragma once
// Ctrl-C reaches blocking engine calls through one process-wide flag: the CLI's SIGINT handler raises
// it, and every wait in the engine (sleep, queue get, lock acquire, join, ...) checks it and throws
// Interrupted, so control returns to the prompt. A thread may also watch a stop flag of its own, which
// makes the same waits throw Terminated. Waits on futex words register the word (engine/core/sleepers)
// and are woken when either flag is set; the others wake every kPollSeconds to look.
#include <atomic>

#include "engine/core/error.hpp"

namespace parlab::interrupt {

class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted") {}
};

// A thread asked to stop (Thread:terminate(), a terminated ThreadPool): its waits throw this.
class Terminated : public Error {
 public:
  Terminated() : Error("terminated") {}
};

// Async-signal-safe: sets the flag.
void raise() noexcept;
// Clears the flag (the REPL does this before each statement).
void clear() noexcept;
bool pending() noexcept;
// Throws Interrupted when the flag is set, Terminated when the calling thread's stop flag is.
void check();

// The calling thread's stop flag (nullptr: none): set by whoever stops the thread, read by check().
void watch_stop_flag(const std::atomic<bool>* flag) noexcept;
const std::atomic<bool>* watched_stop_flag() noexcept;

// The longest an unregistered blocking wait may sleep before it checks the flags again.
constexpr double kPollSeconds = 0.02;

}  // namespace parlab::interrupt
