// Built instead of engine/mpi/*.cpp when MPI is missing: the two calls the CLI may make in any build.
#include "engine/mpi/mpi.hpp"

namespace parlab::mpi {

void abort_on_error(const char*) noexcept {}
void finalize() noexcept {}
bool initialized() noexcept { return false; }
bool launched_by_env() noexcept { return false; }

}  // namespace parlab::mpi
