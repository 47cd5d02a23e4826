# --data beyond Fashion-MNIST: a folder of PNG images (colour, two sizes, a corrupt file
# and a text file among them), a numeric CSV with a label column, an IDX images file.
# Tiny data and one epoch: the files, shapes and messages are what is checked.
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
IMG=$TMP/pets
python3 "$ROOT/scripts/make_image_folder.py" "$IMG" --per-class 6 --corrupt || fail "could not make the image folder"
SMALL="--epochs 1 --batch 4 --latent 2 --hidden 16 --threads 2 --image-size 8"

# A corrupt file: one line naming it, and the way out.
expect_error "discs/notes.png" train --model conv-vae --data "$IMG" $SMALL --out "$TMP/bad"
expect_error "--skip-bad" train --model conv-vae --data "$IMG" $SMALL --out "$TMP/bad"
[ ! -e "$TMP/bad" ] || fail "a failed run left its folder"
# A model of 1x28x28 images only says so (on a folder without bad files: with --skip-bad the
# count of skipped files would be a second line).
python3 "$ROOT/scripts/make_image_folder.py" "$TMP/clean" --per-class 2 || fail "could not make the clean folder"
expect_error "model 'aae' cannot train on" train --model aae --data "$TMP/clean" --image-size 8 --epochs 1 --out "$TMP/aae"
# The cvae takes any image (an MLP over its values) and the folder's three classes: labels
# 0..2 to sample, and no conditional accuracy (the built-in judge knows Fashion-MNIST only).
"$XGRAD" train --model cvae --data "$TMP/clean" $SMALL --out "$TMP/cvae" 2>/dev/null || fail "cvae on the folder failed"
"$XGRAD" sample "$TMP/cvae" --n 6 --label 2 --out "$TMP/c.png" >/dev/null || fail "sample --label 2 of the folder cvae failed"
expect_error "--label must be in 0..2 (got 3)" sample "$TMP/cvae" --label 3 --out "$TMP/c.png"
"$XGRAD" eval "$TMP/cvae" --n 2 --iwae-k 2 >"$TMP/cvae.json" || fail "eval of the folder cvae failed"
python3 -c "import json,sys; e=json.load(open(sys.argv[1])); assert 'conditional_accuracy' not in e, e" "$TMP/cvae.json" \
  || fail "a conditional accuracy for data the built-in classifier does not know"

OUT=$TMP/conv
"$XGRAD" train --model conv-vae --data "$IMG" --skip-bad $SMALL --out "$OUT" 2>"$TMP/train.err" || { cat "$TMP/train.err"; fail "conv-vae on the folder failed"; }
grep -q "skipped 2 file(s) that are not readable PNG images" "$TMP/train.err" || { cat "$TMP/train.err"; fail "no count of skipped files"; }
"$XGRAD" eval "$OUT" --n 4 --iwae-k 2 >"$TMP/eval.json" || fail "eval of the folder run failed"
"$XGRAD" sample "$OUT" --n 9 --out "$TMP/s.png" || fail "sample failed"
"$XGRAD" reconstruct "$OUT" --n 3 --out "$TMP/r.png" || fail "reconstruct failed"
"$XGRAD" report "$OUT" >/dev/null || fail "report failed"
grep -q 'data:image/png;base64,' "$OUT/report.html" || fail "report has no pictures"
python3 - "$OUT" "$TMP" <<'PY' || exit 1
import json, struct, sys
out, tmp = sys.argv[1], sys.argv[2]
def ihdr(path):
    b = open(path, "rb").read(26)
    assert b[:8] == b"\x89PNG\r\n\x1a\n", path
    w, h, depth, colour = struct.unpack(">IIBB", b[16:26])
    return w, h, colour
m = json.load(open(out + "/config.json"))["model"]
assert m["channels"] == 3 and m["input"] == 3 * 8 * 8, m
for f in [out + "/samples.png", out + "/reconstructions.png", tmp + "/s.png", tmp + "/r.png"]:
    w, h, colour = ihdr(f)
    assert colour == 2, (f, colour)  # RGB
w, h, _ = ihdr(out + "/samples.png")
assert (w, h) == (8 * 8 + 9 * 2, 8 * 8 + 9 * 2), (w, h)  # 8 x 8 tiles of 8 pixels, 2-pixel gaps
e = json.load(open(tmp + "/eval.json"))
assert e["test_neg_elbo"] > 0, e
PY

# A CSV: standardised columns, the label column left out of the inputs, a Gaussian likelihood.
python3 - "$TMP/rows.csv" <<'PY'
import random, sys
r = random.Random(3)
with open(sys.argv[1], "w") as f:
    f.write("height,kind,weight,age\n")
    for i in range(60):
        k = i % 2
        f.write(f"{170 + 10 * k + r.gauss(0, 3):.2f},{'dog' if k else 'cat'},{60 + 15 * k + r.gauss(0, 5):.2f},{r.randint(1, 15)}\n")
PY
expect_error "column 'kind': 'cat' is not a finite number" train --model vae --data "$TMP/rows.csv" $SMALL --out "$TMP/nolabel"
expect_error "not 1 channel(s) of a square image" train --model conv-vae --data "$TMP/rows.csv" --label-column kind $SMALL --out "$TMP/convcsv"
"$XGRAD" train --model vae --data "$TMP/rows.csv" --label-column kind $SMALL --out "$TMP/tab" 2>"$TMP/tab.err" || { cat "$TMP/tab.err"; fail "vae on the CSV failed"; }
"$XGRAD" eval "$TMP/tab" --n 4 --iwae-k 2 >"$TMP/tab.json" || fail "eval of the CSV run failed"
python3 - "$TMP/tab" "$TMP/tab.json" <<'PY' || exit 1
import json, math, os, sys
m = json.load(open(sys.argv[1] + "/config.json"))["model"]
assert m["likelihood"] == "gauss" and m["input"] == 3, m
assert not os.path.exists(sys.argv[1] + "/samples.png")  # rows are not pictures
rows = [json.loads(l) for l in open(sys.argv[1] + "/metrics.jsonl")]
assert math.isfinite(rows[-1]["test_loss"]), rows
assert math.isfinite(json.load(open(sys.argv[2]))["test_neg_elbo"])
PY

# An IDX images file of 12x12 images, its labels beside it, no test file: a seeded split.
python3 - "$TMP/idx" <<'PY'
import os, struct, sys
d = sys.argv[1]; os.makedirs(d)
n = 40
with open(d + "/shapes-train-images-idx3-ubyte", "wb") as f:
    f.write(struct.pack(">BBBBIII", 0, 0, 8, 3, n, 12, 12) + bytes((i * 7 + p) % 256 for i in range(n) for p in range(144)))
with open(d + "/shapes-train-labels-idx1-ubyte", "wb") as f:
    f.write(struct.pack(">BBBBI", 0, 0, 8, 1, n) + bytes(i % 3 for i in range(n)))
PY
"$XGRAD" train --model vae --data "$TMP/idx/shapes-train-images-idx3-ubyte" $SMALL --out "$TMP/idxrun" 2>"$TMP/idx.err" || { cat "$TMP/idx.err"; fail "vae on the IDX file failed"; }
python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['model']; assert m['input']==144, m" "$TMP/idxrun/config.json" || fail "IDX run has the wrong input size"
echo ok
