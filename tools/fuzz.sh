#!/bin/sh
# Fuzzes the transport decoder with libFuzzer for a bounded time: tools/fuzz.sh [seconds] (default 60).
# Builds only the fuzz target, with clang, in its own folder (build-fuzz, or $FUZZ_BUILD_DIR).
# Exit status: 0 no findings, 77 skipped (no clang/libFuzzer), anything else a finding or a build failure;
# a crashing input is left as crash-* in the build folder.
set -eu
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

if ! command -v clang >/dev/null 2>&1 || ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: SKIPPED: clang is not installed (Debian: apt-get install clang)"
  exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' > "$probe/p.cpp"
if ! clang++ -fsanitize=fuzzer "$probe/p.cpp" -o "$probe/p" >/dev/null 2>&1; then
  echo "fuzz.sh: SKIPPED: clang cannot link libFuzzer (Debian: apt-get install clang libclang-rt-dev or the clang-N package)"
  exit 77
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DPARLAB_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target fuzz_transport -j "${JOBS:-2}"
mkdir -p "$build/fuzz-corpus"
cd "$build"
exec "$build/tests/fuzz/fuzz_transport" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$build/fuzz-corpus" "$root/tests/fuzz/corpus"
