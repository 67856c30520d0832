#!/bin/sh
# Installs the build into a prefix, moves the prefix elsewhere (so nothing may depend on where it was
# installed, or on the source and build trees), checks the layout of docs/install.md and runs
# `parlab lab --quick` from the moved prefix in an unrelated folder.
#   tests/install/install_prefix.sh BUILD_DIR WORK_DIR      (WORK_DIR/moved is the prefix afterwards)
set -eu
build=$1
work=$2
rm -rf "$work"
mkdir -p "$work/elsewhere"
cmake --install "$build" --prefix "$work/stage" >/dev/null
mv "$work/stage" "$work/moved"
p=$work/moved
for f in bin/parlab lib/libparlab.so include/parlab/parlab.hpp include/parlab/interpreter.hpp \
  lib/lua/5.1/parlab.so lib/pkgconfig/parlab.pc lib/cmake/parlab/parlabConfig.cmake \
  lib/cmake/parlab/parlabTargets.cmake share/parlab/scripts/tour.lua share/parlab/scripts/lib/lab.lua \
  share/parlab/docs/install.md share/parlab/docs/embedding.md share/man/man1/parlab.1; do
  [ -e "$p/$f" ] || { echo "missing after install: $f" >&2; exit 1; }
done
# No absolute path of the install, the build or the source tree in the text files it reads at run time.
if grep -rl -e "$work/stage" -e "$(cd "$build" && pwd)" "$p/lib/pkgconfig" "$p/lib/cmake" "$p/share/parlab/scripts"; then
  echo "the files above name the build tree or the original prefix" >&2
  exit 1
fi
man -l "$p/share/man/man1/parlab.1" >/dev/null 2>&1 || groff -man -Tutf8 "$p/share/man/man1/parlab.1" >/dev/null 2>&1 ||
  echo "(no man or groff here: the page was not rendered)"
cd "$work/elsewhere"
"$p/bin/parlab" lab --quick --out report >lab.log 2>&1 || { cat lab.log >&2; exit 1; }
grep -q "0 experiment(s) failed" lab.log || { cat lab.log >&2; exit 1; }
[ -s report/report.md ]
echo "installed, moved, lab --quick ran from $p"
