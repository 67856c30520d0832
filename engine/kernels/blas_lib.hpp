#pragma once
// OpenBLAS, opened on first use. Linked directly, its constructor starts a thread pool (a thread per core
// but one) in every parlab process as it starts, whether or not the script ever multiplies a matrix; opened
// with dlopen by the first BLAS kernel or query, a process that never uses BLAS runs no thread it did not
// ask for. On first use the thread count parlab wants (omp) is applied, and an OpenBLAS that chose
// kernels older than the processor is opened again with OPENBLAS_CORETYPE set (blas_core.hpp).
#include <cblas.h>

namespace parlab::blas {

// The OpenBLAS entry points parlab calls, with cblas.h's own types.
struct Api {
  decltype(&cblas_dgemm) dgemm;
  decltype(&cblas_sgemm) sgemm;
  decltype(&openblas_set_num_threads) set_num_threads;
  decltype(&openblas_get_num_threads) get_num_threads;
  decltype(&openblas_get_corename) get_corename;
  decltype(&openblas_get_config) get_config;
};

// Opens the library on the first call (thread-safe); throws parlab::Error naming the library when it
// cannot be opened or lacks an entry point.
const Api& api();
// Whether api() has opened it, without opening it.
bool loaded() noexcept;
// The thread count to apply as the library opens (omp registers it; called under the loader's lock).
void set_thread_count_source(int (*wanted)());

}  // namespace parlab::blas
