#!/usr/bin/env bash
# The linear probe on Fashion-MNIST: a VAE with a LATENT-d code trained for EPOCHS epochs,
# then `xgrad embed`: a logistic regression (xgrad, Adam, PROBE_EPOCHS epochs) fitted to
# TRAIN_N training images and scored on the 10000 test images, on the codes, on as many
# principal components of the pixels and on the 784 raw pixels.
#   scripts/embedding_probe.sh [XGRAD] [OUT] [EPOCHS] [SEED] [LATENT] [TRAIN_N] [PROBE_EPOCHS]
set -euo pipefail
XGRAD=${1:-build/bin/xgrad}
OUT=${2:-out/embed}
EPOCHS=${3:-10}
SEED=${4:-1}
LATENT=${5:-20}
TRAIN_N=${6:-10000}
PROBE_EPOCHS=${7:-30}
[ -s "$OUT/model.safetensors" ] || "$XGRAD" train --model vae --latent "$LATENT" --epochs "$EPOCHS" --seed "$SEED" --out "$OUT" 2>/dev/null
"$XGRAD" embed "$OUT" --train-n "$TRAIN_N" --probe-epochs "$PROBE_EPOCHS" --seed "$SEED"
