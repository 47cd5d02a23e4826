#!/usr/bin/env bash
# Restoration of corrupted Fashion-MNIST test images: for each corruption, the PSNR
# (dB) and SSIM (means over the 10000 test images) of the corrupted input itself, of the ae and
# vae outputs (trained on clean images) and of the dae and dvae outputs (each trained
# with that corruption), every model with its defaults for EPOCHS epochs, seed SEED.
# The corrupted test images are the same for every model (xgrad denoise --corruption, --seed;
# the same images and PSNR as xgrad eval --corruption). Cells are "PSNR / SSIM".
#   scripts/restoration_table.sh [XGRAD] [OUT] [EPOCHS] [SEED]
set -euo pipefail
XGRAD=${1:-build/bin/xgrad}
OUT=${2:-out/restoration}
EPOCHS=${3:-5}
SEED=${4:-1}
CORRUPTIONS=(gaussian:0.3 mask:0.5 salt:0.1 block:12)
mkdir -p "$OUT"
train() {  # train NAME MODEL [flags...]
  local name=$1 model=$2; shift 2
  [ -s "$OUT/$name/model.safetensors" ] || "$XGRAD" train --model "$model" --epochs "$EPOCHS" --seed "$SEED" --out "$OUT/$name" "$@"
}
psnr() {  # psnr RUN CORRUPTION KEY: "PSNR / SSIM" of the outputs (KEY psnr) or of the corrupted inputs (corrupted_psnr)
  local json="$OUT/$1/denoise-${2%%:*}.json"
  [ -s "$json" ] || "$XGRAD" denoise "$OUT/$1" --corruption "$2" --n 0 --seed "$SEED" --out "$json" \
    --picture "$OUT/$1/denoise-${2%%:*}.png" >/dev/null
  python3 -c "import json,sys; j=json.load(open('$json')); k='$3'; print('%.2f / %.3f' % (j[k], j[k.replace('psnr', 'ssim')]))"
}
train ae ae
train vae vae
for c in "${CORRUPTIONS[@]}"; do
  train "dae-${c%%:*}" dae --corruption "$c"
  train "dvae-${c%%:*}" dvae --corruption "$c"
done
echo "| corruption | corrupted input | ae | vae | dae | dvae |"
echo "|---|---|---|---|---|---|"
for c in "${CORRUPTIONS[@]}"; do
  echo "| $c | $(psnr ae "$c" corrupted_psnr) | $(psnr ae "$c" psnr) | $(psnr vae "$c" psnr) | $(psnr "dae-${c%%:*}" "$c" psnr) | $(psnr "dvae-${c%%:*}" "$c" psnr) |"
done
