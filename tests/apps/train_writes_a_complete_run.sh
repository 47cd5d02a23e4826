# `xgrad train` writes every file of a run, and the other subcommands read it.
. "$(dirname "$0")/common.sh"
OUT=$TMP/vae
"$XGRAD" train --model vae $TINY --out "$OUT" 2>"$TMP/train.err" || { cat "$TMP/train.err"; fail "train failed"; }
for f in metrics.jsonl config.json model.safetensors checkpoint.safetensors samples.png reconstructions.png; do
  [ -s "$OUT/$f" ] || fail "missing $f"
done
python3 - "$OUT" <<'PY' || exit 1
import json, sys, math
out = sys.argv[1]
rows = [json.loads(l) for l in open(out + "/metrics.jsonl")]
assert len(rows) == 1, rows
for k in ["epoch", "train_loss", "test_loss", "test_recon", "test_kl", "seconds"]:
    assert k in rows[0] and math.isfinite(rows[0][k]), (k, rows[0])
assert 0 < rows[0]["test_loss"] < 600, rows[0]
cfg = json.load(open(out + "/config.json"))
for k in ["model", "seed", "version", "epochs", "batch", "limit"]:
    assert k in cfg, k
assert open(out + "/samples.png", "rb").read(8) == b"\x89PNG\r\n\x1a\n"
PY
"$XGRAD" eval "$OUT" --n 50 --iwae-k 5 --test-limit 200 >"$TMP/eval.json" || fail "eval failed"
python3 - "$TMP/eval.json" <<'PY' || exit 1
import json, sys
j = json.load(open(sys.argv[1]))
for k in ["test_neg_elbo", "iwae_log_likelihood", "kl_per_dim", "active_units", "recon_error"]:
    assert k in j, k
assert len(j["kl_per_dim"]) == 20 and j["iwae_log_likelihood"] < 0
PY
"$XGRAD" sample "$OUT" --n 16 --out "$TMP/s.png" || fail "sample failed"
"$XGRAD" reconstruct "$OUT" --out "$TMP/r.png" || fail "reconstruct failed"
"$XGRAD" interpolate "$OUT" --from 0 --to 1 --steps 5 --out "$TMP/i.png" || fail "interpolate failed"
"$XGRAD" traverse "$OUT" --dims 0,1 --range 2 --out "$TMP/t.png" || fail "traverse failed"
for f in s r i t; do [ -s "$TMP/$f.png" ] || fail "no $f.png"; done
"$XGRAD" report "$OUT" >/dev/null || fail "report failed"
# Parser-free sanity check of the page (no headless browser in CI): complete, self-contained.
H=$OUT/report.html
grep -q '^<!DOCTYPE html>' "$H" && grep -q '</html>' "$H" || fail "report is not a complete HTML page"
grep -q '<svg' "$H" && grep -q '<polyline' "$H" || fail "report has no curves"
grep -q 'data:image/png;base64,' "$H" || fail "report has no embedded pictures"
! grep -Eq 'src="https?:|<script' "$H" || fail "report needs the network or runs scripts"
echo ok
