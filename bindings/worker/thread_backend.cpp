// The "thread" pool backend: each worker is an engine Thread running run_pool_worker with its own Lua
// state. terminate() interrupts a running task with a hook on the worker's state (interpreted code only:
// LuaJIT's compiled traces never run hooks, so such a task runs to its end).
#include <lua.hpp>

#include <memory>
#include <mutex>
#include <vector>

#include "bindings/worker/worker.hpp"
#include "engine/exec/thread.hpp"

namespace parlab::lua {
namespace {

void terminate_hook(lua_State* L, lua_Debug*) { luaL_error(L, "the pool was terminated"); }

class ThreadLauncher final : public pool::Launcher {
 public:
  const char* kind() const override { return "thread"; }

  void start(shm::Offset pool, int slot) override {
    if (slot >= int(workers_.size())) workers_.resize(slot + 1);
    auto w = std::make_unique<Worker>();
    Worker* raw = w.get();
    w->thread = std::make_unique<Thread>([raw, pool, slot] {
      run_pool_worker(pool, slot, [raw](lua_State* L) {
        std::lock_guard<std::mutex> hold(raw->mu);
        if (!L && raw->L) lua_sethook(raw->L, nullptr, 0, 0);
        raw->L = L;
      });
    });
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
    if (!w->thread->join(timeout)) return false;
    how = "its thread returned";
    return true;
  }

  void kill(int slot) override {
    Worker* w = workers_[slot].get();
    if (!w) return;
    std::lock_guard<std::mutex> hold(w->mu);
    if (w->L) lua_sethook(w->L, terminate_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 100);
  }

 private:
  struct Worker {
    std::unique_ptr<Thread> thread;
    std::mutex mu;  // guards L against the worker closing it while kill() sets a hook
    lua_State* L = nullptr;
  };
  std::vector<std::unique_ptr<Worker>> workers_;
};

std::unique_ptr<pool::Launcher> make_thread_launcher(lua_State*, int) {
  return std::make_unique<ThreadLauncher>();
}

PoolBackendRegistration thread_backend("thread", make_thread_launcher);

}  // namespace
}  // namespace parlab::lua
