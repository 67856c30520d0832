#!/bin/sh
# parlab.mpi.Pool when a worker rank dies (tests/mpi/pool_die.lua, under mpirun -n 3): the job ends well
# before the timeout in every mode, with the outcome each mode promises (docs/mpi.md, "A pool of ranks").
# usage: test_mpi_pool_die.sh PARLAB MPIRUN
parlab=$1 mpirun=$2
dir=$(dirname "$0")
status=0
# A TMPDIR of this test's own, where each run's session files go: after each mode it must be empty again (up
# to 10 s for mpirun's clean-up), whatever other runs leave in /tmp.
TMPDIR=$(mktemp -d) && export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
fail() { echo "FAIL: mode $mode: $1"; status=1; }
left_behind() {
  n=0
  while [ -n "$(ls -A "$TMPDIR")" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
  (cd "$TMPDIR" && find . -mindepth 1)
}
for mode in exit0 noclose osexit initfail exit3 kill error; do
  start=$(date +%s)
  out=$(timeout -k 5 60 "$mpirun" --oversubscribe -n 3 "$parlab" "$dir/pool_die.lua" "$mode" 2>&1)
  rc=$?
  took=$(($(date +%s) - start))
  echo "$out"
  echo "mode=$mode rc=$rc seconds=$took"
  # mpirun's own status for a rank killed by SIGKILL is 137 too: the elapsed time tells a hang.
  [ "$took" -ge 55 ] && fail "the job hung (timeout)"
  left=$(left_behind)
  [ -z "$left" ] || fail "left in TMPDIR: $left"
  rm -rf "${TMPDIR:?}"/* "$TMPDIR"/.[!.]* 2>/dev/null
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
