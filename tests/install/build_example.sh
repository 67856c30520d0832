#!/bin/sh
# Builds examples/embed against an installed (and moved) prefix the two ways a user would: as a CMake
# project with find_package(parlab), and with a plain compiler command from pkg-config; runs both.
#   tests/install/build_example.sh PREFIX SOURCE_DIR WORK_DIR
set -eu
prefix=$1
src=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
cmake -S "$src/examples/embed" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log" ||
  { cat "$work/configure.log" >&2; exit 1; }
cmake --build "$work/cmake" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
"$work/cmake/embed_example" "$src/examples/embed/stats.lua"
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs parlab)
# shellcheck disable=SC2086
c++ -std=c++17 -o "$work/pkgconfig_example" "$src/examples/embed/main.cpp" $flags
"$work/pkgconfig_example" "$src/examples/embed/stats.lua" >/dev/null
echo "built and ran with CMake (find_package) and with pkg-config: $flags"
