// Collectives: whole messages of any size per rank (the object path: sizes first, then a v-collective)
// and typed buffers (the array path). Each is MPI's non-blocking collective plus the polling wait, so it is
// interruptible and releases the GIL; scratch lives in a shared Scratch an interrupted wait keeps alive.
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/mpi/internal.hpp"

namespace parlab::mpi {

using namespace detail;

namespace {

struct Scratch {
  uint64_t n = 0;
  int count = 0;
  std::string bytes;
  std::vector<int> counts, displs;
};

void wait_for(MPI_Request& r, const std::shared_ptr<Scratch>& keep, std::shared_ptr<void> extra = nullptr) {
  if (extra) {
    auto both = std::make_shared<std::pair<std::shared_ptr<Scratch>, std::shared_ptr<void>>>(keep, extra);
    wait(r, nullptr, both);
  } else {
    wait(r, nullptr, keep);
  }
}

// Turns counts into displacements; the total must fit MPI's int.
int displace(Scratch& s, const char* what) {
  s.displs.assign(s.counts.size(), 0);
  size_t total = 0;
  for (size_t i = 0; i < s.counts.size(); ++i) {
    s.displs[i] = int(total);
    total += size_t(s.counts[i]);
    to_count(total, what);
  }
  return int(total);
}

std::vector<std::string> split(const Scratch& s) {
  std::vector<std::string> parts(s.counts.size());
  for (size_t i = 0; i < parts.size(); ++i)
    parts[i].assign(s.bytes.data() + s.displs[i], size_t(s.counts[i]));
  return parts;
}

}  // namespace

void barrier() {
  if (local()) return;
  reap_orphans();
  MPI_Request r;
  check(MPI_Ibarrier(MPI_COMM_WORLD, &r), "mpi.barrier");
  wait(r, nullptr, nullptr);
}

std::string bcast(std::string bytes, int root) {
  check_rank(root, "mpi.bcast", "root", false);
  if (local()) return bytes;
  reap_orphans();
  auto s = std::make_shared<Scratch>();
  bool is_root = world().rank == root;
  if (is_root) s->bytes = std::move(bytes);
  s->n = s->bytes.size();
  MPI_Request r;
  check(MPI_Ibcast(&s->n, 1, MPI_UINT64_T, root, MPI_COMM_WORLD, &r), "mpi.bcast");
  wait_for(r, s);
  if (!is_root) s->bytes.assign(s->n, '\0');
  check(MPI_Ibcast(s->bytes.data(), to_count(s->n, "mpi.bcast"), MPI_BYTE, root, MPI_COMM_WORLD, &r),
        "mpi.bcast");
  wait_for(r, s);
  return std::move(s->bytes);
}

std::vector<std::string> gather(const std::string& mine, int root) {
  check_rank(root, "mpi.gather", "root", false);
  if (local()) return {mine};
  reap_orphans();
  auto s = std::make_shared<Scratch>();
  const World& w = world();
  bool is_root = w.rank == root;
  s->count = to_count(mine.size(), "mpi.gather");
  auto sent = std::make_shared<std::string>(mine);  // the send buffer must outlive an interrupted wait too
  if (is_root) s->counts.assign(w.size, 0);
  MPI_Request r;
  check(MPI_Igather(&s->count, 1, MPI_INT, s->counts.data(), 1, MPI_INT, root, MPI_COMM_WORLD, &r),
        "mpi.gather");
  wait_for(r, s);
  int total = is_root ? displace(*s, "mpi.gather") : 0;
  s->bytes.assign(size_t(total), '\0');
  check(MPI_Igatherv(sent->data(), s->count, MPI_BYTE, s->bytes.data(), s->counts.data(), s->displs.data(),
                     MPI_BYTE, root, MPI_COMM_WORLD, &r),
        "mpi.gather");
  wait_for(r, s, sent);
  if (!is_root) return {};
  return split(*s);
}

std::vector<std::string> allgather(const std::string& mine) {
  if (local()) return {mine};
  reap_orphans();
  auto s = std::make_shared<Scratch>();
  auto sent = std::make_shared<std::string>(mine);
  s->count = to_count(mine.size(), "mpi.allgather");
  s->counts.assign(world().size, 0);
  MPI_Request r;
  check(MPI_Iallgather(&s->count, 1, MPI_INT, s->counts.data(), 1, MPI_INT, MPI_COMM_WORLD, &r),
        "mpi.allgather");
  wait_for(r, s);
  int total = displace(*s, "mpi.allgather");
  s->bytes.assign(size_t(total), '\0');
  check(MPI_Iallgatherv(sent->data(), s->count, MPI_BYTE, s->bytes.data(), s->counts.data(), s->displs.data(),
                        MPI_BYTE, MPI_COMM_WORLD, &r),
        "mpi.allgather");
  wait_for(r, s, sent);
  return split(*s);
}

std::string scatter(const std::vector<std::string>& parts, int root) {
  check_rank(root, "mpi.scatter", "root", false);
  const World& w = world();
  bool is_root = w.rank == root;
  if (is_root && parts.size() != size_t(w.size))
    throw Error("mpi.scatter: the root needs one item per rank: got " + std::to_string(parts.size()) +
                " for " + std::to_string(w.size) + " ranks");
  if (local()) return parts[0];
  reap_orphans();
  auto s = std::make_shared<Scratch>();
  if (is_root) {
    for (const std::string& p : parts) s->counts.push_back(to_count(p.size(), "mpi.scatter"));
    int total = displace(*s, "mpi.scatter");
    s->bytes.reserve(size_t(total));
    for (const std::string& p : parts) s->bytes += p;
  }
  MPI_Request r;
  check(MPI_Iscatter(s->counts.data(), 1, MPI_INT, &s->count, 1, MPI_INT, root, MPI_COMM_WORLD, &r),
        "mpi.scatter");
  wait_for(r, s);
  auto mine = std::make_shared<std::string>(size_t(s->count), '\0');
  check(MPI_Iscatterv(s->bytes.data(), s->counts.data(), s->displs.data(), MPI_BYTE, mine->data(), s->count,
                      MPI_BYTE, root, MPI_COMM_WORLD, &r),
        "mpi.scatter");
  wait_for(r, s, mine);
  return std::move(*mine);
}

}  // namespace parlab::mpi
