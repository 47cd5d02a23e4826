# mpirun -np 2 xgrad train with --batch 128 (64 rows a rank) gives the losses of one process
# with batch 128, step by step for 50 steps (an epoch of one batch each), for the VAE;
# a repeated 2-rank run gives the same bits; only rank 0 writes.
. "$(dirname "$0")/common.sh"
need_mpirun
ARGS="--limit 128 --test-limit 64 --epochs 50 --batch 128 --threads 1 --seed 3"
for model in vae; do  # the AAE differs by up to 1.5 nats: not yet equivalent (see the report)
  "$XGRAD" train --model $model $ARGS --out "$TMP/one-$model" 2>/dev/null || fail "$model: 1 process failed"
  $MPIRUN "$XGRAD" train --model $model $ARGS --out "$TMP/two-$model" 2>"$TMP/err" || fail "$model: 2 ranks failed: $(cat "$TMP/err")"
  $MPIRUN "$XGRAD" train --model $model $ARGS --out "$TMP/again-$model" 2>/dev/null || fail "$model: 2 ranks again failed"
  [ "$(wc -l < "$TMP/two-$model/metrics.jsonl")" -eq 50 ] || fail "$model: not 50 metrics rows"
  d=$(metrics_max_diff "$TMP/one-$model/metrics.jsonl" "$TMP/two-$model/metrics.jsonl" train_loss test_loss) || fail "$model: metrics differ in shape"
  echo "$model: largest loss difference, 2 ranks x 64 vs 1 x 128 over 50 steps: $d nats"
  below "$d" 0.01 || fail "$model: losses differ by $d"
  cmp "$TMP/two-$model/model.safetensors" "$TMP/again-$model/model.safetensors" || fail "$model: repeated 2-rank run differs"
  again=$(metrics_max_diff "$TMP/two-$model/metrics.jsonl" "$TMP/again-$model/metrics.jsonl" train_loss test_loss)
  [ "$again" = 0.0 ] || fail "$model: repeated 2-rank run's losses differ by $again"
  [ "$(grep -c "trained $model" "$TMP/err")" -eq 1 ] || fail "$model: expected one summary line (rank 0): $(cat "$TMP/err")"
done
echo ok
