#!/bin/sh
# Runs one MPI test with TMPDIR set to a new empty folder of its own, then checks that the run left nothing
# in it: no Open MPI session folder (ompi.HOST.UID and what is under it), no parlab-mpi.* folder, no file.
# A folder of its own makes the check blind to other runs' folders in /tmp. It waits up to 10 s for a
# guard or daemon that is still cleaning up after the run. Registered in tests/mpi/CMakeLists.txt.
# usage: no_leftovers.sh COMMAND [ARG...]; exits with the command's status, or 1 if something was left.
dir=$(mktemp -d) || exit 1
TMPDIR=$dir "$@"
status=$?
n=0
while [ -n "$(ls -A "$dir")" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
left=$(cd "$dir" && find . -mindepth 1 | sort)
rm -rf "$dir"
if [ -n "$left" ]; then
  echo "FAIL: the run left in its TMPDIR (after 10 s):"
  echo "$left"
  exit 1
fi
exit $status
