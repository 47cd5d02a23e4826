# A data-parallel run whose rank 1 is killed ends on every rank within seconds (no hang),
# with a non-zero exit; --resume with the same 2 ranks from the last checkpoint gives the
# model of an uninterrupted 2-rank run. A SIGTERM that reaches one rank only stops both
# at the same step with one checkpoint.
. "$(dirname "$0")/common.sh"
need_mpirun
ARGS="--model vae --limit 640 --test-limit 64 --batch 64 --epochs 40 --threads 1 --seed 4"
# rank_pid MPIRUN_PID RANK: the pid of that rank (mpirun starts the local ranks itself).
rank_pid() {
  local p
  for p in $(pgrep -P "$1"); do
    tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" && { echo "$p"; return 0; }
  done
  return 1
}
$MPIRUN "$XGRAD" train $ARGS --out "$TMP/straight" 2>/dev/null || fail "uninterrupted 2-rank run failed"

$MPIRUN "$XGRAD" train $ARGS --out "$TMP/killed" 2>"$TMP/err" & run=$!
wait_for_file "$TMP/killed/checkpoint.safetensors" $run
victim=$(rank_pid $run 1) || fail "no rank 1 under mpirun $run"
kill -9 "$victim"
start=$(date +%s)
wait $run; rc=$?
[ $rc -ne 0 ] || fail "a run with a killed rank exited 0"
[ $(( $(date +%s) - start )) -le 10 ] || fail "the other rank took more than 10 s to end"
grep -q "rank 1" "$TMP/err" || fail "no line names the lost rank: $(cat "$TMP/err")"
step=$(checkpoint_step "$TMP/killed/checkpoint.safetensors")
[ "$step" -lt 400 ] || fail "the run finished before the kill (step $step)"
$MPIRUN "$XGRAD" train $ARGS --out "$TMP/killed" --resume 2>/dev/null || fail "--resume after the kill failed"
cmp "$TMP/straight/model.safetensors" "$TMP/killed/model.safetensors" || fail "resumed model differs from the uninterrupted one"

$MPIRUN "$XGRAD" train $ARGS --out "$TMP/term" 2>"$TMP/err" & run=$!
wait_for_file "$TMP/term/checkpoint.safetensors" $run
kill -TERM "$(rank_pid $run 1)"
wait $run; rc=$?
[ $rc -ne 0 ] || fail "a stopped run exited 0"
[ "$(grep -c "interrupted; checkpoint written" "$TMP/err")" -eq 1 ] || fail "expected one interrupted line: $(cat "$TMP/err")"
$MPIRUN "$XGRAD" train $ARGS --out "$TMP/term" --resume 2>/dev/null || fail "--resume after SIGTERM failed"
cmp "$TMP/straight/model.safetensors" "$TMP/term/model.safetensors" || fail "resumed model differs after SIGTERM"
echo ok
