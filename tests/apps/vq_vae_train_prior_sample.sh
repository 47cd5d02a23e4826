# The VQ-VAE's commands end to end on a few images: train, sample (refused until a
# prior exists, naming the command), train-prior (writes RUN/prior.safetensors),
# sample, and eval (codes in use, perplexity, the prior's bits per code, and with --samples
# the built-in classifier's Fréchet distance and confident share of the prior's samples, and
# the confident share of the test images and reconstructions they are read against); the
# prior's sampling temperature (--prior-temperature) on sample and eval.
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
"$XGRAD" sample "$OUT" --n 4 --prior-temperature 0.5 --out "$TMP/s5.png" || fail "sample --prior-temperature failed"
cmp -s "$TMP/s.png" "$TMP/s5.png" && fail "the same grid at temperature 0.5 as at 1"
expect_error "--prior-temperature must be > 0 (got 0)" sample "$OUT" --prior-temperature 0 --out "$TMP/s0.png"
# A classifier of 150 steps where eval looks for the built-in one: enough to score samples.
"$XGRAD" classifier train --steps 150 --threads 2 --out "$XDG_CACHE_HOME/xgrad/classifier.safetensors" >/dev/null 2>&1 \
  || fail "classifier train failed"
"$XGRAD" eval "$OUT" --n 50 --test-limit 100 --samples 30 >"$TMP/eval.json" || fail "eval failed"
"$XGRAD" eval "$OUT" --n 50 --test-limit 100 --samples 30 --prior-temperature 0.01 --out "$TMP/cold.json" >/dev/null \
  || fail "eval --prior-temperature failed"
"$XGRAD" train --model vae $TINY --out "$TMP/vae" 2>/dev/null || fail "vae train failed"
"$XGRAD" eval "$TMP/vae" --n 20 --samples 30 --confident-at 0.5 >"$TMP/vae5.json" || fail "vae eval --samples failed"
"$XGRAD" eval "$TMP/vae" --n 20 --samples 30 >"$TMP/vae9.json" || fail "vae eval --samples failed"
expect_error "--confident-at must be in (0, 1]" eval "$TMP/vae" --samples 10 --confident-at 1.5
expect_error "samples without a code prior" sample "$TMP/vae" --prior-temperature 0.5 --out "$TMP/v.png"
expect_error "no discrete codes" train-prior "$TMP/vae"
expect_error "--epochs must be positive" train-prior "$OUT" --epochs 0
python3 - "$TMP/eval0.json" "$TMP/eval.json" "$TMP/vae5.json" "$TMP/vae9.json" "$TMP/cold.json" <<'PY' || exit 1
import json, math, sys
before, after, vae5, vae9, cold = (json.load(open(p)) for p in sys.argv[1:])
assert "samples" not in before, before
for ev, at in ((after, 0.9), (vae5, 0.5), (vae9, 0.9)):
    s = ev["samples"]
    assert s["samples"] == 30 and s["confidence_threshold"] == at, s
    assert math.isfinite(s["frechet_distance"]) and s["frechet_distance"] > 0 and 0 <= s["confident_share"] <= 1, s
    assert 0 <= s["test_confident_share"] <= 1 and 0 <= s["reconstruction_confident_share"] <= 1, s
# the reference share is the test images' alone: the same 30 images and classifier for both models
assert after["samples"]["test_confident_share"] == vae9["samples"]["test_confident_share"], (after, vae9)
assert vae5["samples"]["test_confident_share"] >= vae9["samples"]["test_confident_share"], (vae5, vae9)
assert vae5["samples"]["reconstruction_confident_share"] >= vae9["samples"]["reconstruction_confident_share"]
# a code prior's temperature changes the draws, not the test images; a VAE run does not report one
assert after["samples"]["prior_temperature"] == 1 and cold["samples"]["prior_temperature"] == 0.01, cold
assert cold["samples"]["frechet_distance"] != after["samples"]["frechet_distance"], cold
assert cold["samples"]["test_confident_share"] == after["samples"]["test_confident_share"], cold
assert "prior_temperature" not in vae9["samples"], vae9
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
