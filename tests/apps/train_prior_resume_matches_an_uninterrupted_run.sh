# xgrad train-prior, interrupted mid-epoch and resumed with --resume, writes the same prior
# bytes as an uninterrupted run: the checkpoint keeps the interrupted run's options (given
# flags that differ are not used, but for --epochs, which extends a run), the batch position
# and the generator. A run folder
# without a prior checkpoint, or with another kind of checkpoint there, is refused in one line.
. "$(dirname "$0")/common.sh"
"$XGRAD" train --model vq-vae --limit 64 --test-limit 32 --epochs 1 --batch 32 --threads 2 --codes 16 --dim 8 --out "$TMP/vq" 2>"$TMP/train.err" || { cat "$TMP/train.err"; fail "train failed"; }
cp -r "$TMP/vq" "$TMP/split"
ARGS="--epochs 2 --limit 64 --test-limit 32 --batch 32 --threads 2 --seed 4"
"$XGRAD" train-prior "$TMP/vq" $ARGS 2>/dev/null || fail "straight train-prior failed"
expect_error "--resume: no checkpoint at $TMP/split/prior/checkpoint.safetensors" train-prior "$TMP/split" --resume
# 2 batches per epoch: stop after step 1 (epoch 1), then after 2 more (epoch 2, batch 1).
"$XGRAD" train-prior "$TMP/split" $ARGS --stop-after-steps 1 2>"$TMP/err1"
[ $? -eq 130 ] || fail "first stop did not exit 130: $(cat "$TMP/err1")"
grep -q "continue with xgrad train-prior $TMP/split --resume" "$TMP/err1" || fail "the stop does not say how to go on: $(cat "$TMP/err1")"
[ ! -e "$TMP/split/prior.safetensors" ] || fail "an interrupted run wrote prior.safetensors"
"$XGRAD" train-prior "$TMP/split" --resume --batch 8 --stop-after-steps 2 2>"$TMP/err2"
[ $? -eq 130 ] || fail "second stop did not exit 130: $(cat "$TMP/err2")"
step=$(checkpoint_step "$TMP/split/prior/checkpoint.safetensors")
[ "$step" -eq 3 ] || fail "the resumed run did not go on from step 1: its checkpoint is at step $step, not 3"
"$XGRAD" train-prior "$TMP/split" --resume 2>/dev/null || fail "final resume failed"
cmp "$TMP/vq/prior.safetensors" "$TMP/split/prior.safetensors" || fail "the resumed prior differs"
strip() { sed -E 's/"seconds":[^,}]*//' "$1"; }
[ "$(strip "$TMP/vq/prior/metrics.jsonl")" = "$(strip "$TMP/split/prior/metrics.jsonl")" ] || fail "prior metrics differ"
# A finished prior trained on with --resume --epochs 3 equals one trained 3 epochs straight.
"$XGRAD" train-prior "$TMP/split" --resume --epochs 3 2>/dev/null || fail "resume --epochs 3 failed"
"$XGRAD" train-prior "$TMP/vq" ${ARGS/--epochs 2/--epochs 3} 2>/dev/null || fail "straight 3 epochs failed"
cmp "$TMP/vq/prior.safetensors" "$TMP/split/prior.safetensors" || fail "the prior extended to 3 epochs differs"
cp "$TMP/vq/checkpoint.safetensors" "$TMP/split/prior/checkpoint.safetensors"
expect_error "was not written by xgrad train-prior" train-prior "$TMP/split" --resume
echo ok
