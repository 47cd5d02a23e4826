# The jobs on a trained run, on tiny data: anomaly (a run trained on classes 0-4 scores the
# test images of 5-9 as anomalies), denoise (the same corrupted images and PSNR as eval
# --corruption, plus SSIM), embed (codes, map, probes) and arithmetic (the picture's columns).
. "$(dirname "$0")/common.sh"
"$XGRAD" train --model vae --latent 4 --classes 0,1,2,3,4 $TINY --out "$TMP/normal" 2>/dev/null || fail "train --classes failed"
python3 -c "import json,sys; c=json.load(open(sys.argv[1])); assert c['classes']==[0,1,2,3,4], c" "$TMP/normal/config.json" \
  || fail "config.json does not keep --classes"
"$XGRAD" anomaly "$TMP/normal" --n 300 --iwae-k 2 --pca-n 200 >"$TMP/anomaly.txt" || fail "anomaly failed"
grep -q "neg_elbo" "$TMP/anomaly.txt" || fail "anomaly printed no table: $(cat "$TMP/anomaly.txt")"
[ -s "$TMP/normal/anomaly.png" ] || fail "no anomaly.png"
python3 - "$TMP/normal" <<'PY' || exit 1
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/anomaly.csv")))
assert len(rows) == 300, len(rows)
for r in rows:  # a row is anomalous exactly when its class was held out
    assert (float(r["anomalous"]) == 1) == (float(r["label"]) >= 5), r
j = json.load(open(sys.argv[1] + "/anomaly.json"))
assert set(j["scores"]) == {"neg_elbo", "neg_iwae", "recon_error", "pca_error"}, j
assert j["pca_components"] == 4, j
# AUROC recomputed from the CSV by its definition (pairs of held-out vs normal rows).
pos = [float(r["recon_error"]) for r in rows if r["anomalous"] == "1"]
neg = [float(r["recon_error"]) for r in rows if r["anomalous"] == "0"]
auc = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
assert abs(auc - j["scores"]["recon_error"]["auroc"]) < 1e-9, (auc, j["scores"]["recon_error"])
for s in j["scores"].values():
    assert 0 <= s["auroc"] <= 1 and 0 < s["auprc"] <= 1, s
PY
"$XGRAD" denoise "$TMP/normal" --corruption mask:0.5 --n 100 --seed 3 >"$TMP/denoise.json" || fail "denoise failed"
"$XGRAD" eval "$TMP/normal" --corruption mask:0.5 --test-limit 100 --n 20 --iwae-k 1 --seed 3 --out "$TMP/eval.json" >/dev/null \
  || fail "eval --corruption failed"
[ -s "$TMP/normal/denoise.png" ] || fail "no denoise.png"
python3 - "$TMP/denoise.json" "$TMP/eval.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1])); e = json.load(open(sys.argv[2]))["restoration"]
assert d["images"] == 100, d
for k in ("psnr", "corrupted_psnr", "ssim", "corrupted_ssim"):
    assert abs(d[k] - e[k]) < 1e-9, (k, d, e)  # the same corrupted images and figures as eval
assert 0 < d["corrupted_ssim"] < 0.9 and d["corrupted_psnr"] < 15, d  # half the pixels erased
PY
"$XGRAD" train --model vae --latent 2 $TINY --out "$TMP/all" 2>/dev/null || fail "train failed"
"$XGRAD" embed "$TMP/all" --n 200 --train-n 256 --probe-epochs 30 >"$TMP/embed.txt" || fail "embed failed"
python3 - "$TMP/all" <<'PY' || exit 1
import csv, json, struct, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/codes.csv")))
assert len(rows) == 456 and list(rows[0]) == ["split", "row", "label", "z0", "z1"], (len(rows), list(rows[0]))
with open(d + "/codes.safetensors", "rb") as f:
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
assert header["test_codes"]["shape"] == [200, 2] and header["train_labels"]["shape"] == [256], header
assert open(d + "/map.svg").read().count("<circle") == 200
p = json.load(open(d + "/embed.json"))["probe"]
assert [p[k]["features"] for k in ("codes", "pca", "pixels")] == [2, 2, 784], p
# Ten classes: pixels carry far more than chance (0.1) even from 256 images.
assert p["pixels"]["test_accuracy"] > 0.4, p
PY
"$XGRAD" arithmetic "$TMP/all" --add 1 --sub 0 --to 2 --out "$TMP/a1.png" >/dev/null || fail "arithmetic failed"
"$XGRAD" arithmetic "$TMP/all" --add 1 --sub 0 --to 2 --steps 3 --out "$TMP/a3.png" >/dev/null || fail "arithmetic --steps failed"
python3 - "$TMP/a1.png" "$TMP/a3.png" <<'PY' || exit 1
import struct, sys
w = [struct.unpack(">I", open(p, "rb").read()[16:20])[0] for p in sys.argv[1:]]
assert w[1] - w[0] == 2 * (28 + 2), w  # two more columns of 28 pixels and a 2-pixel gap
PY
expect_error "was trained on every class: train with --classes" anomaly "$TMP/all"
expect_error "--add 12: no test image has that label" arithmetic "$TMP/all" --add 12 --sub 0 --to 2 --out "$TMP/x.png"
expect_error "unknown kind 'fog'" denoise "$TMP/all" --corruption fog:2
expect_error "--per-class must be >= 0 (got -1)" train --model vae $TINY --per-class=-1 --out "$TMP/b"
echo ok
