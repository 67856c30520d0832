#include "engine/core/clock.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace parlab {

double clock_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double deadline_after(double timeout) noexcept { return timeout < 0 ? -1 : clock_seconds() + timeout; }

double seconds_left(double deadline) noexcept {
  if (deadline < 0) return -1;
  double left = deadline - clock_seconds();
  return left > 0 ? left : 0;
}

double next_slice(double deadline, double longest) noexcept {
  double left = seconds_left(deadline);
  return left >= 0 && left < longest ? left : longest;
}

// Like the shell's `time`: this process's threads plus the children it has waited for.
CpuTimes process_cpu_times() {
  CpuTimes t;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage ru{};
    getrusage(who, &ru);
    t.user += double(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec * 1e-6;
    t.sys += double(ru.ru_stime.tv_sec) + ru.ru_stime.tv_usec * 1e-6;
  }
  return t;
}

void sleep_seconds(double seconds) {
  if (!(seconds > 0)) return;
  timespec req;
  req.tv_sec = time_t(seconds);
  req.tv_nsec = long((seconds - double(req.tv_sec)) * 1e9);
  // Resume after signal handlers so a sleep lasts as long as asked unless the process is stopping.
  while (nanosleep(&req, &req) == -1 && errno == EINTR) {
  }
}

namespace {

// cgroup v2 "max QUOTA PERIOD" (or v1 cfs files) as a CPU count; 0 when there is no quota.
double cgroup_cpu_quota() {
  std::ifstream v2("/sys/fs/cgroup/cpu.max");
  std::string quota;
  double period = 0;
  if (v2 >> quota >> period) {
    if (quota == "max" || period <= 0) return 0;
    return std::atof(quota.c_str()) / period;
  }
  std::ifstream q("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), p("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
  double qv = -1, pv = 0;
  if (q >> qv && p >> pv && qv > 0 && pv > 0) return qv / pv;
  return 0;
}

int affinity_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return int(sysconf(_SC_NPROCESSORS_ONLN));
  return CPU_COUNT(&set);
}

}  // namespace

CpuBudget cpu_budget() {
  CpuBudget b;
  b.online = int(sysconf(_SC_NPROCESSORS_ONLN));
  b.affinity = affinity_count();
  b.cgroup_quota = cgroup_cpu_quota();
  if (const char* s = std::getenv("SLURM_CPUS_PER_TASK")) b.slurm = std::atoi(s);

  b.count = b.affinity;
  b.reason = fmt::format("affinity mask: {} of {} online CPUs", b.affinity, b.online);
  if (b.cgroup_quota > 0 && int(std::ceil(b.cgroup_quota)) < b.count) {
    b.count = std::max(1, int(std::ceil(b.cgroup_quota)));
    b.reason = fmt::format("cgroup CPU quota: {:g} CPUs", b.cgroup_quota);
  }
  if (b.slurm > 0 && b.slurm < b.count) {
    b.count = b.slurm;
    b.reason = fmt::format("SLURM_CPUS_PER_TASK={}", b.slurm);
  }
  return b;
}

}  // namespace parlab
