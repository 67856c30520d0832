#!/bin/sh
# Checks that no ELF object parlab builds or installs carries an empty or relative RUNPATH (or RPATH) entry.
# The loader reads an empty entry (a leading, doubled or trailing ':') and a relative one as folders relative
# to the current directory, so a libstdc++.so.6 or libmpi.so.40 in a script's folder would be loaded into
# parlab. CMake adds such a trailing ':' to the build tree's RPATH of every installed target that needs one
# (room for its install-time rewrite), e.g. when MPI is linked through the engine archive.
# Entries must be absolute or start with $ORIGIN (relative to the object, not to the current directory).
#   tests/install/runpath.sh BUILD_DIR PREFIX      (PREFIX: the moved install of install_prefix.sh)
set -eu
build=$1
prefix=$2
checked=0
bad=0

# check FILE: prints FILE's bad entries and counts them; a file that is not ELF is skipped.
check() {
  [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] || return 0
  checked=$((checked + 1))
  paths=$(readelf -d "$1" | sed -n 's/.*(R[UN]*PATH).*\[\(.*\)\]$/\1/p')
  [ -n "$paths" ] || return 0
  # One entry per line; ':' at either end or '::' becomes an empty line.
  entries=$(printf '%s\n' "$paths" | tr ':' '\n')
  if printf '%s\n' "$paths" | grep -qE '^:|::|:$'; then
    echo "$1: empty RUNPATH entry in [$paths]" >&2
    bad=$((bad + 1))
  fi
  for e in $entries; do
    case $e in
    /* | '$ORIGIN' | '$ORIGIN/'* | '${ORIGIN}' | '${ORIGIN}/'*) ;;
    *)
      echo "$1: relative RUNPATH entry '$e' in [$paths]" >&2
      bad=$((bad + 1))
      ;;
    esac
  done
}

# The build tree's own objects (CMake's compiler probes under CMakeFiles and the install tests' scratch
# builds are not parlab's), then everything the install put in the prefix.
for f in $(find "$build" \( -name CMakeFiles -o -name 'scratch*' \) -prune -o -type f \
  \( -name '*.so' -o -name '*.so.*' -o -perm -u+x \) -print) $(find "$prefix" -type f); do
  check "$f"
done
[ "$checked" -gt 0 ] || { echo "no ELF object found under $build and $prefix" >&2; exit 1; }
[ "$bad" -eq 0 ] || exit 1
echo "ok: $checked ELF objects, no empty or relative RUNPATH entry"
