# Training 2 epochs equals training 1, then resuming for 1 more: the same model bytes.
. "$(dirname "$0")/common.sh"
ARGS="--model vae --limit 256 --test-limit 100 --batch 32 --threads 2 --seed 5"
"$XGRAD" train $ARGS --epochs 2 --out "$TMP/straight" 2>/dev/null || fail "straight run failed"
"$XGRAD" train $ARGS --epochs 1 --out "$TMP/split" 2>/dev/null || fail "first half failed"
"$XGRAD" train $ARGS --epochs 2 --out "$TMP/split" --resume 2>/dev/null || fail "resume failed"
cmp "$TMP/straight/model.safetensors" "$TMP/split/model.safetensors" || fail "resumed model differs"
[ "$(wc -l < "$TMP/split/metrics.jsonl")" -eq 2 ] || fail "metrics.jsonl should have 2 epochs"
echo ok
