#include "engine/core/os_error.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace parlab {
namespace {

std::string limit_text(int resource) {
  rlimit rl{};
  if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return "unlimited";
  return std::to_string(rl.rlim_cur);
}

}  // namespace

std::string os_error(int err) {
  std::string text = std::strerror(err);
  if (err == EMFILE)
    return fmt::format("{} (the open-descriptor limit, ulimit -n, is {})", text, limit_text(RLIMIT_NOFILE));
  if (err == EAGAIN)
    return fmt::format("{} (the process and thread limit, ulimit -u, is {}; or memory ran out)", text,
                       limit_text(RLIMIT_NPROC));
  return text;
}

}  // namespace parlab
