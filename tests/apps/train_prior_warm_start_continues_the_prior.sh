# xgrad train-prior --warm-start starts from the run's trained prior, not from fresh weights:
# with a learning rate too small to move it, its first epoch scores the codes as the prior it
# started from did (a cold start scores them at about log2(K) bits). Its metrics start over
# (the earlier cycle's move to metrics.previous.jsonl), and interrupted, --resume finishes it
# to the bytes of an uninterrupted warm start. It needs a trained prior and cannot be
# combined with --resume.
. "$(dirname "$0")/common.sh"
"$XGRAD" train --model vq-vae --limit 64 --test-limit 32 --epochs 1 --batch 32 --threads 2 --codes 16 --dim 8 --out "$TMP/vq" 2>"$TMP/train.err" || { cat "$TMP/train.err"; fail "train failed"; }
ARGS="--limit 64 --test-limit 32 --batch 32 --threads 2 --seed 4"
expect_error "--warm-start: $TMP/vq has no trained prior" train-prior "$TMP/vq" --warm-start $ARGS
"$XGRAD" train-prior "$TMP/vq" --epochs 3 --lr 3e-3 $ARGS 2>/dev/null || fail "train-prior failed"
rows() { wc -l < "$1" | tr -d ' '; }
last() { python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])" "$1" "$2"; }
trained=$(last "$TMP/vq/prior/metrics.jsonl" test_bits_per_code)
cp -r "$TMP/vq" "$TMP/cold"
"$XGRAD" train-prior "$TMP/vq" --warm-start --epochs 1 --lr 1e-12 $ARGS 2>/dev/null || fail "warm start failed"
[ "$(rows "$TMP/vq/prior/metrics.jsonl")" -eq 1 ] && [ "$(last "$TMP/vq/prior/metrics.jsonl" step)" -eq 2 ] ||
  fail "the warm start's metrics are not its own single epoch: $(cat "$TMP/vq/prior/metrics.jsonl")"
[ "$(rows "$TMP/vq/prior/metrics.previous.jsonl")" -eq 3 ] || fail "the earlier cycle's 3 rows were not set aside"
warm=$(last "$TMP/vq/prior/metrics.jsonl" test_bits_per_code)
"$XGRAD" train-prior "$TMP/cold" --epochs 1 --lr 1e-12 $ARGS 2>/dev/null || fail "cold start failed"
cold=$(last "$TMP/cold/prior/metrics.jsonl" test_bits_per_code)
python3 - "$trained" "$warm" "$cold" <<'PY' || fail "warm start did not start from the trained prior: trained $trained, warm $warm, cold $cold bits per code"
import sys
trained, warm, cold = map(float, sys.argv[1:])
assert abs(warm - trained) < 1e-4 and cold > trained + 0.5, (trained, warm, cold)
PY
expect_error "--warm-start and --resume exclude each other" train-prior "$TMP/vq" --warm-start --resume
# Interrupted, a warm-started cycle is resumed as one (the checkpoint keeps the flag) and
# ends in the bytes of the same cycle run straight.
cp -r "$TMP/vq" "$TMP/straight"
WARM="--warm-start --epochs 2 --lr 1e-3 $ARGS"
"$XGRAD" train-prior "$TMP/straight" $WARM 2>/dev/null || fail "straight warm cycle failed"
"$XGRAD" train-prior "$TMP/vq" $WARM --stop-after-steps 3 2>"$TMP/err"
[ $? -eq 130 ] || fail "the warm-started run did not stop at step 3: $(cat "$TMP/err")"
grep -q "the prior this cycle started from is still $TMP/vq/prior.safetensors" "$TMP/err" ||
  fail "the stop does not say the starting prior is kept: $(cat "$TMP/err")"
"$XGRAD" train-prior "$TMP/vq" --resume 2>/dev/null || fail "resume of a warm-started run failed"
cmp "$TMP/vq/prior.safetensors" "$TMP/straight/prior.safetensors" || fail "the resumed warm cycle differs from a straight one"
python3 -c "
import json,struct,sys
f=open(sys.argv[1],'rb'); n=struct.unpack('<Q',f.read(8))[0]; meta=json.loads(f.read(n))['__metadata__']
cfg=json.loads(meta['config']); assert cfg['warm_start'] is True, cfg
" "$TMP/vq/prior.safetensors" || fail "prior.safetensors does not record the warm start"
echo ok
