#include <catch2/catch.hpp>

#include "engine/core/clock.hpp"

TEST_CASE("clock is monotonic and sleep lasts at least as asked") {
  double t0 = parlab::clock_seconds();
  parlab::sleep_seconds(0.01);
  double t1 = parlab::clock_seconds();
  CHECK(t1 - t0 >= 0.01);
  parlab::sleep_seconds(-1);  // returns at once
  CHECK(parlab::clock_seconds() >= t1);
}

TEST_CASE("cpu budget is positive and never above the online CPUs") {
  auto b = parlab::cpu_budget();
  CHECK(b.count >= 1);
  CHECK(b.count <= b.online);
  CHECK(!b.reason.empty());
}
