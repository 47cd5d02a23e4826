# The jobs on one's own data: a folder of colour PNG images (anomaly, denoise, embed,
# arithmetic on runs trained on it; augment straight on it, a corrupt file among its
# images) and a CSV of tabular rows (anomaly, embed). Tiny data and short runs: what is
# checked is that each job reads the run's own data (its shape, its classes, its split,
# its --limit) and writes its files, not the figures; that a 1-D code gets a map; and that
# the commands that draw pictures, and augment, refuse a CSV in one line.
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
python3 "$ROOT/scripts/make_image_folder.py" "$TMP/img" --per-class 12 >/dev/null || fail "could not make the image folder"
SMALL="--epochs 1 --batch 4 --latent 2 --hidden 16 --threads 2 --image-size 8"

"$XGRAD" train --model conv-vae --data "$TMP/img" $SMALL --classes 0,1 --out "$TMP/normal" 2>/dev/null || fail "train --classes on the folder failed"
"$XGRAD" anomaly "$TMP/normal" --iwae-k 2 >/dev/null || fail "anomaly on the folder run failed"
"$XGRAD" denoise "$TMP/normal" --corruption mask:0.5 >"$TMP/denoise.json" || fail "denoise on the folder run failed"
"$XGRAD" train --model conv-vae --data "$TMP/img" $SMALL --out "$TMP/all" 2>/dev/null || fail "train on the folder failed"
"$XGRAD" embed "$TMP/all" --probe-epochs 2 >/dev/null || fail "embed on the folder run failed"
"$XGRAD" arithmetic "$TMP/all" --add 1 --sub 0 --to 2 --out "$TMP/a.png" >/dev/null || fail "arithmetic on the folder run failed"
# augment on the folder, two of its files not PNG images: a CVAE and a classifier of 3x8x8
# images and three classes; the skipped files are said once, not once per model.
python3 "$ROOT/scripts/make_image_folder.py" "$TMP/imgbad" --per-class 12 --corrupt >/dev/null || fail "could not make the folder"
"$XGRAD" augment --data "$TMP/imgbad" --skip-bad --image-size 8 --per-class 3,5 --samples 0,4 --cvae-steps 5 \
  --classifier-steps 5 --threads 2 --out "$TMP/aug" >"$TMP/aug.txt" 2>"$TMP/aug.err" || { cat "$TMP/aug.err"; fail "augment on the folder failed"; }
[ "$(grep -c "skipped 2 file(s)" "$TMP/aug.err")" -eq 1 ] || fail "the skipped files not said once: $(cat "$TMP/aug.err")"
python3 - "$TMP" <<'PY' || exit 1
import csv, json, struct, sys
t = sys.argv[1]
j = json.load(open(t + "/aug/augment.json"))
assert [(r["per_class"], r["samples_per_class"]) for r in j["rows"]] == [(3, 0), (3, 4), (5, 0), (5, 4)], j
assert j["test_rows"] == 7, j  # the folder's seeded test split, not Fashion-MNIST's
m = json.load(open(t + "/aug/cvae-5/config.json"))["model"]
assert m["input"] == 3 * 8 * 8 and m["classes"] == 3, m
w, h, depth, colour = struct.unpack(">IIBB", open(t + "/aug/samples-3.png", "rb").read(26)[16:26])
assert (w, h, colour) == (3 * 10 + 2, 8 * 10 + 2, 2), (w, h, colour)  # a column per class, eight 8-pixel RGB rows
rows = list(csv.DictReader(open(t + "/normal/anomaly.csv")))
assert len(rows) == 7, len(rows)  # the seeded split's test rows: 36 images, 20 % held out
for r in rows:  # class 2 (stripes) was held out of training
    assert (r["anomalous"] == "1") == (r["label"] == "2"), r
