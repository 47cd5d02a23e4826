# SIGINT during text train: the step finishes, a checkpoint is written, one line says so,
# the exit is 130; --resume then trains on from that step (seven more here) to the model
# a run never interrupted ends with. The signal is sent once the first validation is on
# disk, to a run a million steps from its end.
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
ARGS="--corpus /usr/share/common-licenses/GPL-3 --seq-len 32 --hidden 32 --latent 4 --batch 8 --val-sequences 4 --threads 1 --eval-every 5"
interrupt_once_written "$TMP/run/metrics.jsonl" "$TMP/err" "$XGRAD" text train $ARGS --steps 1000000 --out "$TMP/run"
[ $RC -eq 130 ] || fail "exit $RC after SIGINT (want 130): $(tail -3 "$TMP/err")"
[ -s "$TMP/run/checkpoint.safetensors" ] || fail "no checkpoint after SIGINT"
grep -q '^xgrad: interrupted; checkpoint written to' "$TMP/err" || fail "no interruption line: $(cat "$TMP/err")"
STEP=$(checkpoint_step "$TMP/run/checkpoint.safetensors") || fail "cannot read the checkpoint's step"
[ "$STEP" -ge 5 ] || fail "checkpoint at step $STEP, before the validation that was on disk"
END=$((STEP + 7))
"$XGRAD" text train $ARGS --steps $END --out "$TMP/run" --resume 2>"$TMP/resume.err" ||
  fail "resume after the interruption failed: $(cat "$TMP/resume.err")"
grep -q "trained .* for $END steps" "$TMP/resume.err" || fail "the resumed run did not reach step $END: $(cat "$TMP/resume.err")"
[ "$(checkpoint_step "$TMP/run/checkpoint.safetensors")" -eq $END ] || fail "the checkpoint is not at step $END after resuming"
"$XGRAD" text train $ARGS --steps $END --out "$TMP/straight" 2>/dev/null || fail "straight run failed"
cmp "$TMP/straight/model.safetensors" "$TMP/run/model.safetensors" || fail "interrupted at step $STEP and resumed, the model differs"
echo ok
