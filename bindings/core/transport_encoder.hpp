#pragma once
// The transport encoder's state, shared by bindings/core/transport.cpp (values, tables, kinds) and
// bindings/core/transport_function.cpp (functions: bytecode, upvalues, globals). Internal to the transport.
#include <lua.hpp>

#include <array>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bindings/core/transport.hpp"
#include "engine/transport/transport.hpp"

namespace parlab::lua::transport_detail {

// Pointer -> id for tables, functions and upvalue cells seen in this message. Small messages stay in
// an inline array (no allocation at all); big ones switch to a hash map.
class SeenMap {
 public:
  int find(const void* p) const {
    if (map_.empty()) {
      for (int i = 0; i < n_; ++i)
        if (small_[i].first == p) return small_[i].second;
      return -1;
    }
    auto it = map_.find(p);
    return it == map_.end() ? -1 : it->second;
  }
  void add(const void* p, int id) {
    if (map_.empty() && n_ < kSmall) {
      small_[n_++] = {p, id};
      return;
    }
    if (map_.empty()) map_.insert(small_.begin(), small_.end());
    map_.emplace(p, id);
  }

 private:
  static constexpr int kSmall = 16;
  std::array<std::pair<const void*, int>, kSmall> small_;
  int n_ = 0;
  std::unordered_map<const void*, int> map_;
};

// Thrown by refuse(): why, and the path below the root, built while unwinding.
struct Refusal {
  std::string why;
  std::string path;
};

// One step of a value's path, rendered only when an error needs it.
struct Step {
  enum Kind { kIndex, kField, kOtherKey, kKeyOf, kUpvalue, kGlobal, kMeta } kind;
  const char* s = nullptr;
  size_t len = 0;
  double num = 0;
};

class Encoder {
 public:
  Encoder(lua_State* L, const char* what, std::string&& buffer, Reach reach)
      : L_(L), what_(what), w_(std::move(buffer)), reach_(reach) {}
  std::string run(int first, int n);
  // Big strings are referenced, not copied (wire::Writer::string_bytes); call before run.
  void splice_into(std::vector<wire::Splice>* splices) { w_.splice_into(splices); }

 private:
  void value(int idx);
  void number(double d);
  void table(int idx);
  size_t array_length(int idx);
  void function(int idx);
  void upvalues(int idx);
  void globals(int idx);
  void raw_global(int env);
  void other(int idx, const char* fallback);
  bool named(int idx);
  bool wrote_ref(int idx);
  int slot(int at, char* key);
  void value_at(int idx, const Step& step);
  [[noreturn]] void refuse(const char* why);

  lua_State* L_;
  const char* what_;
  wire::Writer w_;
  SeenMap seen_;   // tables and functions -> ref id
  SeenMap cells_;  // upvalue cells -> (function id << 8 | upvalue index)
  int next_id_ = 0;
  int base_ = 0;
  int depth_ = 0;
  int names_ = 0;  // stack slot of the value -> name map (nil until needed)
  int sent_ = 0;   // stack slot of the set of global names already in this message (nil until needed)
  bool must_sign_ = false;  // bytecode or a shared-object handle was written
  Reach reach_;
  bool has_refs_ = false;  // a REF or a shared upvalue was written
  std::string scratch_;
};

}  // namespace parlab::lua::transport_detail
