#pragma once
// The process backend of the pool engine (engine/exec/pool.hpp): a Launcher whose workers are child processes
// started by fork, spawn or the fork server (engine/exec/process.hpp). Each child runs the job "pool worker
// <slot> of the pool at <offset>" (a wire::PoolJob, engine/exec/wire.hpp) through the job runner
// (bindings: run_pool_worker), then exits.
#include <memory>
#include <string>
#include <vector>

#include "engine/exec/pool.hpp"
#include "engine/exec/process.hpp"

namespace parlab::process {

class PoolLauncher : public pool::Launcher {
 public:
  explicit PoolLauncher(Method method);
  ~PoolLauncher() override;
  const char* kind() const override { return method_name(method_); }
  void start(shm::Offset pool, int slot) override;
  bool ended(int slot, std::string& how) override;
  bool wait(int slot, double timeout, std::string& how) override;
  // SIGTERM now; a worker that ignores it gets SIGKILL from wait() after kKillGraceSeconds.
  void kill(int slot) override;

  pid_t pid(int slot) const;
  static constexpr double kKillGraceSeconds = 0.2;

 private:
  Method method_;
  std::vector<std::shared_ptr<Child>> children_;
  std::vector<double> killed_at_;
};

}  // namespace parlab::process
