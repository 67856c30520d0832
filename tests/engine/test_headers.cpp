// Each subsystem's public header (engine/<folder>/<folder>.hpp) compiles on its own: a newcomer can
// include one folder without knowing what else it needs.
#include <catch2/catch.hpp>

#include "engine/arena/arena.hpp"
#include "engine/core/core.hpp"
#include "engine/exec/exec.hpp"
#include "engine/gpu/gpu.hpp"
#include "engine/kernels/kernels.hpp"
#include "engine/mpi/mpi.hpp"
#include "engine/queues/queues.hpp"
#include "engine/sync/sync.hpp"
#include "engine/transport/transport.hpp"

// One type from a primitive of each folder: a public header that stopped including it fails to compile.
TEST_CASE("each subsystem header brings its primitives", "[headers]") {
  CHECK(parlab::deadline_after(-1) < 0);                             // core
  static_assert(sizeof(parlab::shm::Ref<parlab::shm::Header>) > 0);  // arena
  static_assert(sizeof(parlab::sync::LockObject) > 0);
  static_assert(sizeof(parlab::queue::Queue) > 0);
  static_assert(sizeof(parlab::pool::Message) > 0);  // exec
  static_assert(sizeof(parlab::ArrayStorage) > 0);   // kernels
  static_assert(sizeof(parlab::wire::Writer) > 0);   // transport
  static_assert(sizeof(parlab::gpu::Status) > 0);
  static_assert(sizeof(parlab::mpi::Status) > 0);
}
