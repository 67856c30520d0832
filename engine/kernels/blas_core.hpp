#pragma once
// Which OpenBLAS kernel set ("core") runs the BLAS calls. An OpenBLAS older than the processor does not
// recognise it and falls back to its oldest x86-64 kernels (Prescott: SSE3), several times slower than
// the AVX2 or AVX-512 ones the processor can run; upgrade_for_this_cpu names the better set.
#include <string>

namespace parlab::blas_core {

// The core OpenBLAS chose at start-up, e.g. "Haswell", "SkylakeX", "Prescott".
const char* current();
// The core to ask for with OPENBLAS_CORETYPE, or "" when the current one already suits this CPU (or
// the current name is one this table does not rank).
std::string upgrade_for_this_cpu();

}  // namespace parlab::blas_core
