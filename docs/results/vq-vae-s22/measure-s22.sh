#!/bin/bash
# Session 22: do more cosine cycles of session 21's prior (warm restarts from its weights,
# `train-prior --warm-start`, new this session) raise the samples' confident share to issue
# 17's 70 %? Cycle 1 is session 21's run, repeated by its own script (the wide vq-vae and its
# prior, 128 x 6, dropout 0.1, 16 epochs down a cosine to 1e-5). Then a second cycle of 12
# epochs from lr 3e-4 down a cosine to 1e-5 (11,256 steps of 64) and a third of 10 epochs from
# 2e-4 (9,380 steps), each scored as sessions 19-21 (the classifier is trained by the first eval
# when XDG_CACHE_HOME has none; sessions 19-22 used session 19's, 4 epochs, test accuracy
# 0.8910) at seed 1, the protocol's figure, and on four more sample sets (seeds 2-5).
# Usage: measure-s22.sh XGRAD OUTDIR
set -ex
X=$(realpath "$1")
mkdir -p "$2"
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$(realpath "$2")/cache}
"$(dirname "$(realpath "$0")")/../vq-vae-s21/measure-s21.sh" "$X" "$2"  # cycle 1, in $2/vqw
cd "$2"
R=vqw
# The prior as it stands, scored on five sets of 10,000 samples: FILE-seedS.json.
score() {
  for s in 1 2 3 4 5; do
    $X eval $R --n 1000 --threads 2 --seed $s --samples 10000 --out $R-eval-$1-seed$s.json > $R-eval-$1-seed$s.log 2>&1
  done
}
score cycle1
$X train-prior $R --warm-start --epochs 12 --lr 3e-4 --threads 1 --seed 1 --lr-schedule cosine:11256:1e-5 \
  > $R-prior-cycle2.log 2>&1
score cycle2
$X train-prior $R --warm-start --epochs 10 --lr 2e-4 --threads 1 --seed 1 --lr-schedule cosine:9380:1e-5 \
  > $R-prior-cycle3.log 2>&1
score cycle3
echo done > done-s22.txt
