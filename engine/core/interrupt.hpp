#pragma once
// Ctrl-C reaches blocking engine calls through one process-wide flag: the CLI's SIGINT handler raises
// it, and every wait in the engine (sleep, queue get, lock acquire, join, ...) wakes at least every
// few milliseconds to check it and throws Interrupted, so control returns to the prompt.
#include "engine/core/error.hpp"

namespace parlab::interrupt {

class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted") {}
};

// Async-signal-safe: sets the flag.
void raise() noexcept;
// Clears the flag (the REPL does this before each statement).
void clear() noexcept;
bool pending() noexcept;
// Throws Interrupted when the flag is set.
void check();

// The longest a blocking wait may sleep before it checks the flag again.
constexpr double kPollSeconds = 0.02;

}  // namespace parlab::interrupt
