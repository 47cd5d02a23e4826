#!/usr/bin/env bash
# Anomaly detection on Fashion-MNIST, one split per class: a VAE is trained on the other
# nine classes (xgrad train --classes) for EPOCHS epochs, and `xgrad anomaly` scores the
# 10000 test images by -ELBO, -IWAE (K samples) and reconstruction error, next to the
# reconstruction error of as many principal components as the code has (20), fitted to
# 10000 training images of the nine classes. Prints the AUROC table and the means.
#   scripts/anomaly_table.sh [XGRAD] [OUT] [EPOCHS] [SEED] [K]
set -euo pipefail
XGRAD=${1:-build/bin/xgrad}
OUT=${2:-out/anomaly}
EPOCHS=${3:-5}
SEED=${4:-1}
K=${5:-10}
mkdir -p "$OUT"
for held in 0 1 2 3 4 5 6 7 8 9; do
  normal=$(seq 0 9 | grep -vx "$held" | paste -sd,)
  run="$OUT/held-out-$held"
  [ -s "$run/model.safetensors" ] || "$XGRAD" train --model vae --classes "$normal" --epochs "$EPOCHS" --seed "$SEED" --out "$run" 2>/dev/null
  [ -s "$run/anomaly.json" ] || "$XGRAD" anomaly "$run" --iwae-k "$K" --seed "$SEED" >/dev/null
done
python3 - "$OUT" <<'PY'
import json, sys
names = ["neg_elbo", "neg_iwae", "recon_error", "pca_error"]
print("| held-out class | " + " | ".join(names) + " |")
print("|---" * (len(names) + 1) + "|")
sums = [0.0] * len(names)
for held in range(10):
    s = json.load(open(f"{sys.argv[1]}/held-out-{held}/anomaly.json"))["scores"]
    print(f"| {held} | " + " | ".join(f"{s[n]['auroc']:.3f}" for n in names) + " |")
    sums = [a + s[n]["auroc"] for a, n in zip(sums, names)]
print("| mean | " + " | ".join(f"{a / 10:.3f}" for a in sums) + " |")
PY
