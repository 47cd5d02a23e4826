# ae, dae and dvae train with their defaults, and every image command treats them as
# what they are: the autoencoders claim no ELBO, KL or IWAE bound and sample from the
# Gaussian fitted to their training codes; `eval --corruption` reports restoration PSNR
# on the same corrupted images for every run; bad corruption specs are one line.
. "$(dirname "$0")/common.sh"
for m in ae dae dvae; do
  "$XGRAD" train --model $m $TINY --out "$TMP/$m" 2>"$TMP/train.err" || { cat "$TMP/train.err"; fail "train $m failed"; }
  "$XGRAD" eval "$TMP/$m" --n 50 --iwae-k 5 --test-limit 200 --corruption mask:0.5 >"$TMP/$m.json" || fail "eval $m failed"
  "$XGRAD" sample "$TMP/$m" --n 16 --out "$TMP/$m-s.png" || fail "sample $m failed"
  "$XGRAD" traverse "$TMP/$m" --dims 0,1 --out "$TMP/$m-t.png" || fail "traverse $m failed"
  "$XGRAD" report "$TMP/$m" >/dev/null || fail "report $m failed"
done
"$XGRAD" train --model dae --corruption block:10 --arch conv --latent 4 $TINY --out "$TMP/dae-conv" 2>/dev/null \
  || fail "train dae --corruption block:10 --arch conv failed"
python3 - "$TMP" <<'PY' || exit 1
import json, sys
tmp = sys.argv[1]
ev = {m: json.load(open(f"{tmp}/{m}.json")) for m in ["ae", "dae", "dvae"]}
for m in ["ae", "dae"]:
    j = ev[m]
    assert j["test_neg_elbo"] is None and j["test_kl"] is None and j["iwae_log_likelihood"] is None, j
    assert j["kl_per_dim"] is None and j["total_kl"] is None, j
    assert 0 < j["test_recon"] < 600, j
    rows = [json.loads(l) for l in open(f"{tmp}/{m}/metrics.jsonl")]
    assert "test_kl" not in rows[0] and 0 < rows[0]["test_loss"] < 600, rows
assert ev["dvae"]["test_neg_elbo"] > 0 and ev["dvae"]["iwae_log_likelihood"] < 0 and len(ev["dvae"]["kl_per_dim"]) == 20
cfg = json.load(open(f"{tmp}/dae/config.json"))["model"]
assert cfg["corruption"] == "mask:0.25" and cfg["arch"] == "mlp", cfg
cfg = json.load(open(f"{tmp}/dae-conv/config.json"))["model"]
assert cfg["corruption"] == "block:10" and cfg["arch"] == "conv", cfg
inputs = {ev[m]["restoration"]["corrupted_psnr"] for m in ev}
assert len(inputs) == 1, inputs  # the same corrupted images for every run
for m in ev:
    r = ev[m]["restoration"]
    assert r["corruption"] == "mask:0.5" and r["images"] == 200 and 0 < r["psnr"] < 100, r
PY
for m in ae dae dvae; do [ -s "$TMP/$m-s.png" ] && [ -s "$TMP/$m-t.png" ] || fail "no pictures for $m"; done
expect_error "corruption 'blur:2': unknown kind 'blur' (expected gaussian:SIGMA, mask:P, salt:P or block:SIZE)" \
  train --model dae --corruption blur:2 $TINY --out "$TMP/x"
expect_error "corruption 'mask:2': P must be in (0, 1]" eval "$TMP/dae" --corruption mask:2
expect_error "corruption: a block of 40 pixels does not fit in 28 x 28 images" eval "$TMP/ae" --corruption block:40 --test-limit 10
expect_error "model 'vae' has no option 'corruption'" train --model vae --corruption mask:0.5 $TINY --out "$TMP/x"
expect_error "unknown arch 'rnn' (choose from mlp, conv)" train --model ae --arch rnn $TINY --out "$TMP/x"
echo ok
