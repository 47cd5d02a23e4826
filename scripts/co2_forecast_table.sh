#!/usr/bin/env bash
# The co2 forecast of the held-out final year, model against model, at a fixed step budget:
#   scripts/co2_forecast_table.sh XGRAD OUTDIR STEPS THREADS "MODELS" "SEEDS"
#   e.g. scripts/co2_forecast_table.sh build/bin/xgrad out/co2 2000 1 "transformer-vae vrnn" "1 2 3"
# Each (model, seed) trains `series train --holdout 52 --difference --steps STEPS` with the
# model's defaults (window 64, hidden 64, z 16, batch 32, plain ELBO), then
#   series forecast --horizon 52 --samples 200   (5-95 % band of 200 sampled futures)
#   series anomaly                                (negative per-step ELBO of every value, k = 8)
# and prints one Markdown row per run: the validation -ELBO and KL per step (every tenth
# training window, normalised changes), the -ELBO per step of the 52 held-out values (the
# anomaly scores of the last 52 rows; mean and median, as a few overconfident steps can
# dominate the mean), the band's coverage of them, its mean width, the
# median's mean absolute error and the mean interval score of the 90 % band (Gneiting and
# Raftery 2007: width + 20 x the distance by which a value falls outside; lower is better,
# so a band cannot win by width alone), all in ppm. Runs, forecasts and scores already made
# are reused.
set -euo pipefail
xgrad=$1 out=$2 steps=$3 threads=$4 models=$5 seeds=$6
mkdir -p "$out"
for m in $models; do
  for s in $seeds; do
    run=$out/$m-$s
    [ -s "$run/model.safetensors" ] ||
      "$xgrad" series train --model "$m" --holdout 52 --difference --steps "$steps" --threads "$threads" --seed "$s" \
        --out "$run" 2>"$run.train.log"
    [ -s "$run/forecast.csv" ] ||
      "$xgrad" series forecast "$run" --horizon 52 --samples 200 --seed "$s" --threads "$threads" >"$run.forecast.log"
    [ -s "$run.anomaly/anomaly.csv" ] ||
      "$xgrad" series anomaly "$run" --seed "$s" --threads "$threads" --out "$run.anomaly" >"$run.anomaly.log"
  done
done
echo "| model | seed | steps | val −ELBO/step | val KL/step | held-out year −ELBO/step, mean / median | coverage | mean width | median MAE | interval score |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for m in $models; do
  for s in $seeds; do
    python3 - "$out/$m-$s" "$m" "$s" <<'PY'
import csv, json, statistics, sys
run, model, seed = sys.argv[1:4]
last = [json.loads(l) for l in open(f"{run}/metrics.jsonl") if l.strip()][-1]
rows = [r for r in csv.DictReader(open(f"{run}/forecast.csv")) if r["actual"] not in ("", "nan")]
held = [float(r["score"]) for r in list(csv.DictReader(open(f"{run}.anomaly/anomaly.csv")))[-len(rows):]]
n = len(rows)
cov = wid = mae = isc = 0.0
for r in rows:
    lo, hi, med, y = (float(r[k]) for k in ("p05", "p95", "median", "actual"))
    cov += lo <= y <= hi
    wid += hi - lo
    mae += abs(med - y)
    isc += (hi - lo) + 20 * max(lo - y, 0) + 20 * max(y - hi, 0)
print(f"| {model} | {seed} | {last['step']} | {last['val_nats_per_step']:.3f} | {last['val_kl_per_step']:.4f} | "
      f"{sum(held) / len(held):.3f} / {statistics.median(held):.3f} | {cov / n:.3f} ({int(cov)}/{n}) | {wid / n:.2f} | {mae / n:.2f} | {isc / n:.2f} |")
PY
  done
done
