// Spawned processes (MPI_Comm_spawn) and the links to them: parlab.mpi.Pool's workers in a run that has no
// worker ranks of its own. A link is an intercommunicator named by a small id; the calls on it mirror the
// world's point to point (polling waits, the GIL released, Ctrl-C checked). At set-up each spawned process
// receives the run's transport key from its parent and answers with its pid and host name, which the
// parent needs to notice a worker that died and to kill workers at terminate.
#include <signal.h>
#include <unistd.h>  // gethostname, getpid

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "engine/core/error.hpp"
#include "engine/mpi/internal.hpp"
#include "engine/transport/transport.hpp"

namespace parlab::mpi {

using namespace detail;

namespace {

std::mutex links_mutex;
std::map<int, MPI_Comm> links;
int next_link = 1;
int the_parent = 0;  // this process's link to its parent, when MPI_Comm_spawn started it

MPI_Comm comm_of(int link, const char* what) {
  std::lock_guard<std::mutex> lock(links_mutex);
  auto it = links.find(link);
  if (it == links.end()) throw Error(std::string(what) + ": link " + std::to_string(link) + " is closed");
  return it->second;
}

int add_link(MPI_Comm comm) {
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  std::lock_guard<std::mutex> lock(links_mutex);
  links[next_link] = comm;
  return next_link++;
}

class LinkSend : public Request {
 public:
  LinkSend(MPI_Comm comm, std::string bytes, int dest, int tag)
      : owned_(std::make_shared<std::string>(std::move(bytes))) {
    reap_orphans();
    check(MPI_Isend(owned_->data(), to_count(owned_->size(), "mpi link send"), MPI_BYTE, dest, tag, comm,
                    &request_),
          "mpi link send");
    status_ = {dest, tag, owned_->size()};
  }
  ~LinkSend() override {
    if (!done_) orphan(request_, std::move(owned_), std::move(keepalive));
  }
  bool test() override {
    if (done_) return true;
    int flag = 0;
    check(MPI_Test(&request_, &flag, MPI_STATUS_IGNORE), "mpi link send");
    return done_ = flag != 0;
  }

 private:
  std::shared_ptr<std::string> owned_;
  MPI_Request request_ = MPI_REQUEST_NULL;
};

// Open MPI's shared-memory transport cannot join two jobs: with OMPI_MCA_btl limited to it, the spawned
// processes would abort in MPI_Init (and take this one with them). Refused before anything starts.
void check_transports(int n, const char* what) {
  const char* btl = std::getenv("OMPI_MCA_btl");
  if (!btl || !*btl) return;
  bool has_tcp = std::strstr(btl, "tcp") != nullptr;
  if (btl[0] == '^' ? !has_tcp : has_tcp) return;
  throw Error(std::string(what) + ": cannot spawn workers: OMPI_MCA_btl=" + btl +
              " leaves no transport between two MPI jobs (add tcp: OMPI_MCA_btl=self,vader,tcp), or " +
              launcher_hint(n));
}

}  // namespace

namespace detail {

std::string launcher_hint(int n) {
  return "start the run under a launcher instead (mpirun -n " + std::to_string(n + 1) +
         " parlab script.lua: rank 0 runs the script, the other ranks the tasks)";
}

void greet(MPI_Comm inter, int n, SpawnResult& out) {
  std::string key = wire::key_hex();
  for (int r = 0; r < n; ++r)
    check(MPI_Send(key.data(), int(key.size()), MPI_CHAR, r, kSetupTag, inter), "mpi spawn (set-up)");
  for (int r = 0; r < n; ++r) {
    char buf[320] = {0};
    check(MPI_Recv(buf, sizeof buf - 1, MPI_CHAR, r, kSetupTag, inter, MPI_STATUS_IGNORE),
          "mpi spawn (set-up)");
    char* space = std::strchr(buf, ' ');
    out.pids.push_back(std::atol(buf));
    out.hosts.emplace_back(space ? space + 1 : "");
  }
}

}  // namespace detail

std::string host_name() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  return name;
}

namespace {

// Open MPI's tcp transport writes without MSG_NOSIGNAL: a task sent to a worker that was killed would end
// the spawning process by SIGPIPE instead of failing that task (the pool notices the death). A handler that
// does nothing, rather than SIG_IGN, so that programs this process starts get the default back at exec. A
// disposition the user chose is kept. Only the spawner: a worker keeps the default, so that one left
// talking to a killed sibling (in its finalize) ends instead of waiting on it for ever.
void survive_sigpipe() {
  struct sigaction action {};
  if (sigaction(SIGPIPE, nullptr, &action) != 0 || action.sa_handler != SIG_DFL) return;
  action.sa_handler = [](int) {};
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGPIPE, &action, nullptr);
}

}  // namespace

Spawned spawn(const std::string& command, const std::vector<std::string>& args, int n, const char* what) {
  check_transports(n, what);
  ensure_mpi(what);
  survive_sigpipe();
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  SpawnResult r = spawn_bounded(command, args, n, what);
  if (r.rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(r.rc, text, &len);
    throw Error(std::string(what) + ": MPI could not spawn " + std::to_string(n) + " worker processes (" +
                std::string(text, size_t(len)) + "); " + launcher_hint(n));
  }
  Spawned out;
  out.pids = std::move(r.pids);
  out.hosts = std::move(r.hosts);
  out.link = add_link(r.inter);
  return out;
}

namespace detail {

bool join_parent() {
  MPI_Comm parent = MPI_COMM_NULL;
  MPI_Comm_get_parent(&parent);
  if (parent == MPI_COMM_NULL) return false;
  MPI_Comm_set_errhandler(parent, MPI_ERRORS_RETURN);
  char hex[33] = {0};
  check(MPI_Recv(hex, 32, MPI_CHAR, 0, kSetupTag, parent, MPI_STATUS_IGNORE), "mpi.init (from the parent)");
  wire::set_key_hex(std::string(hex, 32));
  setenv("PARLAB_TRANSPORT_KEY", hex, 1);
  std::string me = std::to_string(long(getpid())) + " " + host_name();
  check(MPI_Send(me.data(), int(me.size()), MPI_CHAR, 0, kSetupTag, parent), "mpi.init (to the parent)");
  the_parent = add_link(parent);
  return true;
}

size_t close_links() noexcept {
  std::lock_guard<std::mutex> lock(links_mutex);
  size_t open = 0;
  for (auto& [id, comm] : links) {
    if (id != the_parent) ++open;
    MPI_Comm_free(&comm);
  }
  links.clear();
  return open;
}

}  // namespace detail

int parent_link() {
  world();
  return the_parent;
}

std::unique_ptr<Request> link_isend(int link, std::string bytes, int dest, int tag) {
  return std::make_unique<LinkSend>(comm_of(link, "mpi link send"), std::move(bytes), dest, tag);
}

std::string link_recv(int link, int source, int tag, Status* status) {
  return recv_on(comm_of(link, "mpi link recv"), source, tag, status, "mpi link recv");
}

bool link_iprobe(int link, int source, int tag, Status* status) {
  return iprobe_on(comm_of(link, "mpi link probe"), source, tag, status, "mpi link probe");
}

void link_close(int link) {
  MPI_Comm comm = comm_of(link, "mpi link close");
  {
    std::lock_guard<std::mutex> lock(links_mutex);
    links.erase(link);
  }
  MPI_Comm_free(&comm);
}

}  // namespace parlab::mpi
