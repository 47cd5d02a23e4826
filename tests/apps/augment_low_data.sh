# xgrad augment on tiny budgets: a CVAE per N trained on N images per class only, a
# classifier per (N, M), the table, the samples.
. "$(dirname "$0")/common.sh"
OUT=$TMP/aug
"$XGRAD" augment --per-class 5,8 --samples 0,20 --cvae-steps 10 --classifier-steps 10 --test-limit 200 --threads 2 \
  --out "$OUT" >"$TMP/aug.txt" 2>"$TMP/aug.err" || { cat "$TMP/aug.err"; fail "augment failed"; }
[ "$(grep -c "test accuracy" "$TMP/aug.txt")" -eq 4 ] || fail "not four rows: $(cat "$TMP/aug.txt")"
[ -s "$OUT/samples-5.png" ] && [ -s "$OUT/samples-8.png" ] || fail "no samples pictures"
python3 - "$OUT" <<'PY' || exit 1
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/augment.json"))
assert [(r["per_class"], r["samples_per_class"]) for r in j["rows"]] == [(5, 0), (5, 20), (8, 0), (8, 20)], j
assert all(0 <= r["test_accuracy"] <= 1 for r in j["rows"]) and j["test_rows"] == 200, j
c = json.load(open(d + "/cvae-8/config.json"))
assert c["per_class"] == 8 and c["model"]["kind"] == "cvae", c  # the CVAE saw only the N real images per class
PY
expect_error "unknown model 'vae'" augment --model vae --out "$TMP/x"
expect_error "--samples must be >= 0 (got -3)" augment --samples=-3 --out "$TMP/x"
echo ok
