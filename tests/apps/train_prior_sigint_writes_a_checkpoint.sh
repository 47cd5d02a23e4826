# SIGINT stops xgrad train-prior as it stops xgrad train: the batch finishes, the prior's
# checkpoint is written, one line says how to go on, exit 130, no prior.safetensors; --resume
# then finishes the run. (train-prior had no handler: a signal killed it, its epoch lost.) The
# signal is sent once the first epoch is on disk, to a run far from its end.
. "$(dirname "$0")/common.sh"
OUT=$TMP/vq
"$XGRAD" train --model vq-vae --limit 64 --test-limit 32 --epochs 1 --batch 32 --threads 1 --codes 16 --dim 8 \
  --out "$OUT" 2>"$TMP/train.err" || { cat "$TMP/train.err"; fail "train failed"; }
ARGS="--limit 64 --test-limit 32 --batch 32 --threads 1 --seed 4"
interrupt_once_written "$OUT/prior/metrics.jsonl" "$TMP/err" "$XGRAD" train-prior "$OUT" $ARGS --epochs 100000
[ $RC -eq 130 ] || fail "exit $RC after SIGINT (want 130): $(tail -3 "$TMP/err")"
grep -q "continue with xgrad train-prior $OUT --resume" "$TMP/err" || fail "no interruption line: $(tail -3 "$TMP/err")"
[ ! -e "$OUT/prior.safetensors" ] || fail "an interrupted run wrote prior.safetensors"
STEP=$(checkpoint_step "$OUT/prior/checkpoint.safetensors") || fail "no prior checkpoint after SIGINT"
[ "$STEP" -ge 2 ] || fail "checkpoint at step $STEP, before the first epoch (2 steps) that was on disk"
"$XGRAD" train-prior "$OUT" --resume --epochs $((STEP / 2 + 1)) 2>"$TMP/resume.err" ||
  fail "resume failed: $(cat "$TMP/resume.err")"
[ -s "$OUT/prior.safetensors" ] || fail "the resumed run wrote no prior.safetensors"
echo ok
