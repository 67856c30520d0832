#!/bin/sh
# Makes a folder that runs parlab on a Linux x86-64 machine without the Debian packages (a cluster node,
# a lent benchmark machine): the stripped binary and the shared libraries it links, except the C
# library's own (glibc must be as new as this machine's or newer). The C++ runtime is linked in, so
# the node's own libstdc++ (which its CUDA libraries may need newer) is left alone. MPI is left out (a
# node has its own; build there to use it).
#   tools/bundle.sh [DIR]        (default: bundle/; then run DIR/parlab script.lua)
set -eu
dir=${1:-bundle}
build=build-bundle
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DPARLAB_WITH_MPI=OFF \
  -DCMAKE_EXE_LINKER_FLAGS="-static-libstdc++ -static-libgcc" >/dev/null
cmake --build "$build" -j "$(nproc)" --target parlab
rm -rf "$dir" && mkdir -p "$dir/lib"
cp "$build/parlab" "$dir/parlab.bin" && strip "$dir/parlab.bin"
# Every library ldd resolves, but not glibc's (libc, libm, libpthread, libdl, librt, the loader) nor
# libgcc_s, which every system has.
ldd "$build/parlab" | awk '$3 ~ /^\// { print $3 }' |
  grep -Ev '/(libc|libm|libpthread|libdl|librt|libgcc_s|ld-linux[^/]*)\.so' |
  while read -r lib; do cp -L "$lib" "$dir/lib/"; done
# The wrapper keeps the libraries beside the binary; spawned workers re-exec /proc/self/exe and
# inherit the variable, so they find them too.
cat >"$dir/parlab" <<'WRAP'
#!/bin/sh
here=$(cd "$(dirname "$0")" && pwd)
LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$here/parlab.bin" "$@"
WRAP
chmod +x "$dir/parlab"
du -sh "$dir"
