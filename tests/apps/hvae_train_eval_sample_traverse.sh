# The hierarchical VAE through every image command, one short epoch: train, eval (the
# KL of each of its three layers, the IWAE bound over all of them), sample, traverse
# one layer (and a layer it does not have: one line), report; compare tabulates it next
# to the VAE, and runs vq-vae leaving its Fréchet distance empty until its prior is trained.
. "$(dirname "$0")/common.sh"
OUT=$TMP/hvae
"$XGRAD" train --model hvae $TINY --out "$OUT" 2>"$TMP/train.err" || { cat "$TMP/train.err"; fail "train failed"; }
"$XGRAD" eval "$OUT" --n 20 --iwae-k 5 --test-limit 100 >"$TMP/eval.json" || fail "eval failed"
# Without --batch the kind's own batch (hvae: 64, what its schedules count in), else the one given.
"$XGRAD" train --model hvae --limit 128 --test-limit 100 --epochs 1 --threads 2 --out "$TMP/hb" 2>"$TMP/hb.err" ||
  { cat "$TMP/hb.err"; fail "train without --batch failed"; }
python3 -c "import json, sys; b = [json.load(open(p))['batch'] for p in sys.argv[1:]]; assert b == [64, 32], b" \
  "$TMP/hb/config.json" "$OUT/config.json" || fail "hvae's batch: 64 by default, --batch otherwise"
# --lr-schedule's help names the schedule hvae's runs get by default (once it named an old one).
schedule=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['model']['lr_schedule'])" "$TMP/hb/config.json")
[ -n "$schedule" ] || fail "hvae's config.json has no default lr_schedule"
"$XGRAD" train --help | tr -s ' \n' ' ' | grep -qF "hvae $schedule)" ||
  fail "train --help does not name hvae's default learning-rate schedule $schedule"
"$XGRAD" sample "$OUT" --n 4 --out "$TMP/s.png" || fail "sample failed"
"$XGRAD" traverse "$OUT" --layer z3 --steps 3 --out "$TMP/t.png" || fail "traverse --layer z3 failed"
expect_error "no latent layer 'z9' (it has z3, z2, z1)" traverse "$OUT" --layer z9 --out "$TMP/t9.png"
"$XGRAD" report "$OUT" >/dev/null || fail "report failed"
# compare: hvae beside the VAE (on dsprites: no classifier to train); vq-vae alone, which
# needs no classifier without samples, and says how to get them.
"$XGRAD" compare --models vae,hvae --data dsprites --epochs 1 --limit 128 --test-limit 100 --batch 64 --threads 2 \
  --out "$TMP/cmp" >"$TMP/cmp.md" 2>"$TMP/cmp.err" || { cat "$TMP/cmp.err"; fail "compare vae,hvae failed"; }
"$XGRAD" compare --models vq-vae --epochs 1 --limit 128 --test-limit 100 --batch 64 --threads 2 \
  --out "$TMP/cmpq" >"$TMP/cmpq.md" 2>"$TMP/cmpq.err" || { cat "$TMP/cmpq.err"; fail "compare vq-vae failed"; }
grep -q "xgrad train-prior $TMP/cmpq/vq-vae" "$TMP/cmpq.err" || fail "compare did not say how to give vq-vae samples"
python3 - "$TMP/eval.json" "$TMP/t.json" "$TMP/cmp/compare.json" "$TMP/cmpq/compare.json" <<'PY' || exit 1
import json, sys
ev, trav, cmp, cmpq = (json.load(open(p)) for p in sys.argv[1:])
layers = ev["kl_per_layer"]
assert sorted(layers) == ["z1", "z2", "z3"], layers
assert abs(sum(layers.values()) - ev["total_kl"]) < 1e-3 * max(1, ev["total_kl"]), ev
assert len(ev["kl_per_dim"]) == 56 and ev["test_neg_elbo"] > 0 and ev["iwae_log_likelihood"] < 0, ev
assert sorted(r["dim"] for r in trav["rows"]) == list(range(8)), trav  # z3: the first 8 code columns
rows = {r["model"]: r for r in cmp["models"]}
assert rows["hvae"]["test_neg_elbo"] > 0 and rows["vae"]["test_neg_elbo"] > 0, rows
q = cmpq["models"][0]
assert q["model"] == "vq-vae" and q["frechet_distance"] is None and q["test_recon"] > 0, q
PY
# compare.md links only the sample grids compare wrote (vq-vae has none: it names train-prior instead).
python3 - "$TMP/cmp" "$TMP/cmpq" <<'PY' || exit 1
import os, re, sys
links = {d: re.findall(r"\]\(([^)]+\.png)\)", open(os.path.join(d, "compare.md")).read()) for d in sys.argv[1:]}
cmp, cmpq = sys.argv[1:]
assert sorted(links[cmp]) == ["samples-hvae.png", "samples-vae.png"], links
assert links[cmpq] == [] and "train-prior" in open(os.path.join(cmpq, "compare.md")).read(), links
for d, files in links.items():
    for f in files:
        assert os.path.isfile(os.path.join(d, f)), (d, f)
PY
echo ok
