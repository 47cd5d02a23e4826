#!/bin/bash
# Session 21: does a wider vq-vae raise its samples' confident share to issue 17's 70 %?
# Session 20's prior recipe (128 channels, 6 layers, 4 heads, dropout 0.1, a cosine learning
# rate) on a vq-vae whose encoder and decoder have 128 channels instead of 64 (--width, new
# this session), 10 epochs, seed 1; the prior 16 epochs (15,008 steps of 64, down to 1e-5).
# Scored as sessions 19 and 20 (the classifier is trained by the first eval when
# XDG_CACHE_HOME has none; sessions 19-21 used session 19's, 4 epochs, test accuracy 0.8910).
# Usage: measure-s21.sh XGRAD OUTDIR
set -ex
X=$(realpath "$1")
mkdir -p "$2" && cd "$2"
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$PWD/cache}
R=vqw
$X train --model vq-vae --epochs 10 --threads 1 --seed 1 --width 128 --prior transformer --prior-width 128 \
  --prior-layers 6 --prior-dropout 0.1 --out $R > $R-train.log 2>&1
$X train-prior $R --epochs 16 --threads 1 --seed 1 --lr-schedule cosine:15008:1e-5 > $R-prior.log 2>&1
$X eval $R --n 1000 --threads 1 --seed 1 --samples 10000 --out $R-eval.json > $R-eval.log 2>&1
echo done > done-$R.txt
