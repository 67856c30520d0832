// Finds scripts/tour.lua next to the executable's parent folders (build/parlab -> ./scripts,
// prefix/bin/parlab -> prefix/share/parlab/scripts) or in the current folder.
#include "cli/lab.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace parlab::cli {
namespace {

std::string executable_dir(const char* argv0) {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string exe = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string(argv0);
  size_t slash = exe.rfind('/');
  return slash == std::string::npos ? "." : exe.substr(0, slash);
}

std::vector<std::string> candidates(const char* argv0) {
  std::vector<std::string> places;
  std::string dir = executable_dir(argv0);
  for (int up = 0; up < 4; ++up) {  // the executable's folder and three above it
    places.push_back(dir + "/scripts/tour.lua");
    places.push_back(dir + "/share/parlab/scripts/tour.lua");
    size_t slash = dir.rfind('/');
    if (slash == std::string::npos || slash == 0) break;
    dir.resize(slash);
  }
  places.push_back("scripts/tour.lua");
  return places;
}

}  // namespace

std::string find_tour(const char* argv0) {
  std::vector<std::string> places = candidates(argv0);
  for (const std::string& p : places)
    if (access(p.c_str(), R_OK) == 0) return p;
  std::fprintf(stderr, "parlab: lab: cannot find scripts/tour.lua; looked in:\n");
  for (const std::string& p : places) std::fprintf(stderr, "  %s\n", p.c_str());
  return "";
}

}  // namespace parlab::cli
