#!/bin/sh
# An error on one rank aborts the whole job: mpirun must exit non-zero well before the timeout, and the
# output must hold the failing rank's message, its traceback and parlab.mpi's abort notice. Modes: an
# uncaught error, os.exit(3), and SIGINT (Ctrl-C) reaching a rank blocked in recv.
# usage: test_mpi_abort.sh PARLAB MPIRUN NPROCS
parlab=$1 mpirun=$2 n=${3:-2}
dir=$(dirname "$0")
status=0
# Open MPI 4.1's mpirun may leave its session directory behind after MPI_Abort: keep it in a private
# TMPDIR that this script removes.
TMPDIR=$(mktemp -d) && export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
for mode in error exit interrupt; do
  out=$(timeout -k 5 30 "$mpirun" --oversubscribe -n "$n" "$parlab" "$dir/abort_rank.lua" "$mode" 2>&1)
  rc=$?
  echo "$out"
  echo "mode=$mode rc=$rc"
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "FAIL: mode $mode: expected a prompt non-zero exit, got rc=$rc"; status=1
  fi
  echo "$out" | grep -q "parlab.mpi: rank 1 of $n failed" || { echo "FAIL: mode $mode: no abort notice"; status=1; }
  if [ "$mode" = error ]; then
    echo "$out" | grep -q "boom on rank 1" || { echo "FAIL: no error message"; status=1; }
    echo "$out" | grep -q "stack traceback" || { echo "FAIL: no traceback"; status=1; }
    echo "$out" | grep -q "fail_deep" || { echo "FAIL: traceback does not name the failing function"; status=1; }
  fi
  if [ "$mode" = interrupt ]; then
    echo "$out" | grep -q "interrupted" || { echo "FAIL: the blocked recv was not interrupted"; status=1; }
  fi
done
[ $status -eq 0 ] && echo "abort path: ok"
exit $status
