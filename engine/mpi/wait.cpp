// Waiting without blocking inside MPI: spin briefly (MPI progresses only inside its calls), then sleep
// with a growing pause, the GIL released and Ctrl-C checked; and the orphan list that keeps buffers of
// dropped or interrupted requests alive until MPI is done with them.
#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/futex.hpp"
#include "engine/mpi/internal.hpp"

namespace parlab::mpi::detail {
namespace {

// PARLAB_MPI_SPIN_US: how long a wait spins before it starts sleeping (default 200 us).
double spin_seconds() {
  static const double s = [] {
    const char* env = std::getenv("PARLAB_MPI_SPIN_US");
    double us = env ? std::atof(env) : 200.0;
    return us < 0 ? 0.0 : us * 1e-6;
  }();
  return s;
}

struct Orphan {
  MPI_Request request;
  std::shared_ptr<void> buffer;
  std::shared_ptr<void> keepalive;
};
std::mutex orphans_mutex;
std::vector<Orphan> orphans;

}  // namespace

void Backoff::pause() {
  if (clock_seconds() - start < spin_seconds()) {
    futex::cpu_relax();
    return;
  }
  sleep = sleep == 0 ? 10e-6 : std::min(sleep * 2, 1e-3);
  sleep_seconds(sleep);
}

void orphan(MPI_Request request, std::shared_ptr<void> buffer, std::shared_ptr<void> keepalive) {
  if (request == MPI_REQUEST_NULL) return;
  std::lock_guard<std::mutex> lock(orphans_mutex);
  orphans.push_back({request, std::move(buffer), std::move(keepalive)});
}

void reap_orphans() {
  std::lock_guard<std::mutex> lock(orphans_mutex);
  if (orphans.empty()) return;
  auto finished = [](Orphan& o) {
    int flag = 0;
    // A failed orphan has no caller left to tell; it is complete either way.
    if (MPI_Test(&o.request, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS) return true;
    return flag != 0;
  };
  orphans.erase(std::remove_if(orphans.begin(), orphans.end(), finished), orphans.end());
}

// At finalize: give orphans a second to finish, then cancel what never matched (a send nobody receives).
void drain_orphans() {
  double end = clock_seconds() + 1.0;
  for (;;) {
    reap_orphans();
    std::lock_guard<std::mutex> lock(orphans_mutex);
    if (orphans.empty()) return;
    if (clock_seconds() > end) {
      for (Orphan& o : orphans) {
        MPI_Cancel(&o.request);
        MPI_Request_free(&o.request);
      }
      // The buffers are left allocated: MPI may still hold a cancelled send's pointer.
      for (Orphan& o : orphans) new std::shared_ptr<void>(std::move(o.buffer));
      orphans.clear();
      return;
    }
  }
}

void wait(MPI_Request& request, MPI_Status* status, std::shared_ptr<void> keep) {
  MPI_Status local_status;
  MPI_Status* st = status ? status : &local_status;
  try {
    poll([&] {
      int flag = 0;
      check(MPI_Test(&request, &flag, st), "mpi.wait");
      return flag != 0;
    });
  } catch (const interrupt::Interrupted&) {
    orphan(request, std::move(keep), nullptr);
    request = MPI_REQUEST_NULL;
    throw;
  }
}

}  // namespace parlab::mpi::detail
