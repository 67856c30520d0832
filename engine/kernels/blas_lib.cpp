#include "engine/kernels/blas_lib.hpp"

#include <dlfcn.h>
#include <strings.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/core/library_threads.hpp"
#include "engine/core/self.hpp"
#include "engine/kernels/blas_core.hpp"

namespace parlab::blas {
namespace {

std::mutex load_mu;
std::atomic<bool> is_loaded{false};
Api table{};
int (*thread_source)() = nullptr;

// The names to try: the soname the build linked against, then the configure-time path (a build tree
// run on the machine that built it).
void* open_library(std::string& tried) {
  const char* names[] = {"libopenblas.so.0", PARLAB_OPENBLAS_PATH};
  for (const char* n : names) {
    if (void* h = dlopen(n, RTLD_NOW | RTLD_LOCAL)) return h;
    tried += fmt::format("\n  {}: {}", n, dlerror());
  }
  return nullptr;
}

template <class F>
void resolve(void* h, F& slot, const char* name) {
  slot = reinterpret_cast<F>(dlsym(h, name));
  if (!slot) throw Error(fmt::format("BLAS: OpenBLAS has no {} ({})", name, dlerror()));
}

Api resolve_all(void* h) {
  Api a{};
  resolve(h, a.dgemm, "cblas_dgemm");
  resolve(h, a.sgemm, "cblas_sgemm");
  resolve(h, a.set_num_threads, "openblas_set_num_threads");
  resolve(h, a.get_num_threads, "openblas_get_num_threads");
  resolve(h, a.get_corename, "openblas_get_corename");
  resolve(h, a.get_config, "openblas_get_config");
  return a;
}

// An OpenBLAS older than the processor runs its SSE kernels (seen: a sixth of NumPy's matrix product on a
// 16-core AVX-512 node). It reads OPENBLAS_CORETYPE only as it loads: close it and open it again with the
// better core named; processes started later inherit the setting. A value the user set is left alone.
void* upgrade_core(void* h, std::string& tried) {
  if (std::getenv("OPENBLAS_CORETYPE")) return h;
  auto corename = reinterpret_cast<decltype(&openblas_get_corename)>(dlsym(h, "openblas_get_corename"));
  if (!corename) return h;
  std::string chosen = corename();
  std::string better = blas_core::upgrade_for(chosen.c_str());
  if (better.empty()) return h;
  setenv("PARLAB_BLAS_FALLBACK", chosen.c_str(), 1);
  setenv("OPENBLAS_CORETYPE", better.c_str(), 1);
  dlclose(h);
  return open_library(tried);
}

}  // namespace

const Api& api() {
  if (is_loaded.load(std::memory_order_acquire)) return table;
  std::lock_guard<std::mutex> lock(load_mu);
  if (is_loaded.load(std::memory_order_relaxed)) return table;
  const int before = std::max(self::thread_count(), 0);
  std::string tried;
  void* h = open_library(tried);
  if (h) h = upgrade_core(h, tried);
  if (!h) throw Error("BLAS: could not open OpenBLAS:" + tried);
  table = resolve_all(h);
  if (int n = thread_source ? thread_source() : 0; n > 0) table.set_num_threads(n);
  // Its pool stops itself around fork (OpenBLAS's own pthread_atfork handler): a fork stays safe.
  library_threads::add(std::max(self::thread_count(), 0) - before);
  is_loaded.store(true, std::memory_order_release);
  return table;
}

bool loaded() noexcept { return is_loaded.load(std::memory_order_acquire); }

void set_thread_count_source(int (*wanted)()) {
  std::lock_guard<std::mutex> lock(load_mu);
  thread_source = wanted;
}

}  // namespace parlab::blas
