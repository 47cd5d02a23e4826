# SIGINT: the run finishes its batch, writes a checkpoint, says so in one line and exits 130;
# --resume then continues from that checkpoint to the same model as a run never interrupted.
# The signal is sent once the first epoch is on disk, to a run far from its end (1000 epochs),
# so it lands inside training every time.
. "$(dirname "$0")/common.sh"
OUT=$TMP/run
ARGS="--model vae --limit 256 --test-limit 64 --batch 32 --threads 1 --seed 3"
interrupt_once_written "$OUT/metrics.jsonl" "$TMP/err" "$XGRAD" train $ARGS --epochs 1000 --out "$OUT"
[ $RC -eq 130 ] || fail "exit $RC after SIGINT (want 130): $(tail -3 "$TMP/err")"
[ -s "$OUT/checkpoint.safetensors" ] || fail "no checkpoint after SIGINT"
grep -q "^xgrad: interrupted; checkpoint written to $OUT/checkpoint.safetensors" "$TMP/err" ||
  fail "no interruption line: $(tail -3 "$TMP/err")"
STEP=$(checkpoint_step "$OUT/checkpoint.safetensors") || fail "cannot read the checkpoint's step"
[ "$STEP" -ge 8 ] || fail "checkpoint at step $STEP, before the first epoch (8 steps) that was on disk"
# Resume to the end of the next epoch (8 batches each): at least one step, at most eight, are trained.
EPOCHS=$((STEP / 8 + 1))
"$XGRAD" train $ARGS --epochs $EPOCHS --out "$OUT" --resume 2>"$TMP/resume.err" || fail "resume failed: $(cat "$TMP/resume.err")"
[ "$(checkpoint_step "$OUT/checkpoint.safetensors")" -eq $((EPOCHS * 8)) ] || fail "the resumed run did not reach step $((EPOCHS * 8))"
[ "$(wc -l < "$OUT/metrics.jsonl")" -eq $EPOCHS ] || fail "metrics.jsonl should hold $EPOCHS epochs"
"$XGRAD" train $ARGS --epochs $EPOCHS --out "$TMP/straight" 2>/dev/null || fail "straight run failed"
cmp "$TMP/straight/model.safetensors" "$OUT/model.safetensors" || fail "interrupted at step $STEP and resumed, the model differs"
echo ok
