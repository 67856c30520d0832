#!/bin/sh
# parlab.mpi.Pool when a worker rank dies (tests/mpi/pool_die.lua, under mpirun -n 3): the job ends well
# before the timeout in every mode, with the outcome each mode promises (docs/mpi.md, "A pool of ranks").
# usage: test_mpi_pool_die.sh PARLAB MPIRUN
parlab=$1 mpirun=$2
dir=$(dirname "$0")
status=0
TMPDIR=$(mktemp -d) && export TMPDIR # Open MPI may leave its session directory behind after an abort
trap 'rm -rf "$TMPDIR"' EXIT
fail() { echo "FAIL: mode $mode: $1"; status=1; }
for mode in exit0 noclose osexit initfail exit3 kill error; do
  start=$(date +%s)
  out=$(timeout -k 5 60 "$mpirun" --oversubscribe -n 3 "$parlab" "$dir/pool_die.lua" "$mode" 2>&1)
  rc=$?
  took=$(($(date +%s) - start))
  echo "$out"
  echo "mode=$mode rc=$rc seconds=$took"
  # mpirun's own status for a rank killed by SIGKILL is 137 too: the elapsed time tells a hang.
  [ "$took" -ge 55 ] && fail "the job hung (timeout)"
  case $mode in
  exit0)
    [ "$rc" -eq 0 ] || fail "expected exit 0, got $rc"
    echo "$out" | grep -q "worker rank 1 exited (os.exit(0)) while running this task" || fail "no clear error"
    echo "$out" | grep -q "done 7, failed 1" || fail "the other rank did not finish the rest"
    echo "$out" | grep -q "joined" || fail "join did not return" ;;
  initfail)
    [ "$rc" -eq 0 ] || fail "expected exit 0, got $rc"
    echo "$out" | grep -q "the pool is broken: the initializer failed on rank [12]: .*init boom" || fail "no reason"
    echo "$out" | grep -q "joined	true" || fail "join did not return true" ;;
  noclose | osexit)
    [ "$rc" -eq 0 ] || fail "expected exit 0, got $rc"
    echo "$out" | grep -q "sum 3" || fail "no result" ;;
  exit3)
    [ "$rc" -ne 0 ] || fail "expected a non-zero exit"
    echo "$out" | grep -q "parlab.mpi: rank 1 of 3 failed" || fail "no abort notice" ;;
  kill)
    [ "$rc" -ne 0 ] || fail "expected a non-zero exit"
    echo "$out" | grep -q "signal 9" || fail "no notice of the killed rank" ;;
  error)
    [ "$rc" -ne 0 ] || fail "expected a non-zero exit"
    echo "$out" | grep -q "task boom on rank" || fail "no task error"
    echo "$out" | grep -q "stack traceback" || fail "no traceback"
    echo "$out" | grep -q "parlab.mpi: rank 0 of 3 failed" || fail "no abort notice" ;;
  esac
done
[ $status -eq 0 ] && echo "pool death paths: ok"
exit $status
