#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <thread>
#include <vector>

#include "engine/arena/shm.hpp"
#include "engine/core/error.hpp"
#include "engine/kernels/array.hpp"

using parlab::Array;
using parlab::DType;

TEST_CASE("array types have names and sizes", "[array]") {
  DType t;
  CHECK(parlab::dtype_from_name("f32", t));
  CHECK(t == DType::F32);
  CHECK_FALSE(parlab::dtype_from_name("f16", t));
  CHECK(parlab::dtype_size(DType::I64) == 8);
  CHECK(parlab::dtype_size(DType::U8) == 1);
  CHECK(std::string(parlab::dtype_name(DType::I32)) == "i32");
  CHECK_FALSE(parlab::dtype_valid(5));
  CHECK_FALSE(parlab::dtype_valid(-1));
}

TEST_CASE("new arrays are zero-filled, in the arena, with their shape", "[array]") {
  {  // dirty a block, free it, and allocate again: the arena does not clear reused memory
    Array d = Array::create(DType::F64, 5000);
    std::memset(d.span().data, 0xff, 5000 * 8);
  }
  Array a = Array::create(DType::F64, 5000);
  const auto& s = a.span();
  CHECK(s.n == 5000);
  CHECK(s.ndim == 1);
  CHECK(parlab::shm::contains(s.data, 5000 * 8));
  for (int i = 0; i < 5000; ++i) REQUIRE(static_cast<double*>(s.data)[i] == 0.0);
  Array m = Array::create(DType::I32, 3, 4);
  CHECK(m.span().n == 12);
  CHECK(m.span().rows == 3);
  CHECK(m.span().cols == 4);
  CHECK(m.span().ndim == 2);
  CHECK(Array::create(DType::U8, 0).size() == 0);
}

TEST_CASE("bad sizes are refused", "[array]") {
  CHECK_THROWS_WITH(Array::create(DType::F64, -1), Catch::Contains("non-negative"));
  CHECK_THROWS_WITH(Array::create(DType::F64, -2, 3), Catch::Contains("non-negative"));
  CHECK_THROWS_WITH(Array::create(DType::F64, std::int64_t(1) << 62), Catch::Contains("too large"));
  CHECK_THROWS_AS(Array::create(DType::U8, std::int64_t(1) << 40, std::int64_t(1) << 40), parlab::Error);
}

TEST_CASE("views share the storage and keep it alive", "[array]") {
  std::size_t before = parlab::shm::used_bytes();
  Array v;
  {
    Array m = Array::create(DType::F64, 4, 5);
    static_cast<double*>(m.span().data)[7] = 3.5;  // row 1, column 2
    Array r = m.row(1);
    CHECK(r.size() == 5);
    CHECK(static_cast<double*>(r.span().data)[2] == 3.5);
    CHECK(m.storage_refs() == 2);
    v = m.slice(6, 9);
    CHECK(static_cast<double*>(v.span().data)[1] == 3.5);
    Array flat = m.reshape(2, 10);
    CHECK(flat.span().rows == 2);
    CHECK(v.offset() == 6);
  }
  CHECK(v.storage_refs() == 1);
  CHECK(static_cast<double*>(v.span().data)[1] == 3.5);
  v = Array();
  CHECK(parlab::shm::used_bytes() == before);
}

TEST_CASE("view ranges are checked", "[array]") {
  Array m = Array::create(DType::F32, 3, 4);
  CHECK_THROWS_WITH(m.slice(5, 13), Catch::Contains("out of range for length 12"));
  CHECK_THROWS_WITH(m.slice(-1, 2), Catch::Contains("out of range"));
  CHECK_THROWS_WITH(m.slice(3, 2), Catch::Contains("out of range"));
  CHECK(m.slice(12, 12).size() == 0);
  CHECK_THROWS_WITH(m.row(3), Catch::Contains("row 3 out of range for 3 rows"));
  CHECK_THROWS_WITH(m.slice(0, 4).row(0), Catch::Contains("not a matrix"));
  CHECK_THROWS_WITH(m.reshape(5, 3), Catch::Contains("does not hold 12"));
}

TEST_CASE("a handle attaches to the same memory and refuses stale or bad geometry", "[array]") {
  Array a = Array::create(DType::I64, 100);
  Array v = a.slice(10, 20);
  Array b = Array::attach(v.storage_offset(), v.storage_serial(), DType::I64, v.offset(), 10, 0, 1);
  CHECK(b.span().data == v.span().data);
  CHECK(a.storage_refs() == 3);
  CHECK_THROWS_WITH(Array::attach(a.storage_offset(), a.storage_serial() + 1, DType::I64, 0, 100, 0, 1),
                    Catch::Contains("freed"));
  CHECK_THROWS_AS(Array::attach(a.storage_offset(), a.storage_serial(), DType::F64, 0, 100, 0, 1),
                  parlab::Error);
  CHECK_THROWS_AS(Array::attach(a.storage_offset(), a.storage_serial(), DType::I64, 50, 51, 0, 1),
                  parlab::Error);
  CHECK_THROWS_AS(Array::attach(a.storage_offset(), a.storage_serial(), DType::I64, 0, 11, 10, 2),
                  parlab::Error);
  CHECK_THROWS_AS(Array::attach(a.storage_offset(), a.storage_serial(), DType::I64, -1, 1, 0, 1),
                  parlab::Error);
  CHECK_THROWS_AS(Array::attach(a.storage_offset() + 8, 0, DType::I64, 0, 1, 0, 1), parlab::Error);
  auto offset = a.storage_offset();
  auto serial = a.storage_serial();
  a = Array();
  v = Array();
  b = Array();
  CHECK_THROWS_AS(Array::attach(offset, serial, DType::I64, 0, 1, 0, 1), parlab::Error);
}

TEST_CASE("a forked child's writes to an array are seen by the parent", "[array]") {
  Array a = Array::create(DType::I32, 1000);
  pid_t pid = fork();
  if (pid == 0) {
    for (int i = 0; i < 1000; ++i) static_cast<std::int32_t*>(a.span().data)[i] = i * 3;
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  for (int i = 0; i < 1000; ++i) REQUIRE(static_cast<std::int32_t*>(a.span().data)[i] == i * 3);
}

TEST_CASE("many threads take and drop views of one array at once", "[array]") {
  Array a = Array::create(DType::F64, 1000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&a, t] {
      for (int i = 0; i < 20000; ++i) {
        Array v = a.slice(t, t + 10);
        Array w = v.slice(1, 2);
        (void)w.span().data;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(a.storage_refs() == 1);
}

TEST_CASE("forked children attach, write and release many times; the count comes back", "[array]") {
  Array a = Array::create(DType::I64, 64);
  std::vector<pid_t> kids;
  for (int c = 0; c < 4; ++c) {
    pid_t pid = fork();
    if (pid == 0) {
      for (int i = 0; i < 5000; ++i) {
        Array b = Array::attach(a.storage_offset(), a.storage_serial(), DType::I64, 0, 64, 0, 1);
        static_cast<std::int64_t*>(b.span().data)[c] += 1;
      }
      _exit(0);  // the child's inherited copy of `a` is not released: it never ran its destructor
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
  }
  for (int c = 0; c < 4; ++c) CHECK(static_cast<std::int64_t*>(a.span().data)[c] == 5000);
  CHECK(a.storage_refs() == 1);
}
