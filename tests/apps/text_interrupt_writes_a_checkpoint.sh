# SIGINT during text train: the step finishes, a checkpoint is written, one line says so,
# the exit is 130; --resume then completes the run.
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
ARGS="--corpus /usr/share/common-licenses/GPL-3 --seq-len 32 --hidden 32 --latent 4 --batch 8 --val-sequences 4 --threads 1"
"$XGRAD" text train $ARGS --steps 1000000 --eval-every 1000000 --out "$TMP/run" 2>"$TMP/err" &
PID=$!
sleep 3
kill -INT $PID
wait $PID; RC=$?
[ $RC -eq 130 ] || fail "exit $RC after SIGINT (want 130)"
[ -s "$TMP/run/checkpoint.safetensors" ] || fail "no checkpoint after SIGINT"
grep -q '^xgrad: interrupted; checkpoint written to' "$TMP/err" || fail "no interruption line: $(cat "$TMP/err")"
"$XGRAD" text train $ARGS --steps 1 --out "$TMP/run" --resume 2>/dev/null || fail "resume after the interruption failed"
echo ok
