# The VQ-VAE with `--prior transformer`: train-prior fits a causal Transformer over the
# code grids (the prior file is tagged transformer-prior), sample and eval draw from it,
# the prior's bits per code are reported; a PixelCNN prior file in its place is refused
# naming both kinds, and a bad --prior is named.
. "$(dirname "$0")/common.sh"
OUT=$TMP/vqt
"$XGRAD" train --model vq-vae $TINY --codes 16 --dim 8 --prior transformer --out "$OUT" 2>"$TMP/train.err" \
  || { cat "$TMP/train.err"; fail "train --prior transformer failed"; }
grep -q '"prior": *"transformer"' "$OUT/config.json" || fail "config.json does not record the prior kind"
"$XGRAD" train-prior "$OUT" --epochs 1 --limit 128 --test-limit 100 --batch 32 2>"$TMP/prior.err" \
  || { cat "$TMP/prior.err"; fail "train-prior failed"; }
grep -q "bits per code" "$TMP/prior.err" || fail "train-prior did not report the test bits per code"
"$XGRAD" sample "$OUT" --n 4 --out "$TMP/s.png" || fail "sample from the Transformer prior failed"
[ -s "$TMP/s.png" ] || fail "no sample grid"
"$XGRAD" eval "$OUT" --n 50 --test-limit 100 >"$TMP/eval.json" || fail "eval failed"
python3 -c "import json,sys; b=json.load(open(sys.argv[1]))['codes']['prior_bits_per_code']; assert b is not None and 0 < b < 8, b" \
  "$TMP/eval.json" || fail "eval reports no prior bits per code"
# A PixelCNN prior's file where the Transformer's is expected.
"$XGRAD" train --model vq-vae $TINY --codes 16 --dim 8 --out "$TMP/vqp" 2>/dev/null || fail "train failed"
"$XGRAD" train-prior "$TMP/vqp" --epochs 1 --limit 64 --test-limit 50 --batch 32 2>/dev/null || fail "train-prior failed"
cp "$TMP/vqp/prior.safetensors" "$OUT/prior.safetensors"
expect_error "holds a 'pixelcnn-prior' model, not 'transformer-prior'" sample "$OUT" --n 2 --out "$TMP/x.png"
expect_error "prior must be pixelcnn or transformer (got 'gru')" train --model vq-vae $TINY --prior gru --out "$TMP/bad"
# The networks' and the prior's sizes from the command line: recorded in config.json, used by
# train-prior.
"$XGRAD" train --model vq-vae $TINY --codes 16 --dim 8 --width 24 --prior transformer --prior-width 24 --prior-layers 2 \
  --prior-heads 3 --out "$TMP/wide" 2>/dev/null || fail "train with the networks' and prior's sizes failed"
python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['model']; assert (m['width'], m['prior_channels'], m['prior_layers'], m['prior_heads']) == (24, 24, 2, 3), m" \
  "$TMP/wide/config.json" || fail "config.json does not record --width/--prior-width/--prior-layers/--prior-heads"
"$XGRAD" train-prior "$TMP/wide" --epochs 1 --limit 64 --test-limit 50 --batch 32 2>/dev/null || fail "train-prior of the wide prior failed"
"$XGRAD" sample "$TMP/wide" --n 2 --out "$TMP/w.png" || fail "sample from the wide prior failed"
expect_error "prior_heads (5) must divide prior_channels (24)" train --model vq-vae $TINY --prior transformer \
  --prior-width 24 --prior-heads 5 --out "$TMP/bad2"
# Dropout and a learning-rate schedule for the prior: recorded, and the prior's metrics
# carry the held-out bits per code of every epoch.
"$XGRAD" train --model vq-vae $TINY --codes 16 --dim 8 --prior transformer --prior-width 16 --prior-layers 1 \
  --prior-dropout 0.2 --out "$TMP/drop" 2>/dev/null || fail "train with --prior-dropout failed"
python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['model']; assert m['prior_dropout'] == 0.2, m" \
  "$TMP/drop/config.json" || fail "config.json does not record --prior-dropout"
"$XGRAD" train-prior "$TMP/drop" --epochs 2 --limit 64 --test-limit 50 --batch 32 --lr-schedule cosine:4:1e-5 \
  2>/dev/null || fail "train-prior with --lr-schedule failed"
python3 - "$TMP/drop" <<'PY' || fail "the prior's schedule or per-epoch test bits are not recorded"
import json, struct, sys
rows = [json.loads(l) for l in open(sys.argv[1] + '/prior/metrics.jsonl')]
assert len(rows) == 2 and all(0 < r['test_bits_per_code'] < 8 for r in rows), rows
with open(sys.argv[1] + '/prior.safetensors', 'rb') as f:
    meta = json.loads(f.read(struct.unpack('<Q', f.read(8))[0]))['__metadata__']
assert json.loads(meta['config'])['lr_schedule'] == 'cosine:4:1e-5', meta
PY
expect_error "prior_dropout must be in [0, 1) (got 1.5)" train --model vq-vae $TINY --prior transformer \
  --prior-dropout 1.5 --out "$TMP/bad3"
expect_error "unknown lr schedule 'soon'" train-prior "$TMP/drop" --epochs 1 --limit 64 --lr-schedule soon
echo ok
