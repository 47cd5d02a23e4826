# Interrupted in the middle of an epoch (twice: in the first and in the second epoch) and
# resumed each time, a run ends with the same model bytes and the same metrics as a straight
# one: the checkpoint carries the batch position, the running loss and the generator.
. "$(dirname "$0")/common.sh"
ARGS="--model vae --limit 256 --test-limit 100 --batch 32 --threads 2 --seed 7 --epochs 2"
"$XGRAD" train $ARGS --out "$TMP/straight" 2>/dev/null || fail "straight run failed"
# 8 batches per epoch: stop after step 3 (epoch 1, batch 3), then 7 more (epoch 2, batch 2).
"$XGRAD" train $ARGS --out "$TMP/split" --stop-after-steps 3 2>"$TMP/err1"
[ $? -eq 130 ] || fail "first stop did not exit 130: $(cat "$TMP/err1")"
"$XGRAD" train $ARGS --out "$TMP/split" --resume --stop-after-steps 7 2>"$TMP/err2"
[ $? -eq 130 ] || fail "second stop did not exit 130: $(cat "$TMP/err2")"
[ "$(wc -l < "$TMP/split/metrics.jsonl")" -eq 1 ] || fail "after the second stop metrics.jsonl should hold epoch 1 only"
"$XGRAD" train $ARGS --out "$TMP/split" --resume 2>/dev/null || fail "final resume failed"
cmp "$TMP/straight/model.safetensors" "$TMP/split/model.safetensors" || fail "resumed model differs"
# Every metric but the wall-clock seconds must agree.
strip() { sed -E 's/"seconds":[^,}]*//' "$1"; }
[ "$(strip "$TMP/straight/metrics.jsonl")" = "$(strip "$TMP/split/metrics.jsonl")" ] ||
  fail "metrics differ: $(strip "$TMP/straight/metrics.jsonl") vs $(strip "$TMP/split/metrics.jsonl")"
echo ok
