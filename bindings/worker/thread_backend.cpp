// The "thread" pool backend: each worker is an engine Thread running run_pool_worker with its own Lua
// state. terminate() stops a running task through the worker's StopPoint (thread_stop.hpp): a hook for
// interpreted code, the stop flag for engine waits, a signal for JIT-compiled loops (whose state is then
// abandoned).
#include <lua.hpp>

#include <memory>
#include <mutex>
#include <vector>

#include "bindings/worker/thread_stop.hpp"
#include "bindings/worker/worker.hpp"
#include "engine/core/clock.hpp"
#include "engine/exec/thread.hpp"

namespace parlab::lua {
namespace {

constexpr double kResendSeconds = 0.01;  // between two stop signals while waiting for a stopped worker

class ThreadLauncher final : public pool::Launcher {
 public:
  const char* kind() const override { return "thread"; }

  void start(shm::Offset pool, int slot) override {
    if (slot >= int(workers_.size())) workers_.resize(slot + 1);
    auto w = std::make_unique<Worker>();
    Worker* raw = w.get();
    w->stop.message = "the pool was terminated";
    auto name_it = [slot](lua_State* L) {  // for parlab.current_thread()
      if (L) set_module_field(L, "thread_name", "ThreadPoolWorker-" + std::to_string(slot + 1));
    };
    w->thread = std::make_unique<Thread>(
        [raw, pool, slot, name_it] { run_pool_worker(pool, slot, name_it, nullptr, &raw->stop); });
    w->thread->start();
    workers_[slot] = std::move(w);
  }

  bool ended(int slot, std::string& how) override {
    Worker* w = workers_[slot].get();
    if (!w || !w->thread->finished()) return false;
    w->thread->join();
    how = "its thread returned";
    return true;
  }

  bool wait(int slot, double timeout, std::string& how) override {
    Worker* w = workers_[slot].get();
    if (!w) return true;
    // A stopped worker may have missed the signal (in C code at that moment, then in a compiled loop).
    const double deadline = deadline_after(timeout);
    while (!w->thread->join(w->stop.requested ? next_slice(deadline, kResendSeconds) : timeout)) {
      if (seconds_left(deadline) == 0) return false;
      request_stop(w->stop);
    }
    how = "its thread returned";
    return true;
  }

  void kill(int slot) override {
    Worker* w = workers_[slot].get();
    if (!w) return;
    request_stop(w->stop);
  }

 private:
  struct Worker {
    std::unique_ptr<Thread> thread;
    StopPoint stop;
  };
  std::vector<std::unique_ptr<Worker>> workers_;
};

std::unique_ptr<pool::Launcher> make_thread_launcher(lua_State*, int) {
  return std::make_unique<ThreadLauncher>();
}

PoolBackendRegistration thread_backend("thread", make_thread_launcher);

}  // namespace
}  // namespace parlab::lua
