#pragma once
// The text of a failed system call's errno, with the limit behind it when there is one: "Too many open
// files" alone does not tell a student which limit, or how close the program came to it.
#include <string>

namespace parlab {

// strerror(err), plus for EMFILE the descriptor limit (ulimit -n) and for EAGAIN from fork or thread
// creation the process limit (ulimit -u).
std::string os_error(int err);

}  // namespace parlab
