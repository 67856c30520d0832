#pragma once
// Which OpenBLAS kernel set ("core") runs the BLAS calls. An OpenBLAS older than the processor does not
// recognise it and falls back to its oldest x86-64 kernels (Prescott: SSE3), several times slower than
// the AVX2 or AVX-512 ones the processor can run; upgrade_for names the better set.
#include <string>

namespace parlab::blas_core {

// The core OpenBLAS chose as it loaded, e.g. "Haswell", "SkylakeX", "Prescott" (opens it: blas_lib.hpp).
const char* current();
// The core to ask for with OPENBLAS_CORETYPE when OpenBLAS chose `chosen`, or "" when that one already
// suits this CPU (or is a name this table does not rank).
std::string upgrade_for(const char* chosen);

}  // namespace parlab::blas_core
