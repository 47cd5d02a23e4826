# factor-vae and beta-tcvae train from `xgrad train`; `xgrad eval` reports the total
# correlation of test codes for any VAE-like run, and on the generated dSprites the
# disentanglement metrics (with the --metric-sizes that scored them); a conditional model
# refuses dsprites (its labels are factors, not classes).
. "$(dirname "$0")/common.sh"
"$XGRAD" train --model factor-vae $TINY --hidden 64 --out "$TMP/fvae" 2>"$TMP/f.err" || { cat "$TMP/f.err"; fail "factor-vae train failed"; }
"$XGRAD" eval "$TMP/fvae" --n 20 --test-limit 200 --tc-n 200 >"$TMP/fvae.json" || fail "factor-vae eval failed"
DS="--data dsprites --limit 256 --test-limit 200 --epochs 1 --batch 32 --threads 2"
"$XGRAD" train --model beta-tcvae $DS --hidden 64 --latent 4 --sampling mss --out "$TMP/tc" 2>"$TMP/tc.err" || { cat "$TMP/tc.err"; fail "beta-tcvae on dsprites failed"; }
"$XGRAD" eval "$TMP/tc" --n 20 --tc-n 200 >"$TMP/tc.json" || fail "beta-tcvae eval failed"
"$XGRAD" eval "$TMP/tc" --n 20 --tc-n 200 --metric-sizes quick --out "$TMP/quick.json" >/dev/null || fail "eval --metric-sizes quick failed"
expect_error "model 'cvae' cannot train on dsprites" train --model cvae $DS --out "$TMP/cvae"
python3 - "$TMP" <<'PY' || exit 1
import json, sys, os
t = sys.argv[1]
f = json.load(open(t + "/fvae.json"))
assert f["model"] == "factor-vae" and isinstance(f["total_correlation"], float), f
assert "disentanglement" not in f, f  # Fashion-MNIST has no ground-truth factors
cfg = json.load(open(t + "/tc/config.json"))["model"]
assert cfg["input"] == 4096 and cfg["dataset_size"] == 256 and cfg["sampling"] == "mss", cfg
j = json.load(open(t + "/tc.json"))
assert isinstance(j["total_correlation"], float), j
d = j["disentanglement"]
for k in ("beta_vae", "factor_vae", "mig", "sap"):
    assert 0 <= d[k] <= 1, d
# The sizes that scored them; quick is the default (the same figures when named).
assert d["sizes"]["protocol"] == "quick" and d["sizes"]["mig"]["rows"] == 5000, d
assert d["sizes"]["factor_vae"]["test_votes"] == 300 and d["sizes"]["beta_vae"]["pairs"] == 32, d
assert json.load(open(t + "/quick.json")) == j
assert os.path.getsize(t + "/tc/samples.png") > 0
PY
echo ok
