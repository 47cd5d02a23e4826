#!/usr/bin/env bash
# How z enters the transformer-vae's decoder, measured on fortunes at a fixed step budget:
#   scripts/z_input_table.sh XGRAD OUTDIR STEPS THREADS "SEEDS"
#   e.g. scripts/z_input_table.sh build/bin/xgrad out/z-input 2500 1 "1 2"
# For each seed, `text train --model transformer-vae` with --z-input add (the default) and
# --z-input prefix, the defaults otherwise (d 128, 4 heads, 2 layers, seq 64, batch 32) and
# the KL schedule of scripts/sequence_models_table.sh, then `text score --k 16` on the whole
# validation split. Prints one Markdown row per run: the negative ELBO and the IWAE bound in
# bits per character and the KL in nats per character. Runs and scores already made are reused.
set -euo pipefail
xgrad=$1 out=$2 steps=$3 threads=$4 seeds=$5
schedule="linear:2000,free-bits:0.25"
mkdir -p "$out"
for s in $seeds; do
  for zi in add prefix; do
    run=$out/$zi-$s
    [ -s "$run/model.safetensors" ] ||
      "$xgrad" text train --model transformer-vae --z-input "$zi" --steps "$steps" --threads "$threads" --seed "$s" \
        --kl-schedule "$schedule" --eval-every 500 --out "$run" 2>"$run.train.log"
    [ -s "$run.score.json" ] ||
      "$xgrad" text score "$run" --k 16 --threads "$threads" --seed "$s" --out "$run.score.json" >/dev/null
  done
done
echo "| --z-input | seed | steps | −ELBO bits/char | IWAE (k = 16) bits/char | KL nats/char |"
echo "|---|---|---|---|---|---|"
for s in $seeds; do
  for zi in add prefix; do
    python3 - "$out/$zi-$s" "$zi" "$s" <<'PY'
import json, sys
run, zi, seed = sys.argv[1:4]
steps = [json.loads(l) for l in open(f"{run}/metrics.jsonl") if l.strip()][-1]["step"]
s = json.load(open(f"{run}.score.json"))
print(f"| {zi} | {seed} | {steps} | {s['elbo_bits_per_char']:.3f} | {s['iwae_bits_per_char']:.3f} | {s['kl_per_step']:.4f} |")
PY
  done
done
