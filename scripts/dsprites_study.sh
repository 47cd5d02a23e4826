#!/usr/bin/env bash
# The disentanglement study on the generated dSprites: vae, beta-vae, factor-vae and
# beta-tcvae with Chen et al.'s MLP 4096-1200-1200-10, the same budget for every model
# (EPOCHS passes over LIMIT random combinations, batch 64, Adam 1e-3, 1 thread: EPOCHS *
# LIMIT / 64 steps; the defaults, 1 x 51,200, are the 800-step study), seeds 1..SEEDS,
# each run scored by `xgrad eval` (MIG, FactorVAE score, beta-VAE score, SAP on their default
# sample sizes; TC and -ELBO of the first 2000 test images). With TORCH_PY set (a python
# with torch), also the PyTorch reference of beta-tcvae and factor-vae
# (bench/pytorch/dsprites.py: same rows, budget and hyperparameters), scored by the same
# `xgrad eval`. The script resumes: a run whose training finished (its metrics.jsonl
# reached epoch EPOCHS) is kept, one that was stopped part-way continues from its last
# checkpoint (`xgrad train --resume`: the same bits as an unbroken run), a scored run is not
# scored again, and a scored reference run is not trained again (its weights need not be
# kept). It prints a table of mean +- sd over the seeds (sd: n - 1 in the
# denominator), each model against vae (Welch's t of the difference of the means, and in how
# many seeds the model beat the vae of the same seed) and, with the reference, the difference
# xgrad - PyTorch of each mean next to twice its standard error (* where larger).
# METRIC_SIZES=study scores with disentanglement_lib's sample sizes (`xgrad eval --metric-sizes
# study`, about 6.4 min a run on one thread) into RUN/eval-study.json and tabulates those, so
# that a finished study can be rescored without retraining and its quick table kept.
#   [TORCH_PY=python3] [METRIC_SIZES=quick|study] scripts/dsprites_study.sh [XGRAD] [OUT] [SEEDS] [LIMIT] [EPOCHS]
set -euo pipefail
XGRAD=${1:-build/bin/xgrad}
OUT=${2:-out/dsprites-study}
SEEDS=${3:-5}
LIMIT=${4:-51200}
EPOCHS=${5:-1}
TORCH_PY=${TORCH_PY:-}
METRIC_SIZES=${METRIC_SIZES:-quick}
case $METRIC_SIZES in
  quick) EVAL=eval.json ;;
  study) EVAL=eval-study.json ;;
  *) echo "dsprites_study.sh: METRIC_SIZES must be quick or study (got '$METRIC_SIZES')" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")/.." && pwd)
case $EPOCHS in '' | *[!0-9]* | 0) echo "dsprites_study.sh: EPOCHS must be a positive integer (got '$EPOCHS')" >&2; exit 2 ;; esac
BUDGET=(--limit "$LIMIT" --epochs "$EPOCHS" --batch 64)
NET=(--hidden 1200,1200 --latent 10)
mkdir -p "$OUT"
# The papers' best settings: beta 4 (Higgins et al. 2017), gamma 35 (Kim & Mnih 2018),
# alpha, beta, gamma = 1, 6, 1 (Chen et al. 2018).
hyper() {
  case $1 in
    beta-vae) echo --beta 4 ;;
    factor-vae) echo --gamma 35 ;;
    beta-tcvae) echo --alpha 1 --beta 6 --gamma 1 ;;
  esac
}
score() {  # score RUN: xgrad eval writes RUN/$EVAL (atomically), once
  local sizes=()  # quick: eval's defaults, so that an XGRAD from before --metric-sizes scores too
  [ "$METRIC_SIZES" = quick ] || sizes=(--metric-sizes "$METRIC_SIZES" --out "$1/$EVAL")
  [ -s "$1/$EVAL" ] || "$XGRAD" eval "$1" --n 200 --tc-n 2000 --test-limit 2000 --threads 1 "${sizes[@]}" >/dev/null
}
trained() {  # trained RUN: its training reached epoch EPOCHS (model.safetensors alone is written every epoch)
  [ -s "$1/metrics.jsonl" ] && tail -n 1 "$1/metrics.jsonl" | grep -q "\"epoch\":$EPOCHS[,}]"
}
resume_flag() {  # resume_flag RUN: --resume when RUN holds a checkpoint of a run stopped part-way
  [ -s "$1/checkpoint.safetensors" ] && echo --resume || true
}
timed() {  # timed NAME COMMAND...: appends NAME and its wall seconds (a loaded machine) to OUT/times.txt
  local name=$1 start; shift
  start=$(date +%s)
  "$@"
  echo "$name $(($(date +%s) - start))" >>"$OUT/times.txt"
}
for seed in $(seq 1 "$SEEDS"); do
  for m in vae beta-vae factor-vae beta-tcvae; do
    run="$OUT/$m-s$seed"
    # shellcheck disable=SC2046
    trained "$run" || timed "$m-s$seed" "$XGRAD" train --model "$m" $(hyper "$m") --data dsprites $(resume_flag "$run") \
      "${BUDGET[@]}" "${NET[@]}" --test-limit 2000 --threads 1 --seed "$seed" --out "$run" 2>>"$OUT/$m-s$seed.log"
    score "$run"
  done
  [ -n "$TORCH_PY" ] || continue
  for m in factor-vae beta-tcvae; do
    run="$OUT/torch-$m-s$seed"
    # shellcheck disable=SC2046
    [ -s "$run/model.safetensors" ] || [ -s "$run/$EVAL" ] || timed "torch-$m-s$seed" "$TORCH_PY" "$HERE/bench/pytorch/dsprites.py" --model "$m" \
      $(hyper "$m") --limit "$LIMIT" --epochs "$EPOCHS" --seed "$seed" --cache "$OUT/images" --out "$run" >"$OUT/torch-$m-s$seed.log" 2>&1
    score "$run"
  done
