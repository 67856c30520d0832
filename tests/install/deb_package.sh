#!/bin/sh
# Builds the Debian package with cpack and checks it: Debian package names in Depends, the file list, and
# the unpacked tree used as a prefix: `parlab -e` and the Lua module from stock luajit, a spawned child
# included. As root on a machine with no parlab of its own (CI's fresh machine), it also installs the
# package with `dpkg -i`, runs `parlab lab --quick` from an unrelated folder, and purges the package again,
# so the machine ends as it began; elsewhere it says that part was skipped.
#   tests/install/deb_package.sh BUILD_DIR WORK_DIR
set -eu
build=$(cd "$1" && pwd)
work=$2
rm -rf "$work"
mkdir -p "$work"
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log" >&2; exit 1; }
deb=$(ls "$work"/parlab_*.deb)
dpkg-deb -f "$deb" Depends >"$work/depends"
for pkg in libluajit-5.1-2 libgomp1 libedit2 libc6; do
  grep -q "$pkg" "$work/depends" || { echo "Depends lacks $pkg: $(cat "$work/depends")" >&2; exit 1; }
done
dpkg-deb -c "$deb" >"$work/files"
for f in ./usr/bin/parlab ./usr/lib/libparlab.so.0 ./usr/lib/lua/5.1/parlab.so ./usr/include/parlab/parlab.hpp \
  ./usr/lib/pkgconfig/parlab.pc ./usr/share/parlab/scripts/tour.lua ./usr/share/man/man1/parlab.1; do
  grep -q " $f" "$work/files" || { echo "the package lacks $f" >&2; exit 1; }
done
dpkg-deb -x "$deb" "$work/unpacked"
p=$work/unpacked/usr
[ "$("$p/bin/parlab" -e 'io.write(type(parlab.version) == "string" and "yes" or "no")')" = yes ]
if command -v luajit >/dev/null 2>&1; then
  multiarch=$(find "$p/lib" -path '*/lua/5.1/parlab.so' | head -n 1)
  LUA_CPATH="$(dirname "$multiarch")/?.so;;" luajit -e '
    local parlab = require "parlab"
    local pool = parlab.Pool(1, { start_method = "spawn" })
    assert(pool:map(function(x) return x + 1 end, { 41 })[1] == 42)
    pool:close(); pool:join()'
fi
if [ "$(id -u)" = 0 ] && ! dpkg -s parlab >/dev/null 2>&1 && [ ! -e /usr/bin/parlab ]; then
  trap 'dpkg -P parlab >/dev/null 2>&1 || true' EXIT
  dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; exit 1; }
  mkdir -p "$work/elsewhere"
  (cd "$work/elsewhere" && /usr/bin/parlab lab --quick --out report >lab.log 2>&1) ||
    { cat "$work/elsewhere/lab.log" >&2; exit 1; }
  grep -q "0 experiment(s) failed" "$work/elsewhere/lab.log" || { cat "$work/elsewhere/lab.log" >&2; exit 1; }
  ! command -v luajit >/dev/null 2>&1 || luajit -e 'assert(type(require("parlab").version) == "string")'
  dpkg -P parlab >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; exit 1; }
  trap - EXIT
  [ ! -e /usr/bin/parlab ] || { echo "dpkg -P left /usr/bin/parlab" >&2; exit 1; }
  echo "dpkg -i, lab --quick from $work/elsewhere, dpkg -P: done"
else
  echo "(not root, or a parlab is installed here: dpkg -i skipped, the unpacked tree was tested)"
fi
echo "$(basename "$deb"): Depends: $(cat "$work/depends")"