d = json.load(open(t + "/denoise.json"))
assert d["images"] == 7 and d["corrupted_psnr"] < 20, d
assert 0 < d["corrupted_ssim"] < 1 and d["ssim"] is not None, d  # SSIM of the colour rows' three planes
p = json.load(open(t + "/all/embed.json"))["probe"]
assert p["pixels"]["features"] == 3 * 8 * 8, p  # colour rows, not 784 pixels
for f in ("/normal/anomaly.png", "/normal/denoise.png", "/a.png"):
    b = open(t + f, "rb").read(26)
    assert b[25] == 2, (f, b[25])  # RGB: the folder's colour is kept
PY

python3 - "$TMP/rows.csv" <<'PY'
import random, sys
r = random.Random(3)
with open(sys.argv[1], "w") as f:
    f.write("height,kind,weight\n")
    for i in range(90):
        k = i % 3
        f.write(f"{170 + 10 * k + r.gauss(0, 3):.2f},{['cat', 'dog', 'cow'][k]},{60 + 15 * k + r.gauss(0, 5):.2f}\n")
PY
TAB="--epochs 2 --batch 8 --latent 2 --hidden 16 --threads 2 --label-column kind"
"$XGRAD" train --model vae --data "$TMP/rows.csv" $TAB --classes 0,1 --out "$TMP/tab" 2>/dev/null || fail "train --classes on the CSV failed"
"$XGRAD" anomaly "$TMP/tab" --iwae-k 2 >/dev/null || fail "anomaly on the CSV run failed"
"$XGRAD" train --model vae --data "$TMP/rows.csv" $TAB --out "$TMP/taball" 2>/dev/null || fail "train on the CSV failed"
"$XGRAD" embed "$TMP/taball" --probe-epochs 2 >/dev/null || fail "embed on the CSV run failed"
expect_error "sample: $TMP/taball was trained on rows of $TMP/rows.csv, which are not pictures" sample "$TMP/taball" --out "$TMP/s.png"
expect_error "which are not pictures" reconstruct "$TMP/taball" --out "$TMP/r.png"
expect_error "which are not pictures" denoise "$TMP/taball" --corruption mask:0.5
expect_error "which are not pictures" arithmetic "$TMP/taball" --add 1 --sub 0 --to 2 --out "$TMP/a.png"
expect_error "augment: $TMP/rows.csv holds rows of a CSV, not images" augment --data "$TMP/rows.csv" --label-column kind --out "$TMP/x"
# A 1-D code (a strip per class on the map), trained on the first 40 rows only: embed fits
# its probes to those 40, as the run saw them.
"$XGRAD" train --model vae --data "$TMP/rows.csv" --epochs 2 --batch 8 --latent 1 --hidden 16 --threads 2 --label-column kind \
  --limit 40 --out "$TMP/tab1" 2>/dev/null || fail "train --latent 1 on the CSV failed"
"$XGRAD" embed "$TMP/tab1" --probe-epochs 2 >/dev/null || fail "embed of a 1-D code failed"
python3 - "$TMP" <<'PY' || exit 1
import csv, json, sys
t = sys.argv[1]
rows = list(csv.DictReader(open(t + "/tab/anomaly.csv")))
assert len(rows) == 18 and {r["label"] for r in rows} == {"0", "1", "2"}, rows
p = json.load(open(t + "/taball/embed.json"))["probe"]
assert p["pixels"]["features"] == 2, p  # the two standardised columns; the label column left out
e = json.load(open(t + "/tab1/embed.json"))
assert e["train_rows"] == 40 and e["test_rows"] == 18 and e["probe"]["codes"]["features"] == 1, e
svg = open(t + "/tab1/map.svg").read()
assert svg.count("<circle") == 18 and ">z 0<" in svg, svg[:300]
labels = [int(float(r["label"])) for r in csv.DictReader(open(t + "/tab1/codes.csv")) if float(r["split"]) == 1]
ys = [float(c.split('cy="')[1].split('"')[0]) for c in svg.split("<circle")[1:]]
# Each class is a strip of its own: every point of a class lies apart from every other class's.
spans = {k: (min(y for y, l in zip(ys, labels) if l == k), max(y for y, l in zip(ys, labels) if l == k)) for k in set(labels)}
order = sorted(spans.values())
assert all(a[1] < b[0] for a, b in zip(order, order[1:])), spans
PY
echo ok
