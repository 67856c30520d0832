#pragma once
// "parlab lab [args]": runs the lecture tour, scripts/tour.lua, from the source tree or an install.
#include <string>

namespace parlab::cli {

// The tour's path, or "" (after naming the places searched on stderr) when there is none.
std::string find_tour(const char* argv0);

}  // namespace parlab::cli
