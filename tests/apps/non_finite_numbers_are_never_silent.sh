# A diverging run, a damaged checkpoint and values near the float range: each ends
# with one line naming what went wrong, and no NaN ever reaches a model file.
. "$(dirname "$0")/common.sh"
# expect_nonfinite "substring" args...: like expect_error, for the training-diverged line.
expect_nonfinite() {
  local want=$1; shift
  expect_error "$want" "$@"
}
# Images: a good run first, then a diverging run into the same folder keeps its files.
"$XGRAD" train --model vae $TINY --out "$TMP/vae" 2>/dev/null || fail "train failed"
cp "$TMP/vae/model.safetensors" "$TMP/good-model"; cp "$TMP/vae/checkpoint.safetensors" "$TMP/good-ckpt"
expect_nonfinite "step 2: the training loss term 'loss' is" train --model vae $TINY --lr 1e10 --out "$TMP/vae"
cmp -s "$TMP/vae/model.safetensors" "$TMP/good-model" || fail "a diverging run replaced the last good model"
cmp -s "$TMP/vae/checkpoint.safetensors" "$TMP/good-ckpt" || fail "a diverging run replaced the last good checkpoint"
expect_nonfinite "the training loss term" train --model cvae $TINY --lr 1e10 --out "$TMP/cvae"
[ ! -e "$TMP/cvae/model.safetensors" ] || fail "a run that diverged in its first epoch wrote a model file"

# A checkpoint damaged in its middle (64 bytes of 0xFF are NaNs) is refused, naming the tensor.
size=$(stat -c %s "$TMP/vae/checkpoint.safetensors")
head -c 64 /dev/zero | tr '\0' '\377' | dd of="$TMP/vae/checkpoint.safetensors" bs=1 seek=$((size / 2)) conv=notrunc status=none
expect_error "holds NaN or Inf; the file is damaged, refusing to resume from it" \
  train --model vae --limit 256 --test-limit 200 --batch 32 --threads 2 --epochs 2 --out "$TMP/vae" --resume
cp "$TMP/good-model" "$TMP/vae/model.safetensors"
size=$(stat -c %s "$TMP/vae/model.safetensors")
head -c 64 /dev/zero | tr '\0' '\377' | dd of="$TMP/vae/model.safetensors" bs=1 seek=$((size / 2)) conv=notrunc status=none
expect_error "holds NaN or Inf; the file is damaged" eval "$TMP/vae"

# Text and series diverge the same way.
expect_nonfinite "the training loss term" text train --corpus /usr/share/common-licenses/GPL-3 --seq-len 16 --hidden 16 \
  --latent 4 --batch 8 --steps 20 --lr 1e10 --val-sequences 4 --out "$TMP/text"
[ ! -e "$TMP/text/model.safetensors" ] || fail "a diverged text run wrote a model file"
expect_nonfinite "the training loss term" series train --difference --window 16 --hidden 16 --latent 4 --batch 8 --steps 20 --lr 1e10 \
  --out "$TMP/series"
[ ! -e "$TMP/series/model.safetensors" ] || fail "a diverged series run wrote a model file"

# Values near the end of double's range: normalised in double, so training and forecasting work.
printf 'v\n' > "$TMP/huge.csv"
for i in $(seq 1 60); do echo "1.$(( (i * 37) % 8 ))e308" >> "$TMP/huge.csv"; done
"$XGRAD" series train --csv "$TMP/huge.csv" --column v --no-difference --window 8 --hidden 8 --latent 2 --batch 4 \
  --steps 3 --out "$TMP/huge" 2>/dev/null || fail "a series of values near 1e308 did not train"
grep -q '"mean": 1\.' "$TMP/huge/config.json" || fail "the normalisation of a 1e308 series was not stored as a number"
"$XGRAD" series forecast "$TMP/huge" --horizon 4 --samples 8 >/dev/null 2>&1 || fail "forecast of a 1e308 series failed"
# Changes of a series swinging between +-1.7e308 leave double's range: refused, naming the line.
printf 'v\n' > "$TMP/swing.csv"
for i in $(seq 1 30); do echo "1.7e308" >> "$TMP/swing.csv"; echo "-1.7e308" >> "$TMP/swing.csv"; done
expect_error "line 3: the change from 1.7e+308 to -1.7e+308 is beyond double's range" \
  series train --csv "$TMP/swing.csv" --column v --difference --window 8 --out "$TMP/swing"
# New data far outside what the run was normalised on: refused, naming the line.
printf 'v\n' > "$TMP/small.csv"; for i in $(seq 1 40); do echo "$i" >> "$TMP/small.csv"; done
"$XGRAD" series train --csv "$TMP/small.csv" --column v --no-difference --window 8 --hidden 8 --latent 2 --batch 4 \
  --steps 1 --out "$TMP/small" 2>/dev/null || fail "tiny series train failed"
cp "$TMP/small.csv" "$TMP/far.csv"; echo "1e300" >> "$TMP/far.csv"
expect_error "line 42: 1e+300 is" series anomaly "$TMP/small" --csv "$TMP/far.csv" --column v
# Tabular rows: the 21-row file's split puts data row 2 among the test rows. Standardised
# with the training rows' mean and std, 2.9e38 in a 0/1 column is beyond float: refused.
{ echo a,big; echo 0,0; echo 3,2.9e38; for i in $(seq 2 19); do echo "$((i % 3)),$((i % 2))"; done; } > "$TMP/far_rows.csv"
expect_error "data row 2: column 'big': 2.9e+38 is 5.8e+38 standard deviations" \
  train --data "$TMP/far_rows.csv" --model vae --epochs 1 --out "$TMP/far_rows"
# 2.67e38 in a column of 0..4 standardises within float, but its loss is infinite: the run
# says so (metrics.jsonl holds null) instead of failing on reading its own metrics.
{ echo a,big; echo 0,0; echo 3,2.67e38; for i in $(seq 2 19); do echo "$((i % 3)),$((i % 5))"; done; } > "$TMP/inf_loss.csv"
"$XGRAD" train --data "$TMP/inf_loss.csv" --model vae --epochs 1 --out "$TMP/inf_loss" 2> "$TMP/inf_loss.err" ||
  fail "a run with an infinite test loss failed: $(tail -1 "$TMP/inf_loss.err")"
grep -q "test loss not finite" "$TMP/inf_loss.err" || fail "the infinite test loss was not reported: $(tail -1 "$TMP/inf_loss.err")"
grep -q '"test_loss":null' "$TMP/inf_loss/metrics.jsonl" || fail "metrics.jsonl does not hold the infinite test loss as null"
"$XGRAD" report "$TMP/inf_loss" >/dev/null 2>&1 || fail "report failed on a run with an infinite test loss"
echo ok
