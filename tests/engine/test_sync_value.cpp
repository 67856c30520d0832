// Value, Array and ShareableList storage; the race experiment (unlocked read-modify-write loses
// updates, the lock or an atomic add never does), from threads and from forked processes.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/sync/value.hpp"

using namespace parlab;
using shared::ArrayObject;
using shared::ListObject;
using shared::Type;
using shared::ValueObject;

TEST_CASE("Value types: names, ctypes codes, ranges") {
  Type t;
  CHECK(shared::parse_type("f64", t));
  CHECK(t == Type::F64);
  CHECK(shared::parse_type("i", t));
  CHECK(t == Type::I32);
  CHECK(shared::parse_type("?", t));
  CHECK(t == Type::Bool);
  CHECK_FALSE(shared::parse_type("int", t));
  CHECK_THROWS_WITH(shared::check_fits(Type::I32, 3.5, "Value"), Catch::Contains("not a whole number"));
  CHECK_THROWS_WITH(shared::check_fits(Type::U8, 256, "Value"), Catch::Contains("out of range for u8"));
  CHECK_THROWS(shared::check_fits(Type::I64, 9223372036854775808.0, "Value"));
  CHECK_NOTHROW(shared::check_fits(Type::F32, 3.5, "Value"));
}

TEST_CASE("Value: store, load, add for every type") {
  for (Type t : {Type::F64, Type::F32, Type::I64, Type::I32, Type::U8}) {
    auto v = shm::Ref<ValueObject>::create(t, 7);
    CHECK(shared::load(t, v->data) == 7);
    CHECK(shared::fetch_add(t, v->data, 2) == 9);
    shared::store(t, v->data, 100);
    CHECK(shared::load(t, v->data) == 100);
    CHECK(v->lock->recursive);
  }
  auto u = shm::Ref<ValueObject>::create(Type::U8, 255);
  CHECK(shared::fetch_add(Type::U8, u->data, 1) == 0);  // wraps as in C
  auto f = shm::Ref<ValueObject>::create(Type::F64, 0.5);
  CHECK(shared::fetch_add(Type::F64, f->data, 0.25) == 0.75);
}

namespace {
// n threads each do `per` increments of v in the given way; returns the final value.
template <class F>
double hammer(int n, int per, F inc) {
  auto v = shm::Ref<ValueObject>::create(Type::I64, 0);
  std::vector<std::thread> ts;
  for (int i = 0; i < n; ++i)
    ts.emplace_back([&] {
      for (int k = 0; k < per; ++k) inc(*v);
    });
  for (auto& t : ts) t.join();
  return shared::load(Type::I64, v->data);
}
void unlocked(ValueObject& v) { shared::store(v.type, v.data, shared::load(v.type, v.data) + 1); }
void locked(ValueObject& v) {
  v.lock->acquire();
  unlocked(v);
  v.lock->release();
}
void atomic_add(ValueObject& v) { shared::fetch_add(v.type, v.data, 1); }
}  // namespace

TEST_CASE("the race experiment: unlocked += loses updates but the lock and add() never do") {
  // Losing updates needs the two threads to overlap; a few tries make that certain even on a busy box.
  bool lost = false;
  for (int attempt = 0; attempt < 10 && !lost; ++attempt) lost = hammer(2, 1000000, unlocked) < 2000000;
  CHECK(lost);
  CHECK(hammer(8, 100000, locked) == 800000);
  CHECK(hammer(8, 100000, atomic_add) == 800000);
}

TEST_CASE("Value under its lock from 4 forked processes: exact total") {
  // Two Values: a locked read-modify-write and an unlocked atomic add on one Value would race.
  auto v = shm::Ref<ValueObject>::create(Type::I64, 0);
  auto w = shm::Ref<ValueObject>::create(Type::I64, 0);
  std::vector<pid_t> kids;
  for (int i = 0; i < 4; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      for (int k = 0; k < 50000; ++k) locked(*v);
      for (int k = 0; k < 50000; ++k) atomic_add(*w);
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) waitpid(k, nullptr, 0);
  CHECK(shared::load(Type::I64, v->data) == 200000);
  CHECK(shared::load(Type::I64, w->data) == 200000);
}

TEST_CASE("Array: zero-filled, typed elements, freed with the last holder") {
  std::size_t before = shm::used_bytes();
  {
    auto a = shm::Ref<ArrayObject>::create(Type::I32, 1000);
    CHECK(a->size == 1000);
    CHECK(shared::load(Type::I32, a->at(999)) == 0);
    shared::store(Type::I32, a->at(3), -5);
    CHECK(shared::load(Type::I32, a->at(3)) == -5);
    auto e = shm::Ref<ArrayObject>::create(Type::F64, 0);
    CHECK(e->size == 0);
  }
  CHECK(shm::used_bytes() == before);
}

TEST_CASE("ShareableList: fixed slots, string capacity, kinds") {
  std::vector<ListObject::Item> items(4);
  items[0].kind = ListObject::Number;
  items[0].number = 3.5;
  items[1].kind = ListObject::String;
  items[1].text = "hello world";  // 11 bytes -> capacity 16
  items[2].kind = ListObject::True;
  auto l = shm::Ref<ListObject>::create(items);
  CHECK(l->size == 4);
  CHECK(l->get(0).number == 3.5);
  CHECK(l->get(1).text == "hello world");
  CHECK(l->get(2).kind == ListObject::True);
  CHECK(l->get(3).kind == ListObject::Nil);
  CHECK(l->capacity(1) == 16);
  CHECK(l->capacity(0) == 8);
  ListObject::Item s;
  s.kind = ListObject::String;
  s.text = "sixteen bytes!!!";
  l->set(1, s);
  CHECK(l->get(1).text == s.text);
  s.text += "x";
  CHECK_THROWS_WITH(l->set(1, s), Catch::Contains("does not fit slot 1 (capacity 16 bytes)"));
  s.text = "12345678";
  l->set(0, s);  // a number slot takes a string that fits 8 bytes
  CHECK(l->get(0).text == "12345678");
}
