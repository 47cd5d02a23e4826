# The VQ-VAE's commands end to end on a few images: train, sample (refused until a
# prior exists, naming the command), train-prior (writes RUN/prior.safetensors),
# sample, and eval (codes in use, perplexity, the prior's bits per code).
. "$(dirname "$0")/common.sh"
OUT=$TMP/vq
"$XGRAD" train --model vq-vae $TINY --codes 16 --dim 8 --out "$OUT" 2>"$TMP/train.err" || { cat "$TMP/train.err"; fail "train failed"; }
[ -f "$OUT/reconstructions.png" ] || fail "no reconstructions.png"
expect_error "train-prior $OUT" sample "$OUT" --out "$TMP/s.png"
"$XGRAD" eval "$OUT" --n 50 --test-limit 100 >"$TMP/eval0.json" || fail "eval without a prior failed"
"$XGRAD" train-prior "$OUT" --epochs 1 --limit 128 --test-limit 100 --batch 32 2>"$TMP/prior.err" || { cat "$TMP/prior.err"; fail "train-prior failed"; }
[ -f "$OUT/prior.safetensors" ] || fail "no prior.safetensors"
"$XGRAD" sample "$OUT" --n 4 --out "$TMP/s.png" || fail "sample failed"
[ -s "$TMP/s.png" ] || fail "no sample grid"
"$XGRAD" eval "$OUT" --n 50 --test-limit 100 >"$TMP/eval.json" || fail "eval failed"
"$XGRAD" train --model vae $TINY --out "$TMP/vae" 2>/dev/null || fail "vae train failed"
expect_error "no discrete codes" train-prior "$TMP/vae"
expect_error "--epochs must be positive" train-prior "$OUT" --epochs 0
python3 - "$TMP/eval0.json" "$TMP/eval.json" <<'PY' || exit 1
import json, sys
before, after = (json.load(open(p)) for p in sys.argv[1:])
assert before["codes"]["prior_bits_per_code"] is None, before
c = after["codes"]
assert 1 <= c["codes_in_use"] <= 16 and c["codebook_size"] == 16, c
assert 1 <= c["perplexity"] <= c["codes_in_use"] + 1e-9, c
assert 0 < c["prior_bits_per_code"] < 8, c
assert after["test_recon"] > 0 and after["recon_error"] > 0 and after["iwae_log_likelihood"] is None, after
PY
echo ok
