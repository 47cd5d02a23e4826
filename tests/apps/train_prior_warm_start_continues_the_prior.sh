# xgrad train-prior --warm-start starts from the run's trained prior, not from fresh weights:
# with a learning rate too small to move it, its first epoch scores the codes as the prior it
# started from did (a cold start scores them at about log2(K) bits), and a larger rate goes on
# from there. It needs a trained prior and cannot be combined with --resume.
. "$(dirname "$0")/common.sh"
"$XGRAD" train --model vq-vae --limit 64 --test-limit 32 --epochs 1 --batch 32 --threads 2 --codes 16 --dim 8 --out "$TMP/vq" 2>"$TMP/train.err" || { cat "$TMP/train.err"; fail "train failed"; }
ARGS="--limit 64 --test-limit 32 --batch 32 --threads 2 --seed 4"
expect_error "--warm-start: $TMP/vq has no trained prior" train-prior "$TMP/vq" --warm-start $ARGS
"$XGRAD" train-prior "$TMP/vq" --epochs 3 --lr 3e-3 $ARGS 2>/dev/null || fail "train-prior failed"
last_bits() { python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])['test_bits_per_code'])" "$1"; }
trained=$(last_bits "$TMP/vq/prior/metrics.jsonl")
cp -r "$TMP/vq" "$TMP/cold"
"$XGRAD" train-prior "$TMP/vq" --warm-start --epochs 1 --lr 1e-12 $ARGS 2>/dev/null || fail "warm start failed"
warm=$(last_bits "$TMP/vq/prior/metrics.jsonl")
"$XGRAD" train-prior "$TMP/cold" --epochs 1 --lr 1e-12 $ARGS 2>/dev/null || fail "cold start failed"
cold=$(last_bits "$TMP/cold/prior/metrics.jsonl")
python3 - "$trained" "$warm" "$cold" <<'PY' || fail "warm start did not start from the trained prior: trained $trained, warm $warm, cold $cold bits per code"
import sys
trained, warm, cold = map(float, sys.argv[1:])
assert abs(warm - trained) < 1e-4 and cold > trained + 0.5, (trained, warm, cold)
PY
expect_error "--warm-start and --resume exclude each other" train-prior "$TMP/vq" --warm-start --resume
# A warm-started run keeps that in its checkpoint: --resume of it continues it.
"$XGRAD" train-prior "$TMP/vq" --warm-start --epochs 2 --lr 1e-3 $ARGS --stop-after-steps 3 2>/dev/null
[ $? -eq 130 ] || fail "the warm-started run did not stop at step 3"
"$XGRAD" train-prior "$TMP/vq" --resume 2>/dev/null || fail "resume of a warm-started run failed"
python3 -c "
import json,struct,sys
f=open(sys.argv[1],'rb'); n=struct.unpack('<Q',f.read(8))[0]; meta=json.loads(f.read(n))['__metadata__']
cfg=json.loads(meta['config']); assert cfg['warm_start'] is True, cfg
" "$TMP/vq/prior.safetensors" || fail "prior.safetensors does not record the warm start"
echo ok
