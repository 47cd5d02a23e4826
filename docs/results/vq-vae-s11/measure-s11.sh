#!/bin/bash
# VQ-VAE priors at 10 epochs: a causal Transformer prior vs the PixelCNN, same VQ-VAE (seed 1).
# Session 11 ran it to the Transformer prior's eval; the PixelCNN control (the last two commands) was stopped
# in its third epoch at the session's end. Temperature figures: eval ... --prior-temperature 0.9|0.8|0.7.
set -x
X=build/bin/xgrad
export XDG_CACHE_HOME=out/cache
cd out
/usr/bin/time -v $X train --model vq-vae --epochs 10 --threads 1 --seed 1 --prior transformer --out vqt > vqt-train.log 2>&1 || exit 1
cmp vq/model.safetensors vqt/model.safetensors && echo "same vq-vae weights" >> chain.log
/usr/bin/time -v $X train-prior vqt --epochs 10 --threads 1 --seed 1 > vqt-prior.log 2>&1 || exit 1
/usr/bin/time -v $X eval vqt --n 1000 --threads 1 --seed 1 --samples 10000 --out vqt-eval.json > vqt-eval.log 2>&1 || exit 1
/usr/bin/time -v $X train-prior vq --epochs 10 --threads 1 --seed 1 > vq-prior.log 2>&1 || exit 1
/usr/bin/time -v $X eval vq --n 1000 --threads 1 --seed 1 --samples 10000 --out vq-eval.json > vq-eval.log 2>&1 || exit 1
echo done >> chain.log
