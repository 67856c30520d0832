#include "engine/kernels/blas_core.hpp"

#include <strings.h>

#include "engine/kernels/blas_lib.hpp"

namespace parlab::blas_core {
namespace {

// OpenBLAS core names by the widest vector unit their kernels use: 0 SSE, 1 AVX, 2 AVX2, 3 AVX-512.
int rank_of(const char* core) {
  static const struct {
    const char* name;
    int rank;
  } ranks[] = {{"prescott", 0},    {"core2", 0},         {"penryn", 0},     {"dunnington", 0},
               {"nehalem", 0},     {"atom", 0},          {"barcelona", 0},  {"bobcat", 0},
               {"sandybridge", 1}, {"bulldozer", 1},     {"piledriver", 1}, {"steamroller", 1},
               {"excavator", 2},   {"haswell", 2},       {"zen", 2},        {"skylakex", 3},
               {"cooperlake", 3},  {"sapphirerapids", 3}};
  for (const auto& r : ranks)
    if (strcasecmp(core, r.name) == 0) return r.rank;
  return -1;
}

}  // namespace

const char* current() { return blas::api().get_corename(); }

std::string upgrade_for(const char* chosen) {
  __builtin_cpu_init();
  const char* best = nullptr;
  int best_rank = -1;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
    best = "SkylakeX", best_rank = 3;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    best = "Haswell", best_rank = 2;
  } else if (__builtin_cpu_supports("avx")) {
    best = "Sandybridge", best_rank = 1;
  }
  int now = rank_of(chosen);
  if (!best || now < 0 || now >= best_rank) return "";
  return best;
}

}  // namespace parlab::blas_core
