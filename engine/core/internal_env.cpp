#include "engine/core/internal_env.hpp"

#include <unistd.h>

#include <cstdio>

namespace parlab {

void refuse_internal_variable(const char* name, const char* value, const std::string& why) {
  std::fprintf(
      stderr,
      "parlab: %s=%s: %s.\nparlab: %s is set by parlab for the processes it starts; unset it (unset %s) "
      "to run parlab yourself.\n",
      name, value, why.c_str(), name, name);
  std::fflush(stderr);
  _exit(2);
}

}  // namespace parlab
