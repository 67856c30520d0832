#!/bin/sh
# Installs the Debian packages parlab builds and tests with. As root (or with sudo) it installs what is
# missing; as an ordinary user who already has them (an HPC node) it only checks, and otherwise says
# what to ask the administrators for. Safe to run again. TEST_ONLY serves only the two-node cluster test
# (tests/cluster/, docs/cluster.md; the harness starts its own daemons) and the lab page's browser test
# (tests/cli/test_lab_page.py): installed where this script can install, never required where it cannot
# (those tests then report themselves skipped).
set -eu

PACKAGES="cmake make g++ pkg-config ccache libluajit-5.1-dev luajit libedit-dev catch2
libopenblas-dev libfmt-dev python3 python3-numpy libopenmpi-dev openmpi-bin
libclblast-dev ocl-icd-opencl-dev pocl-opencl-icd clang libclang-rt-14-dev gnuplot-nox tmux
clang-format lua-check luarocks dpkg-dev"
TEST_ONLY="slurm-wlm munge iproute2 chromium"

# missing PACKAGE...: those not installed, space-separated.
missing() {
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || printf ' %s' "$p"
  done
}
# shellcheck disable=SC2086
required=$(missing $PACKAGES)
# shellcheck disable=SC2086
optional=$(missing $TEST_ONLY)
missing="$required$optional"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo"
elif [ -z "$required" ]; then
  echo "parlab: note: the cluster and browser tests will be skipped (missing:$optional)" >&2
  exit 0
else
  missing=$required
  echo "parlab: these Debian packages are missing:$missing" >&2
  echo "parlab: ask an administrator to run: apt-get install$missing" >&2
  echo "parlab: (or load the matching environment modules and set CMAKE_PREFIX_PATH)" >&2
  exit 1
fi
echo "parlab: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
