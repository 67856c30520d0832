#pragma once
// engine/kernels: typed arrays in the shared arena (array.hpp) and the native kernels that run on them
// with OpenMP or BLAS, releasing the GIL as NumPy does: level-1 operations (blas1.hpp), reductions
// (reduce.hpp), the matrix product (matmul.hpp), counter-based random fills (random.hpp), the trapezoid
// rule (integrate.hpp) and a Jacobi step (stencil.hpp); their type dispatch and argument checks
// (dispatch.hpp); thread counts for OpenMP and BLAS (omp.hpp) and the check that OpenBLAS runs the
// kernels this CPU deserves (blas_core.hpp).
// Uses: core, arena.
#include "engine/kernels/array.hpp"
#include "engine/kernels/blas1.hpp"
#include "engine/kernels/blas_core.hpp"
#include "engine/kernels/dispatch.hpp"
#include "engine/kernels/integrate.hpp"
#include "engine/kernels/matmul.hpp"
#include "engine/kernels/omp.hpp"
#include "engine/kernels/random.hpp"
#include "engine/kernels/reduce.hpp"
#include "engine/kernels/stencil.hpp"
