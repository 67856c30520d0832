#!/bin/sh
# Checks how the parlab executable carries its C++ runtime: linked in (it needs no libstdc++.so, whose
# loading was most of what starting parlab cost beyond luajit) and private (it exports none of the
# runtime's symbols). An exported __cxa_throw or operator new would be found before the shared
# libstdc++'s by everything loaded later (the MPI plugin, a GPU driver such as PoCL with its LLVM), which
# would then run half on one copy of the runtime and half on the other.
#   tests/install/cxx_runtime.sh PARLAB_EXECUTABLE
set -eu
exe=$1
if readelf -d "$exe" | grep -q 'NEEDED.*libstdc++'; then
  echo "$exe needs the shared libstdc++; it should link the C++ runtime in (-static-libstdc++)" >&2
  exit 1
fi
# The runtime's own entry points: exceptions, the personality routine, terminate, operator new/delete,
# and the out-of-line std:: code a program calls into (threads, strings, streams).
exported=$(nm -D --defined-only "$exe" |
  grep -E ' (__cxa_|__gxx_personality|_ZSt9terminate|_Znwm|_ZdlPv|_ZNSt6thread|_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_M_create|_ZNSo)' || true)
if [ -n "$exported" ]; then
  echo "$exe exports symbols of its C++ runtime (link with --exclude-libs,libstdc++.a):" >&2
  printf '%s\n' "$exported" | head -20 >&2
  exit 1
fi
echo "ok: $exe carries a private C++ runtime"
