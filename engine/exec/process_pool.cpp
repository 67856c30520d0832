#include "engine/exec/process_pool.hpp"

#include <signal.h>

#include "engine/core/clock.hpp"
#include "engine/exec/wire.hpp"

namespace parlab::process {

PoolLauncher::PoolLauncher(Method method) : method_(method) {}

// The engine joins every worker before it drops the launcher; anything left is stopped, never orphaned.
PoolLauncher::~PoolLauncher() {
  for (auto& c : children_)
    if (c && !c->poll()) c->signal(SIGKILL);
  for (auto& c : children_) {
    if (!c) continue;
    try {
      c->wait(-1);
    } catch (const std::exception&) {  // Ctrl-C: the child has SIGKILL; the registry reaps it at exit
    }
  }
}

void PoolLauncher::start(shm::Offset pool, int slot) {
  if (slot >= int(children_.size())) {
    children_.resize(slot + 1);
    killed_at_.resize(slot + 1, -1);
  }
  Options opts;
  opts.method = method_;
  opts.daemon = true;         // a forgotten pool's workers are stopped at exit, not waited for
  opts.ignore_sigint = true;  // Ctrl-C goes to the parent, which terminates the pool
  children_[slot] = process::start(
      wire::write_pool_job({pool, slot, {std::uint64_t(getpid()), process::own_name()}}), opts);
  killed_at_[slot] = -1;
}

bool PoolLauncher::ended(int slot, std::string& how) {
  auto& c = children_.at(slot);
  if (!c) return true;
  if (!c->poll()) return false;
  how = c->how();
  return true;
}

bool PoolLauncher::wait(int slot, double timeout, std::string& how) {
  auto& c = children_.at(slot);
  if (!c) return true;
  const double deadline = deadline_after(timeout);
  // Sleeps until the child ends (Child::wait), waking only when a SIGTERMed worker's grace runs out.
  for (;;) {
    double grace = killed_at_[slot] < 0 ? -1 : killed_at_[slot] + kKillGraceSeconds;
    if (c->wait(grace < 0 ? seconds_left(deadline) : next_slice(deadline, seconds_left(grace)))) break;
    if (seconds_left(deadline) == 0) return false;
    if (grace >= 0 && seconds_left(grace) == 0) {
      c->signal(SIGKILL);
      killed_at_[slot] = -1;  // nothing more to send: wait for the end
    }
  }
  how = c->how();
  return true;
}

void PoolLauncher::kill(int slot) {
  auto& c = children_.at(slot);
  if (!c || c->ended()) return;
  c->signal(SIGTERM);
  killed_at_[slot] = clock_seconds();
}

pid_t PoolLauncher::pid(int slot) const {
  return slot < int(children_.size()) && children_[slot] ? children_[slot]->pid() : -1;
}

}  // namespace parlab::process
