#pragma once
// parlab's own environment variables (PARLAB_ARENA, PARLAB_JOB, PARLAB_FORKSERVER) are set by a parlab
// process for the children it starts. One that a user set, or copied from a child's environment, must not
// crash the program, run it against the wrong memory or end it silently: it is refused with a message that
// says what is wrong and what to do.
#include <string>

namespace parlab {

// Prints "parlab: NAME=VALUE: WHY" and how to get rid of the variable on stderr, then exits with status 2.
[[noreturn]] void refuse_internal_variable(const char* name, const char* value, const std::string& why);

}  // namespace parlab
