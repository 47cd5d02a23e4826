# text train for 6 steps equals 3 steps, then --resume to 6: the same model bytes.
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
head -c 4000 /usr/share/common-licenses/GPL-3 > "$TMP/gpl.txt"
ARGS="--corpus $TMP/gpl.txt --seq-len 16 --hidden 16 --latent 4 --batch 4 --eval-every 2 --val-sequences 4 --threads 2 --seed 7"
"$XGRAD" text train $ARGS --steps 6 --out "$TMP/straight" 2>/dev/null || fail "straight run failed"
"$XGRAD" text train $ARGS --steps 3 --out "$TMP/split" 2>/dev/null || fail "first half failed"
"$XGRAD" text train $ARGS --steps 6 --out "$TMP/split" --resume 2>/dev/null || fail "resume failed"
cmp "$TMP/straight/model.safetensors" "$TMP/split/model.safetensors" || fail "resumed model differs"
tail -n 1 "$TMP/split/metrics.jsonl" | grep -q '"step":6' || fail "metrics.jsonl does not end at step 6"
echo ok
