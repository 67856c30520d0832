// The OpenCL path on whatever device is here (PoCL on a machine without a GPU). CUDA is tested from
// Lua (tests/lua/test_gpu.lua) where it reports a skip with its reason when no CUDA GPU answers.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/gpu/gpu.hpp"

namespace gpu = parlab::gpu;

static bool have_device() {
  auto s = gpu::status();
  if (!s.available) WARN("skipped: no GPU or OpenCL device: " << s.reason);
  return s.available;
}

TEST_CASE("gpu transfers round-trip bit-exactly") {
  if (!have_device()) return;
  std::vector<double> host(1001), back(1001, 0);
  for (size_t i = 0; i < host.size(); ++i) host[i] = 1.0 / double(i + 1) - 1e-300 * double(i);
  auto d = gpu::alloc(gpu::Elem::F64, 1001);
  gpu::upload(*d, host.data());
  gpu::download(*d, back.data());
  CHECK(back == host);
}

TEST_CASE("gpu matmul of odd shapes matches a reference within float error") {
  if (!have_device()) return;
  const int m = 17, k = 9, n = 5;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> a(m * k), b(k * n), c(m * n), ref(m * n, 0);
  for (auto& x : a) x = u(rng);
  for (auto& x : b) x = u(rng);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j)
      for (int p = 0; p < k; ++p) ref[i * n + j] += a[i * k + p] * b[p * n + j];
  auto da = gpu::alloc(gpu::Elem::F32, m, k), db = gpu::alloc(gpu::Elem::F32, k, n),
       dc = gpu::alloc(gpu::Elem::F32, m, n);
  gpu::upload(*da, a.data());
  gpu::upload(*db, b.data());
  gpu::matmul(*da, *db, *dc);
  gpu::synchronize();
  gpu::download(*dc, c.data());
  for (int i = 0; i < m * n; ++i) CHECK(std::abs(c[i] - ref[i]) <= 1e-5f * k);
}

TEST_CASE("gpu refuses mismatched shapes and types, and arrays of a reset context") {
  if (!have_device()) return;
  auto a = gpu::alloc(gpu::Elem::F32, 3, 4), b = gpu::alloc(gpu::Elem::F32, 5, 2),
       c = gpu::alloc(gpu::Elem::F32, 3, 2), d = gpu::alloc(gpu::Elem::F64, 4, 2);
  CHECK_THROWS_WITH(gpu::matmul(*a, *b, *c), Catch::Contains("shapes do not fit"));
  CHECK_THROWS_WITH(gpu::matmul(*a, *d, *c), Catch::Contains("one element type"));
  CHECK_THROWS_AS(gpu::alloc(gpu::Elem::F32, -1), parlab::Error);
  gpu::reset();
  CHECK_THROWS_WITH(a->handle(), Catch::Contains("was reset"));
}
