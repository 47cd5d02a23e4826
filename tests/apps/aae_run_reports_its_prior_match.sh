# An AAE run takes the 8-d code its prior match is judged on unless --latent says
# otherwise, and `xgrad eval` reports that match (docs/results/models-experiments.md).
. "$(dirname "$0")/common.sh"
OUT=$TMP/aae
"$XGRAD" train --model aae $TINY --out "$OUT" 2>"$TMP/train.err" || { cat "$TMP/train.err"; fail "train failed"; }
"$XGRAD" eval "$OUT" --n 50 --test-limit 200 >"$TMP/eval.json" || fail "eval failed"
"$XGRAD" train --model aae $TINY --latent 3 --out "$TMP/aae3" 2>"$TMP/train3.err" || fail "train --latent 3 failed"
python3 - "$OUT" "$TMP/eval.json" "$TMP/aae3" <<'PY' || exit 1
import json, sys
assert json.load(open(sys.argv[1] + "/config.json"))["model"]["latent"] == 8
assert json.load(open(sys.argv[3] + "/config.json"))["model"]["latent"] == 3
j = json.load(open(sys.argv[2]))
assert j["test_neg_elbo"] is None and j["iwae_log_likelihood"] is None, j
m = j["prior_match"]
assert 0 <= m["fresh_discriminator_accuracy"] <= 1, m
# After one epoch on 256 images the codes are far from N(0, I) (covariance ~2.7 from the
# identity in Frobenius norm, a mean ~0.8 off), so a discriminator that really sees codes
# on one side and prior draws on the other tells them apart (~0.99); codes against codes
# would leave it at chance (0.5).
assert m["cov_distance_from_identity"] > 1 and m["max_abs_mean"] > 0.3, m
assert m["fresh_discriminator_accuracy"] > 0.8, m
assert len(j["activity_per_dim"]) == 8, j
PY
echo ok
