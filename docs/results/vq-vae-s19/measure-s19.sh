#!/bin/bash
# Session 19: does a larger Transformer prior, trained longer, raise the vq-vae samples' confident
# share (issue 17: at least 70 %)? The same vq-vae as session 11 (10 epochs, seed 1; its test loss
# must come out 203.98313671875 again), then the prior widened from 64 to 128 channels and deepened
# from 5 to 6 layers (4 heads) by editing the run's config.json before train-prior (the vq-vae's
# weights do not depend on the prior), trained 15 epochs; scored as session 11's.
# Usage: measure-s19.sh XGRAD OUTDIR
set -ex
X=$(realpath "$1")
mkdir -p "$2" && cd "$2"
export XDG_CACHE_HOME=$PWD/cache
$X train --model vq-vae --epochs 10 --threads 1 --seed 1 --prior transformer --out vqt > vqt-train.log 2>&1
python3 - <<'PY'
import json
p = 'vqt/config.json'
c = json.load(open(p))
c['model']['prior_channels'], c['model']['prior_layers'] = 128, 6
json.dump(c, open(p + '.part', 'w'), indent=2)
PY
mv vqt/config.json.part vqt/config.json
$X train-prior vqt --epochs 15 --threads 1 --seed 1 > vqt-prior.log 2>&1
$X eval vqt --n 1000 --threads 1 --seed 1 --samples 10000 --out vqt-eval.json > vqt-eval.log 2>&1
echo done > done.txt
