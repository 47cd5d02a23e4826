# The VQ-VAE's commands end to end on a few images: train, sample (refused until a
# prior exists, naming the command), train-prior (writes RUN/prior.safetensors),
# sample, and eval (codes in use, perplexity, the prior's bits per code, and with --samples
# the built-in classifier's Fréchet distance and confident share of the prior's samples).
. "$(dirname "$0")/common.sh"
OUT=$TMP/vq
"$XGRAD" train --model vq-vae $TINY --codes 16 --dim 8 --out "$OUT" 2>"$TMP/train.err" || { cat "$TMP/train.err"; fail "train failed"; }
[ -f "$OUT/reconstructions.png" ] || fail "no reconstructions.png"
expect_error "train-prior $OUT" sample "$OUT" --out "$TMP/s.png"
"$XGRAD" eval "$OUT" --n 50 --test-limit 100 >"$TMP/eval0.json" || fail "eval without a prior failed"
expect_error "xgrad train-prior $OUT" eval "$OUT" --samples 10
"$XGRAD" train-prior "$OUT" --epochs 1 --limit 128 --test-limit 100 --batch 32 2>"$TMP/prior.err" || { cat "$TMP/prior.err"; fail "train-prior failed"; }
[ -f "$OUT/prior.safetensors" ] || fail "no prior.safetensors"
"$XGRAD" sample "$OUT" --n 4 --out "$TMP/s.png" || fail "sample failed"
[ -s "$TMP/s.png" ] || fail "no sample grid"
# A classifier of 150 steps where eval looks for the built-in one: enough to score samples.
"$XGRAD" classifier train --steps 150 --threads 2 --out "$XDG_CACHE_HOME/xgrad/classifier.safetensors" >/dev/null 2>&1 \
  || fail "classifier train failed"
"$XGRAD" eval "$OUT" --n 50 --test-limit 100 --samples 30 >"$TMP/eval.json" || fail "eval failed"
"$XGRAD" train --model vae $TINY --out "$TMP/vae" 2>/dev/null || fail "vae train failed"
"$XGRAD" eval "$TMP/vae" --n 20 --samples 30 --confident-at 0.5 >"$TMP/vae5.json" || fail "vae eval --samples failed"
"$XGRAD" eval "$TMP/vae" --n 20 --samples 30 >"$TMP/vae9.json" || fail "vae eval --samples failed"
expect_error "--confident-at must be in (0, 1]" eval "$TMP/vae" --samples 10 --confident-at 1.5
expect_error "no discrete codes" train-prior "$TMP/vae"
expect_error "--epochs must be positive" train-prior "$OUT" --epochs 0
python3 - "$TMP/eval0.json" "$TMP/eval.json" "$TMP/vae5.json" "$TMP/vae9.json" <<'PY' || exit 1
import json, math, sys
before, after, vae5, vae9 = (json.load(open(p)) for p in sys.argv[1:])
assert "samples" not in before, before
for ev, at in ((after, 0.9), (vae5, 0.5), (vae9, 0.9)):
    s = ev["samples"]
    assert s["samples"] == 30 and s["confidence_threshold"] == at, s
    assert math.isfinite(s["frechet_distance"]) and s["frechet_distance"] > 0 and 0 <= s["confident_share"] <= 1, s
# the same draws (same seed) against a lower bar; at 0.5 a ten-class classifier can only be surer
assert vae5["samples"]["frechet_distance"] == vae9["samples"]["frechet_distance"], (vae5, vae9)
assert vae5["samples"]["confident_share"] > vae9["samples"]["confident_share"], (vae5, vae9)
assert before["codes"]["prior_bits_per_code"] is None, before
c = after["codes"]
assert 1 <= c["codes_in_use"] <= 16 and c["codebook_size"] == 16, c
assert 1 <= c["perplexity"] <= c["codes_in_use"] + 1e-9, c
assert 0 < c["prior_bits_per_code"] < 8, c
assert after["test_recon"] > 0 and after["recon_error"] > 0 and after["iwae_log_likelihood"] is None, after
PY
echo ok
