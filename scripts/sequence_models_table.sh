#!/usr/bin/env bash
# Held-out bits per character of the four text models on fortunes, side by side:
#   scripts/sequence_models_table.sh XGRAD OUTDIR MINUTES THREADS [SEED]
# Each model trains for MINUTES of wall time (text train --minutes) with its defaults
# (hidden 128, seq 64, batch 32; the latent models with the KL schedule below), then
# `text score` gives the negative ELBO, the IWAE bound (k = 16) and the KL per character
# on the first 256 validation sequences. Prints a Markdown table.
set -euo pipefail
xgrad=$1 out=$2 minutes=$3 threads=$4 seed=${5:-1}
schedule="linear:2000,free-bits:0.25"
mkdir -p "$out"
for m in transformer-vae transformer vrnn rnn; do
  extra=()
  case $m in transformer-vae | vrnn) extra=(--kl-schedule "$schedule") ;; esac
  [ -s "$out/$m/model.safetensors" ] ||
    "$xgrad" text train --model "$m" --minutes "$minutes" --threads "$threads" --seed "$seed" "${extra[@]}" \
      --eval-every 500 --out "$out/$m" 2>"$out/$m.log"
  "$xgrad" text score "$out/$m" --k 16 --threads "$threads" --seed "$seed" --out "$out/$m.score.json" >/dev/null
done
echo "| model | steps | -ELBO bits/char | IWAE (k=16) bits/char | KL nats/char |"
echo "|---|---|---|---|---|"
for m in transformer-vae transformer vrnn rnn; do
  steps=$(tail -n 1 "$out/$m/metrics.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["step"])')
  python3 - "$out/$m.score.json" "$m" "$steps" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {sys.argv[3]} | {s['elbo_bits_per_char']:.3f} | {s['iwae_bits_per_char']:.3f} | {s['kl_per_step']:.4f} |")
PY
done
