#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "engine/kernels/array.hpp"
#include "engine/kernels/blas1.hpp"
#include "engine/kernels/reduce.hpp"

#include "engine/core/error.hpp"
#include "engine/kernels/omp.hpp"

namespace omp = parlab::omp;

TEST_CASE("thread counts: default, set, resolve and BLAS following", "[kernels]") {
  int before = omp::threads();
  CHECK(before >= 1);
  CHECK(std::string(omp::threads_reason()).size() > 0);
  omp::set_threads(3);
  CHECK(omp::threads() == 3);
  CHECK(omp::resolve(0, "kernels.sum") == 3);
  CHECK(omp::resolve(2, "kernels.sum") == 2);
  CHECK_THROWS_WITH(omp::resolve(-1, "kernels.sum"),
                    Catch::Contains("kernels.sum: thread count must be between 1 and"));
  CHECK_THROWS_WITH(omp::set_threads(0), Catch::Contains("omp.set_threads"));
  CHECK_THROWS_AS(omp::set_threads(omp::kMaxThreads + 1), parlab::Error);
  if (omp::blas_follows()) CHECK(omp::blas_threads() == 3);
  omp::set_blas_threads(1);
  CHECK_FALSE(omp::blas_follows());
  CHECK(omp::blas_threads() == 1);
  omp::set_threads(2);
  CHECK(omp::blas_threads() == 1);  // set apart: does not follow
  omp::set_blas_threads(0);
  CHECK(omp::blas_follows());
  CHECK(omp::blas_threads() == 2);
  CHECK_THROWS_AS(omp::set_blas_threads(-2), parlab::Error);
  omp::set_threads(before);
}

TEST_CASE("kernels run from many threads at once give each caller its own right answer", "[kernels]") {
  parlab::Array a = parlab::Array::create(parlab::DType::F64, 1 << 20);
  parlab::kernels::fill(a.span(), 0.5, 2);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i)
        omp::run([&] {
          if (parlab::kernels::sum(a.span(), 2) != 0.5 * (1 << 20)) wrong++;
        });
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
}

TEST_CASE("a forked child (and its child) of a process that ran OpenMP kernels runs them too (omp::run)",
          "[kernels]") {
  parlab::Array a = parlab::Array::create(parlab::DType::F64, 1 << 20);
  omp::run([&] { parlab::kernels::fill(a.span(), 1, 2); });  // this thread now has an OpenMP team
  pid_t pid = fork();
  if (pid == 0) {
    double s = 0;
    alarm(20);  // a hang would otherwise outlive the test
    omp::run([&] { s = parlab::kernels::sum(a.span(), 2); });
    parlab::Array fresh = parlab::Array::create(parlab::DType::F64, 1 << 23);  // parallel zero-fill
    omp::run([&] { parlab::kernels::fill(fresh.span(), 2, 2); });
    double t = 0;
    omp::run([&] { t = parlab::kernels::sum(fresh.span(), 2); });
    // A grandchild of a child that ran them on its helper thread: that thread is not in the grandchild.
    pid_t grandchild = fork();
    if (grandchild == 0) {
      double g = 0;
      omp::run([&] { g = parlab::kernels::sum(a.span(), 2); });
      _exit(g == double(1 << 20) ? 0 : 1);
    }
    int gs = -1;
    bool grandchild_ok = waitpid(grandchild, &gs, 0) == grandchild && WIFEXITED(gs) && WEXITSTATUS(gs) == 0;
    _exit(s == double(1 << 20) && t == double(1 << 24) && grandchild_ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
