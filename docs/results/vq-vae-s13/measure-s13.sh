#!/bin/bash
# Issue 17, planning data: the samples' confident share and Fréchet distance under the built-in
# classifier trained 20 epochs instead of its default 4. The same vq-vae run and 10-epoch
# Transformer prior as session 11 (../vq-vae-s11/measure-s11.sh, run `vqt`), and a flat VAE
# trained 10 epochs, seed 1, both scored by the same 20-epoch classifier. One thread, nice 19,
# on a machine shared with builds and benchmarks (2026-12-04, main at d65db3e).
set -x
X=$PWD/build/bin/xgrad
export XDG_CACHE_HOME=$PWD/out/clf20-cache       # keeps the default cached classifier untouched
cd out
/usr/bin/time -v $X classifier train --epochs 20 --threads 1 --seed 1 > clf-train.log 2>&1 || exit 1   # 69 s
$X eval vqt --n 1000 --threads 1 --seed 1 --samples 10000 --out vqt-eval-clf20.json > vqt-eval.log 2>&1 || exit 1
$X train --model vae --epochs 10 --threads 1 --seed 1 --out vae > vae-train.log 2>&1 || exit 1
$X eval vae --n 1000 --threads 1 --seed 1 --samples 10000 --out vae-eval-clf20.json > vae-eval.log 2>&1 || exit 1
