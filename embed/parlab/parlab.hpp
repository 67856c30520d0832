#pragma once
// parlab's C++ embedding API, one include: an Interpreter runs Lua with the parlab module (or a sandbox
// with limits on time, memory and libraries), C++ values cross as parlab::Value, errors come back as
// parlab::Error. docs/embedding.md is the guide; examples/embed/ a program that uses it.
#include "error.hpp"        // IWYU pragma: export
#include "interpreter.hpp"  // IWYU pragma: export
#include "options.hpp"      // IWYU pragma: export
#include "value.hpp"        // IWYU pragma: export
