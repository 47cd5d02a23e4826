#!/bin/bash
# Session 19's control for measure-s19.sh: the same vq-vae (a copy of its run, prior files
# left out) with session 11's prior size (64 channels, 5 layers, 4 heads), trained 10 epochs
# as session 11's, and scored with the same cached classifier (the same XDG_CACHE_HOME), so
# both priors meet the same judge on this machine.
# Usage: control-s19.sh XGRAD OUTDIR (OUTDIR: measure-s19.sh's, with vqt64 copied from vqt)
set -ex
X=$(realpath "$1")
cd "$2"
export XDG_CACHE_HOME=$PWD/cache
$X train-prior vqt64 --epochs 10 --threads 1 --seed 1 > vqt64-prior.log 2>&1
$X eval vqt64 --n 1000 --threads 1 --seed 1 --samples 10000 --out vqt64-eval.json > vqt64-eval.log 2>&1
echo done > done64.txt
