# mpirun -np 2 xgrad series train / text train (the VRNN on windows of co2 and on a text
# corpus): --batch 16 split over 2 ranks gives the per-step losses of one process with
# batch 16 for 50 steps, and a repeated 2-rank run the same bits.
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
need_mpirun
head -c 6000 /usr/share/common-licenses/GPL-3 > "$TMP/gpl.txt"
SERIES="series train --window 16 --hidden 16 --latent 4 --batch 16 --steps 50 --eval-every 1 --threads 1 --seed 2"
TEXT="text train --corpus $TMP/gpl.txt --seq-len 16 --hidden 16 --latent 4 --batch 16 --steps 50 --eval-every 1 --val-sequences 4 --threads 1 --seed 2"
check() {  # name keys...
  local name=$1; shift
  [ "$(wc -l < "$TMP/two-$name/metrics.jsonl")" -eq 50 ] || fail "$name: not 50 metrics rows"
  d=$(metrics_max_diff "$TMP/one-$name/metrics.jsonl" "$TMP/two-$name/metrics.jsonl" "$@") || fail "$name: metrics differ in shape"
  echo "$name: largest per-step loss difference, 2 ranks x 8 vs 1 x 16 over 50 steps: $d nats"
  below "$d" 0.001 || fail "$name: losses differ by $d"
  cmp "$TMP/two-$name/model.safetensors" "$TMP/again-$name/model.safetensors" || fail "$name: repeated 2-rank run differs"
}
for name in series text; do
  [ $name = series ] && args=$SERIES || args=$TEXT
  "$XGRAD" $args --out "$TMP/one-$name" 2>/dev/null || fail "$name: 1 process failed"
  $MPIRUN "$XGRAD" $args --out "$TMP/two-$name" 2>"$TMP/err" || fail "$name: 2 ranks failed: $(cat "$TMP/err")"
  $MPIRUN "$XGRAD" $args --out "$TMP/again-$name" 2>/dev/null || fail "$name: 2 ranks again failed"
done
check series train_nats_per_step val_nats_per_step
check text train_nats_per_step val_nats_per_step
echo ok
