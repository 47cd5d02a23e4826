#!/bin/bash
# Session 8's measurement chain for issue 17's samples criterion, after train-prior (pid $1).
set -uo pipefail
D=/tmp/s8-vq
export XDG_CACHE_HOME=/tmp/s7-vq/cache   # the classifier of session 7's figures (test accuracy 0.8907)
X=$D/xgrad-s8                            # branch s8-vq (88314d1): eval --samples' reference shares, --prior-temperature
T="--threads 1 --seed 1"
stamp() { echo "== $(date -u +%H:%M:%S) $*"; }
while kill -0 "$1" 2>/dev/null; do sleep 10; done
stamp "prior done"; tr '\r' '\n' < $D/prior.err | grep -v "batch/s" ; cat $D/vq/prior/metrics.jsonl
stamp "vq eval --samples 10000"
nice -n 10 $X eval $D/vq --n 1000 $T --samples 10000 --out $D/vq-eval.json > /dev/null; cat $D/vq-eval.json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["codes"], j["samples"], j["test_recon"])'
for t in 0.8 1 0.6; do
  stamp "vq eval --samples 1000 --prior-temperature $t"
  nice -n 10 $X eval $D/vq --n 100 --test-limit 1000 $T --samples 1000 --prior-temperature $t --out $D/vq-eval-1k-t$t.json > /dev/null
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["samples"])' $D/vq-eval-1k-t$t.json
done
stamp "sample grids"
nice -n 10 $X sample $D/vq --n 64 $T --out $D/vq-samples.png
nice -n 10 $X sample $D/vq --n 64 $T --prior-temperature 0.8 --out $D/vq-samples-t0.8.png
stamp "vae eval --samples 10000"
nice -n 10 $X eval $D/vae --n 1000 $T --samples 10000 --out $D/vae-eval.json > /dev/null
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["samples"])' $D/vae-eval.json
stamp done
