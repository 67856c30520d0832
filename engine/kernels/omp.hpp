#pragma once
// Thread counts for the native kernels (OpenMP) and for BLAS (OpenBLAS). The kernel count starts from
// PARLAB_NUM_THREADS, else OMP_NUM_THREADS, else the CPUs this run may use (parlab::cpu_budget). The
// BLAS count follows it unless set apart: by OPENBLAS_NUM_THREADS at start-up or by set_blas_threads.

#include <functional>

namespace parlab::omp {

constexpr int kMaxThreads = 1024;

// The default thread count for kernels (process-wide).
int threads();
// Sets it; throws parlab::Error unless 1 <= n <= kMaxThreads. BLAS follows unless set apart.
void set_threads(int n);

// A kernel's effective thread count: requested when > 0, the default when 0; throws on negative or
// too large counts, naming `who` ("kernels.sum: thread count must be ...").
int resolve(int requested, const char* who);

int blas_threads();
// Sets the BLAS count apart from the kernel count; n = 0 makes it follow threads() again.
void set_blas_threads(int n);
bool blas_follows();

// Runs body, which may open OpenMP parallel regions, on this thread, or, where this thread's OpenMP
// team was inherited through fork() (libgomp's worker threads do not survive a fork, and the next
// parallel region would wait for them forever), on a helper thread started in this process. Every
// kernel entry point from Lua and the arena's zero-fill go through here. Exceptions pass through.
void run(const std::function<void()>& body);

// The string the start-up logic used for the default ("PARLAB_NUM_THREADS=2", "cpu budget: ...").
const char* threads_reason();

}  // namespace parlab::omp
