// Point to point: blocking send/recv built on the requests (so every wait polls), probe, and the built-in
// single rank's mailbox.
#include <cstring>
#include <deque>
#include <mutex>

#include "engine/core/error.hpp"
#include "engine/mpi/internal.hpp"

namespace parlab::mpi {
namespace detail {
namespace {

struct Letter {
  std::string bytes;
  int tag;
};
std::mutex mailbox_mutex;
std::deque<Letter> mailbox;

}  // namespace

void mailbox_put(std::string bytes, int tag) {
  std::lock_guard<std::mutex> lock(mailbox_mutex);
  mailbox.push_back({std::move(bytes), tag});
}

bool mailbox_take(int tag, std::string& bytes, Status* status) {
  std::lock_guard<std::mutex> lock(mailbox_mutex);
  for (auto it = mailbox.begin(); it != mailbox.end(); ++it) {
    if (tag != kAnyTag && it->tag != tag) continue;
    if (status) *status = {0, it->tag, it->bytes.size()};
    bytes = std::move(it->bytes);
    mailbox.erase(it);
    return true;
  }
  return false;
}

bool mailbox_peek(int tag, Status* status) {
  std::lock_guard<std::mutex> lock(mailbox_mutex);
  for (const Letter& l : mailbox) {
    if (tag != kAnyTag && l.tag != tag) continue;
    if (status) *status = {0, l.tag, l.bytes.size()};
    return true;
  }
  return false;
}

namespace {
int mpi_source(int source) { return source == kAnySource ? MPI_ANY_SOURCE : source; }
int mpi_tag(int tag) { return tag == kAnyTag ? MPI_ANY_TAG : tag; }

// MPI_Improbe until a matching message is there; the matched message is then received with Mrecv.
MPI_Message probe_message(MPI_Comm comm, int source, int tag, MPI_Status* st, const char* what) {
  MPI_Message msg = MPI_MESSAGE_NULL;
  poll([&] {
    int flag = 0;
    check(MPI_Improbe(mpi_source(source), mpi_tag(tag), comm, &flag, &msg, st), what);
    return flag != 0;
  });
  return msg;
}
}  // namespace

Status from_mpi(const MPI_Status& st) {
  int count = 0;
  MPI_Get_count(&st, MPI_BYTE, &count);
  return {st.MPI_SOURCE, st.MPI_TAG, size_t(count)};
}

std::string recv_on(MPI_Comm comm, int source, int tag, Status* status, const char* what) {
  reap_orphans();
  MPI_Status st;
  MPI_Message msg = probe_message(comm, source, tag, &st, what);
  Status s = from_mpi(st);
  auto buf = std::make_shared<std::string>(s.bytes, '\0');
  MPI_Request r;
  check(MPI_Imrecv(buf->data(), to_count(s.bytes, what), MPI_BYTE, &msg, &r), what);
  wait(r, &st, buf);
  if (status) *status = s;
  return std::move(*buf);
}

bool iprobe_on(MPI_Comm comm, int source, int tag, Status* status, const char* what) {
  reap_orphans();
  int flag = 0;
  MPI_Status st;
  check(MPI_Iprobe(mpi_source(source), mpi_tag(tag), comm, &flag, &st), what);
  if (flag && status) *status = from_mpi(st);
  return flag != 0;
}

}  // namespace detail

using namespace detail;

namespace {

[[noreturn]] void nothing_to_receive(const char* what) {
  throw Error(std::string(what) +
              ": no matching message was sent: this run is a single rank (no MPI launcher), so it would "
              "wait forever; start it with mpirun -n K");
}

void check_recv_args(int source, int tag, const char* what) {
  check_rank(source, what, "source", true);
  check_tag(tag, what, true);
  if (local() && source != kAnySource && source != 0) check_rank(source, what, "source", false);
}

}  // namespace

void Request::wait() {
  // A single rank's mailbox only fills from this process: waiting on an empty one would never end.
  if (!test() && local()) nothing_to_receive("mpi.Request.wait");
  poll([&] { return test(); });
}

void send(const void* data, size_t bytes, int dest, int tag) {
  auto request = isend_buffer(data, bytes, dest, tag, "mpi.Send");
  request->wait();
}

std::string recv(int source, int tag, Status* status) {
  check_recv_args(source, tag, "mpi.recv");
  std::string bytes;
  if (local()) {
    if (!mailbox_take(tag, bytes, status)) nothing_to_receive("mpi.recv");
    return bytes;
  }
  return recv_on(MPI_COMM_WORLD, source, tag, status, "mpi.recv");
}

void recv_into(void* data, size_t capacity, int source, int tag, Status* status) {
  check_recv_args(source, tag, "mpi.Recv");
  Status s;
  std::string bytes;
  if (local()) {
    if (!mailbox_peek(tag, &s)) nothing_to_receive("mpi.Recv");
  } else {
    reap_orphans();
  }
  MPI_Status st;
  MPI_Message msg = MPI_MESSAGE_NULL;
  if (!local()) {
    msg = probe_message(MPI_COMM_WORLD, source, tag, &st, "mpi.Recv");
    s = from_mpi(st);
  }
  if (s.bytes > capacity) {
    // The message stays queued (local) or is drained into a scratch buffer so the stream stays in step.
    if (!local()) {
      std::string scratch(s.bytes, '\0');
      MPI_Mrecv(scratch.data(), to_count(s.bytes, "mpi.Recv"), MPI_BYTE, &msg, MPI_STATUS_IGNORE);
    } else {
      mailbox_take(tag, bytes, nullptr);
    }
    throw Error("mpi.Recv: the message of " + std::to_string(s.bytes) + " bytes from rank " +
                std::to_string(s.source) + " does not fit the buffer of " + std::to_string(capacity) +
                " bytes (message dropped)");
  }
  if (local()) {
    mailbox_take(tag, bytes, &s);
    if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  } else {
    MPI_Request r;
    check(MPI_Imrecv(data, int(s.bytes), MPI_BYTE, &msg, &r), "mpi.Recv");
    wait(r, &st, nullptr);
  }
  if (status) *status = s;
}

bool iprobe(int source, int tag, Status* status) {
  check_recv_args(source, tag, "mpi.iprobe");
  if (local()) return mailbox_peek(tag, status);
  return iprobe_on(MPI_COMM_WORLD, source, tag, status, "mpi.iprobe");
}

}  // namespace parlab::mpi
