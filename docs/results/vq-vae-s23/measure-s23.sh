#!/bin/bash
# Session 23: a fourth cosine cycle of the prior (a third warm restart): 10 epochs from lr
# 1.5e-4 down a cosine to 1e-5 (9,380 steps of 64), after session 22's three cycles, which its
# script repeats first. Scored as sessions 19-22 on five sets of 10,000 samples (seeds 1-5;
# seed 1 is the protocol's figure). Usage: measure-s23.sh XGRAD OUTDIR
set -ex
X=$(realpath "$1")
mkdir -p "$2"
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$(realpath "$2")/cache}
"$(dirname "$(realpath "$0")")/../vq-vae-s22/measure-s22.sh" "$X" "$2"  # cycles 1-3, in $2/vqw
cd "$2"
$X train-prior vqw --warm-start --epochs 10 --lr 1.5e-4 --threads 2 --seed 1 --lr-schedule cosine:9380:1e-5 \
  > vqw-prior-cycle4.log 2>&1
for s in 1 2 3 4 5; do
  $X eval vqw --n 1000 --threads 2 --seed $s --samples 10000 --out vqw-eval-cycle4-seed$s.json > vqw-eval-cycle4-seed$s.log 2>&1
done
echo done > done-s23.txt
