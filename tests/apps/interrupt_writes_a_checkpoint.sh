# SIGINT: the run finishes its batch, writes a checkpoint, says so in one line and exits non-zero;
# --resume then completes it.
. "$(dirname "$0")/common.sh"
OUT=$TMP/run
"$XGRAD" train --model vae --limit 20000 --test-limit 100 --epochs 3 --batch 16 --threads 1 --out "$OUT" 2>"$TMP/err" &
PID=$!
sleep 4
kill -INT $PID
wait $PID; RC=$?
[ $RC -ne 0 ] || fail "exit 0 after SIGINT"
[ -s "$OUT/checkpoint.safetensors" ] || fail "no checkpoint after SIGINT"
grep -q '^xgrad: interrupted; checkpoint written to' "$TMP/err" || fail "no interruption line: $(cat "$TMP/err")"
echo ok
