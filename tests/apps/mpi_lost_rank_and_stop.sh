# A data-parallel run that loses a rank (kill -9) ends within seconds with a non-zero exit
# and a line naming the lost rank, never a hang; --resume from its last checkpoint with the
# same 2 ranks finishes with the model of an uninterrupted run, to the bit. SIGINT and
# SIGTERM to mpirun stop every rank at one step with one checkpoint (rank 0's), from
# which --resume finishes with that same model.
. "$(dirname "$0")/common.sh"
need_mpirun
# Each interrupted run is asked for 1000 epochs of 2 batches (a checkpoint after each), so the
# signal, sent once the first checkpoint is on disk, lands inside training however loaded the
# machine is; the comparison run trains straight to the end of the epoch the resume finishes.
ARGS="train --model vae --limit 256 --test-limit 64 --batch 128 --threads 1 --seed 3"

# start NAME [MPIRUN OPTIONS]: a 2-rank run in the background, once it has written its first
# checkpoint.
start() {
  $MPIRUN "${@:2}" "$XGRAD" $ARGS --epochs 1000 --out "$TMP/$1" >/dev/null 2>"$TMP/$1.err" &
  MPIRUN_PID=$!
  wait_for_file "$TMP/$1/checkpoint.safetensors" $MPIRUN_PID
}
# finish NAME STEP: --resume with 2 ranks to the end of the next epoch ends with the model of
# an uninterrupted run of that many epochs.
finish() {
  local epochs=$(($2 / 2 + 1))
  $MPIRUN "$XGRAD" $ARGS --epochs $epochs --resume --out "$TMP/$1" 2>"$TMP/$1.err2" ||
    fail "$1: --resume failed: $(cat "$TMP/$1.err2")"
  $MPIRUN "$XGRAD" $ARGS --epochs $epochs --out "$TMP/$1-straight" 2>/dev/null || fail "$1: the straight run failed"
  cmp "$TMP/$1-straight/model.safetensors" "$TMP/$1/model.safetensors" ||
    fail "$1: stopped at step $2 and resumed, the model differs from a straight run's"
}

start killed
# rank 1 by its environment, not by PID order
for pid in $(ps -o pid= --ppid $MPIRUN_PID); do
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && rank1=$pid
done
[ -n "${rank1:-}" ] || fail "no child of mpirun is rank 1: $(ps -o pid=,args= --ppid $MPIRUN_PID)"
t0=$(date +%s.%N)
kill -9 $rank1
wait $MPIRUN_PID; rc=$?
secs=$(/usr/bin/python3 -c "import sys, time; print(round(time.time() - float(sys.argv[1]), 2))" "$t0")
echo "killed rank 1: mpirun exited $rc after $secs s"
[ $rc -ne 0 ] || fail "exit 0 after a rank was killed"
below "$secs" 20 || fail "took $secs s to end after a rank was killed"
grep -q "rank 1 .*signal 9" "$TMP/killed.err" || fail "no line names the killed rank: $(cat "$TMP/killed.err")"
step=$(checkpoint_step "$TMP/killed/checkpoint.safetensors")
[ "$step" -lt 2000 ] || fail "the killed run had finished (step $step): nothing was interrupted"
finish killed $step

# mpirun passes a signal on to the ranks odls_base_sigkill_timeout seconds after it gets it,
# and SIGKILLs them as long again later (measured: with 8, the checkpoint was written 8.0 s
# after the signal and mpirun ended at 15.2 s). The default 1 s for the stop and the checkpoint
# was too short once in four runs on a loaded machine (no 'interrupted' line); 4 s it is, as
# README.md tells users. Not for the killed run: its surviving rank waits on the dead one until
# mpirun kills it, and that must stay within seconds.
for sig in INT TERM; do
  start stop-$sig --mca odls_base_sigkill_timeout 4
  kill -$sig $MPIRUN_PID
  wait $MPIRUN_PID; rc=$?
  [ $rc -ne 0 ] || fail "SIG$sig: exit 0"
  [ "$(grep -c "interrupted; checkpoint written" "$TMP/stop-$sig.err")" -eq 1 ] ||
    fail "SIG$sig: expected one 'interrupted' line (rank 0): $(cat "$TMP/stop-$sig.err")"
  step=$(checkpoint_step "$TMP/stop-$sig/checkpoint.safetensors")
  echo "SIG$sig: stopped with a checkpoint at step $step"
  [ "$step" -lt 2000 ] || fail "SIG$sig: the run had finished: nothing was interrupted"
  finish stop-$sig $step
done
echo ok
