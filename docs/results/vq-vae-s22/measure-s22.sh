#!/bin/bash
# Session 22: do more cosine cycles of session 21's prior (warm restarts from its weights,
# `train-prior --warm-start`, new this session) raise the samples' confident share to issue
# 17's 70 %? Session 21's run from scratch (measure-s21.sh's vq-vae, width 128, 10 epochs, and
# its prior, 128 x 6, dropout 0.1, 16 epochs down a cosine to 1e-5), then a second cycle of 12
# epochs from lr 3e-4 down a cosine to 1e-5 (11,256 steps of 64) and a third of 10 epochs from
# 2e-4 (9,380 steps), each cycle scored as sessions 19-21 (the classifier is trained by the first eval when XDG_CACHE_HOME has none;
# sessions 19-22 used session 19's, 4 epochs, test accuracy 0.8910).
# Usage: measure-s22.sh XGRAD OUTDIR
set -ex
X=$(realpath "$1")
mkdir -p "$2" && cd "$2"
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$PWD/cache}
R=vqs
$X train --model vq-vae --epochs 10 --threads 1 --seed 1 --width 128 --prior transformer --prior-width 128 \
  --prior-layers 6 --prior-dropout 0.1 --out $R > $R-train.log 2>&1
$X train-prior $R --epochs 16 --threads 1 --seed 1 --lr-schedule cosine:15008:1e-5 > $R-prior.log 2>&1
$X eval $R --n 1000 --threads 1 --seed 1 --samples 10000 --out $R-eval-cycle1.json > $R-eval-cycle1.log 2>&1
$X train-prior $R --warm-start --epochs 12 --lr 3e-4 --threads 1 --seed 1 --lr-schedule cosine:11256:1e-5 \
  > $R-prior-cycle2.log 2>&1
$X eval $R --n 1000 --threads 1 --seed 1 --samples 10000 --out $R-eval-cycle2.json > $R-eval-cycle2.log 2>&1
for s in 2 3 4 5; do
  $X eval $R --n 1000 --threads 2 --seed $s --samples 10000 --out $R-eval-cycle2-seed$s.json > $R-eval-cycle2-seed$s.log 2>&1
done
$X train-prior $R --warm-start --epochs 10 --lr 2e-4 --threads 1 --seed 1 --lr-schedule cosine:9380:1e-5 \
  > $R-prior-cycle3.log 2>&1
$X eval $R --n 1000 --threads 1 --seed 1 --samples 10000 --out $R-eval-cycle3.json > $R-eval-cycle3.log 2>&1
# The same prior's samples under four more sampling seeds (the protocol's figure is seed 1's).
for s in 2 3 4 5; do
  $X eval $R --n 1000 --threads 2 --seed $s --samples 10000 --out $R-eval-cycle3-seed$s.json > $R-eval-cycle3-seed$s.log 2>&1
done
echo done > done-$R.txt
