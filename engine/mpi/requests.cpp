// Non-blocking sends and receives (isend/irecv and their buffer forms). A request dropped before it
// completes hands its MPI request and buffers to the orphan list (engine/mpi/wait.cpp).
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/mpi/internal.hpp"

namespace parlab::mpi {

using namespace detail;

namespace {

// A send: the bytes are owned (object path) or borrowed from an array kept alive by keepalive.
class SendRequest : public Request {
 public:
  SendRequest(std::string owned, const void* data, size_t bytes, int dest, int tag, const char* what)
      : owned_(std::make_shared<std::string>(std::move(owned))) {
    check_rank(dest, what, "dest", false);
    check_tag(tag, what, false);
    const void* p = data ? data : owned_->data();
    size_t n = data ? bytes : owned_->size();
    if (local()) {
      mailbox_put(data ? std::string(static_cast<const char*>(p), n) : std::move(*owned_), tag);
      done_ = true;
      status_ = {0, tag, n};
      return;
    }
    reap_orphans();
    check(MPI_Isend(p, to_count(n, what), MPI_BYTE, dest, tag, MPI_COMM_WORLD, &request_), what);
    status_ = {dest, tag, n};
  }
  ~SendRequest() override {
    if (!done_) orphan(request_, std::move(owned_), std::move(keepalive));
  }
  bool test() override {
    if (done_) return true;
    int flag = 0;
    check(MPI_Test(&request_, &flag, MPI_STATUS_IGNORE), "mpi.Request.test");
    done_ = flag != 0;
    return done_;
  }

 private:
  std::shared_ptr<std::string> owned_;  // on the heap: its bytes never move while MPI reads them
  MPI_Request request_ = MPI_REQUEST_NULL;
};

// An object receive: probes for a matching message, then receives it whole into bytes_ (any size).
class RecvRequest : public Request {
 public:
  RecvRequest(int source, int tag) : source_(source), tag_(tag) {
    check_rank(source, "mpi.irecv", "source", true);
    check_tag(tag, "mpi.irecv", true);
    if (!local()) reap_orphans();
  }
  ~RecvRequest() override {
    if (!done_ && request_ != MPI_REQUEST_NULL) orphan(request_, std::move(buf_), nullptr);
  }
  bool test() override {
    if (done_) return true;
    if (local()) return done_ = mailbox_take(tag_, bytes_, &status_);
    if (request_ == MPI_REQUEST_NULL && !start_receive()) return false;
    int flag = 0;
    MPI_Status st;
    check(MPI_Test(&request_, &flag, &st), "mpi.Request.test");
    done_ = flag != 0;
    if (done_) bytes_ = std::move(*buf_);  // MPI is done with it: safe to move now
    return done_;
  }

 private:
  bool start_receive() {
    int flag = 0;
    MPI_Message msg;
    MPI_Status st;
    int src = source_ == kAnySource ? MPI_ANY_SOURCE : source_;
    int tag = tag_ == kAnyTag ? MPI_ANY_TAG : tag_;
    check(MPI_Improbe(src, tag, MPI_COMM_WORLD, &flag, &msg, &st), "mpi.Request.test");
    if (!flag) return false;
    status_ = from_mpi(st);
    buf_ = std::make_shared<std::string>(status_.bytes, '\0');
    check(MPI_Imrecv(buf_->data(), int(status_.bytes), MPI_BYTE, &msg, &request_), "mpi.Request.test");
    return true;
  }
  int source_, tag_;
  std::shared_ptr<std::string> buf_;  // on the heap while MPI writes it
  MPI_Request request_ = MPI_REQUEST_NULL;
};

// A buffer receive straight into caller memory (kept alive by keepalive).
class RecvBufferRequest : public Request {
 public:
  RecvBufferRequest(void* data, size_t capacity, int source, int tag) : data_(data), capacity_(capacity) {
    check_rank(source, "mpi.Irecv", "source", true);
    check_tag(tag, "mpi.Irecv", true);
    tag_ = tag;
    if (local()) return;
    reap_orphans();
    int src = source == kAnySource ? MPI_ANY_SOURCE : source;
    check(MPI_Irecv(data, to_count(capacity, "mpi.Irecv"), MPI_BYTE, src, tag == kAnyTag ? MPI_ANY_TAG : tag,
                    MPI_COMM_WORLD, &request_),
          "mpi.Irecv");
  }
  ~RecvBufferRequest() override {
    if (!done_ && request_ != MPI_REQUEST_NULL) {
      // A receive can be cancelled safely; then the caller's memory is no longer MPI's.
      MPI_Cancel(&request_);
      MPI_Wait(&request_, MPI_STATUS_IGNORE);
    }
  }
  bool test() override {
    if (done_) return true;
    if (local()) return test_local();
    int flag = 0;
    MPI_Status st;
    int rc = MPI_Test(&request_, &flag, &st);
    if (rc == MPI_ERR_TRUNCATE || (rc == MPI_SUCCESS && flag && st.MPI_ERROR == MPI_ERR_TRUNCATE))
      throw Error("mpi.Irecv: the message does not fit the buffer of " + std::to_string(capacity_) +
                  " bytes");
    check(rc, "mpi.Request.test");
    if (flag) status_ = from_mpi(st);
    done_ = flag != 0;
    return done_;
  }

 private:
  bool test_local() {
    Status s;
    if (!mailbox_peek(tag_, &s)) return false;
    if (s.bytes > capacity_)
      throw Error("mpi.Irecv: the message of " + std::to_string(s.bytes) +
                  " bytes does not fit the buffer of " + std::to_string(capacity_) + " bytes");
    mailbox_take(tag_, bytes_, &status_);
    if (!bytes_.empty()) std::memcpy(data_, bytes_.data(), bytes_.size());
    bytes_.clear();
    return done_ = true;
  }
  void* data_;
  size_t capacity_;
  int tag_ = kAnyTag;
  MPI_Request request_ = MPI_REQUEST_NULL;
};

}  // namespace

std::unique_ptr<Request> isend(std::string bytes, int dest, int tag, const char* what) {
  return std::make_unique<SendRequest>(std::move(bytes), nullptr, 0, dest, tag, what);
}

std::unique_ptr<Request> irecv(int source, int tag) { return std::make_unique<RecvRequest>(source, tag); }

std::unique_ptr<Request> isend_buffer(const void* data, size_t bytes, int dest, int tag, const char* what) {
  static const char empty = 0;
  return std::make_unique<SendRequest>(std::string(), data ? data : &empty, bytes, dest, tag, what);
}

std::unique_ptr<Request> irecv_buffer(void* data, size_t capacity, int source, int tag) {
  return std::make_unique<RecvBufferRequest>(data, capacity, source, tag);
}

}  // namespace parlab::mpi
