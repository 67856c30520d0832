#pragma once
// Time and the CPUs a run may use: what parlab.clock, parlab.time, parlab.sleep and parlab.cpus report.
#include <string>

namespace parlab {

// Monotonic seconds with nanosecond resolution.
double clock_seconds();

// Every wait with a timeout works on an absolute deadline: < 0 means none (timeout < 0 waits forever).
double deadline_after(double timeout) noexcept;
// Seconds left until deadline, clamped to 0 once it has passed; < 0 when there is no deadline.
double seconds_left(double deadline) noexcept;
// The next sleep of a wait that wakes between slices (to notice Ctrl-C): `longest`, or less when the
// deadline is nearer; 0 once the deadline has passed.
double next_slice(double deadline, double longest) noexcept;

// CPU time this process (all threads) and its waited-for children have used so far.
struct CpuTimes {
  double user = 0;
  double sys = 0;
};
CpuTimes process_cpu_times();

// Sleeps the calling thread; negative or zero returns at once.
void sleep_seconds(double seconds);

// How many CPUs this run may use, and the limit that decided it.
struct CpuBudget {
  int count = 1;
  std::string reason;  // e.g. "affinity mask: 2 of 2 online CPUs"
  int online = 1;
  int affinity = 1;
  double cgroup_quota = 0;  // CPUs allowed by the cgroup CPU quota, 0 when unlimited
  int slurm = 0;            // SLURM_CPUS_PER_TASK, 0 when unset
};
CpuBudget cpu_budget();

}  // namespace parlab