done
python3 - "$OUT" "$EVAL" <<'PY'
import glob, json, math, os, re, statistics, sys
out, eval_name = sys.argv[1], sys.argv[2]
runs, by_seed = {}, {}  # name -> eval.json rows; (name, seed) -> eval.json
for path in sorted(glob.glob(os.path.join(out, "*-s*", eval_name))):
    name, seed = re.match(r"(.*)-s(\d+)$", os.path.basename(os.path.dirname(path))).groups()
    runs.setdefault(name, []).append(json.load(open(path)))
    by_seed[name, int(seed)] = runs[name][-1]
def cell(rows, get, digits):
    v = [get(r) for r in rows]
    if len(v) < 2:  # one seed: no spread to show
        return f"{statistics.mean(v):.{digits}f}"
    return f"{statistics.mean(v):.{digits}f} ± {statistics.stdev(v):.{digits}f}"
cols = [("MIG", lambda r: r["disentanglement"]["mig"], 3), ("FactorVAE score", lambda r: r["disentanglement"]["factor_vae"], 3),
        ("β-VAE score", lambda r: r["disentanglement"]["beta_vae"], 3), ("SAP", lambda r: r["disentanglement"]["sap"], 3),
        ("TC", lambda r: r["total_correlation"], 2), ("test −ELBO", lambda r: r["test_neg_elbo"], 2)]
print("| model | seeds | " + " | ".join(c[0] for c in cols) + " |")
print("|---|---|" + "---|" * len(cols))
order = ["vae", "beta-vae", "factor-vae", "beta-tcvae", "torch-factor-vae", "torch-beta-tcvae"]
for name in sorted(runs, key=lambda n: order.index(n) if n in order else len(order)):
    rows = runs[name]
    print(f"| {name} | {len(rows)} | " + " | ".join(cell(rows, g, d) for _, g, d in cols) + " |")
# Each model against vae: Welch's t of the difference of the means (positive: above vae) and
# the seeds in which the model beat the vae of the same seed, of the seeds both have.
def welch_t(a, b):
    se = (statistics.variance(a) / len(a) + statistics.variance(b) / len(b)) ** 0.5 if min(len(a), len(b)) > 1 else 0
    return (statistics.mean(a) - statistics.mean(b)) / se if se > 0 else float("nan")
others = [n for n in sorted(runs, key=lambda n: order.index(n) if n in order else len(order)) if n != "vae"]
if "vae" in runs and others:
    print("\n| model vs vae | " + " | ".join(f"{c[0]}: t, wins" for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
for m in others if "vae" in runs else []:
    seeds = sorted(s for (n, s) in by_seed if n == m and ("vae", s) in by_seed)
    cells = []
    for _, get, digits in cols:
        wins = sum(get(by_seed[m, s]) > get(by_seed["vae", s]) for s in seeds)
        t = welch_t([get(r) for r in runs[m]], [get(r) for r in runs["vae"]])
        cells.append(f"{'–' if math.isnan(t) else f'{t:+.1f}'}, {wins}/{len(seeds)}")
    print(f"| {m} | " + " | ".join(cells) + " |")
# xgrad against the PyTorch reference: the difference of the means and twice its standard
# error (Welch); "same within seed noise" when |difference| < 2 se.
pairs = [m for m in ("factor-vae", "beta-tcvae") if m in runs and "torch-" + m in runs and len(runs["torch-" + m]) > 1]
if pairs:
    print("\n| model | " + " | ".join(f"{c[0]}: xgrad − torch (2 se)" for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
for m in pairs:
    cells = []
    for _, get, digits in cols:
        a, b = [get(r) for r in runs[m]], [get(r) for r in runs["torch-" + m]]
        diff = statistics.mean(a) - statistics.mean(b)
        se = (statistics.variance(a) / len(a) + statistics.variance(b) / len(b)) ** 0.5
        cells.append(f"{diff:+.{digits}f} ({2 * se:.{digits}f}){'' if abs(diff) < 2 * se else ' *'}")
    print(f"| {m} | " + " | ".join(cells) + " |")
PY
