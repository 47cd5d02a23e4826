# Every error a user can cause: one line "xgrad: error: ...", non-zero exit, no crash,
# and no good file replaced by a broken one.
. "$(dirname "$0")/common.sh"
expect_error "data directory $TMP/nope does not exist" train --model vae $TINY --data "$TMP/nope" --out "$TMP/a"
expect_error "unknown model 'gan' (choose from vae, conv-vae, cvae, beta-vae, aae, factor-vae, beta-tcvae, ae, dae, dvae, vq-vae, hvae)" train --model gan --out "$TMP/a"
expect_error "unknown sampling 'xx' (choose from mws, mss)" train --model beta-tcvae --sampling xx --out "$TMP/a"
expect_error "--batch must be positive (got 0)" train --model vae --batch 0 --out "$TMP/a"
expect_error "--epochs must be positive (got -1)" train --model vae --epochs -1 --out "$TMP/a"
expect_error "latent must be positive (got 0)" train --model vae --latent 0 $TINY --out "$TMP/a"
touch "$TMP/file"
expect_error "cannot create output directory $TMP/file/out" train --model vae $TINY --out "$TMP/file/out"
expect_error "--resume: no checkpoint at $TMP/empty/checkpoint.safetensors" train --model vae $TINY --out "$TMP/empty" --resume
expect_error "run directory $TMP/none does not exist" eval "$TMP/none"
expect_error "The following argument was not expected" train --model vae --bogus
expect_error "model 'vae' has no option 'beta'" train --model vae --beta 3 $TINY --out "$TMP/a"
expect_error "capacity and kl_schedule cannot be combined" train --model beta-vae --capacity 5 --kl-schedule linear:10 $TINY --out "$TMP/a"
expect_error "iwae_k > 1 trains on the IWAE bound, which takes no kl_schedule" train --model vae --iwae-k 4 --kl-schedule linear:10 $TINY --out "$TMP/a"
# Training on the IWAE bound goes through the same program (the option is stored with the model).
"$XGRAD" train --model vae --iwae-k 3 $TINY --out "$TMP/iwae" 2>/dev/null || fail "train --iwae-k 3 failed"
grep -q '"iwae_k": 3' "$TMP/iwae/config.json" || fail "config.json does not record iwae_k"
# A trained run for the remaining cases.
"$XGRAD" train --model vae $TINY --out "$TMP/vae" 2>/dev/null || fail "train failed"
cp "$TMP/vae/model.safetensors" "$TMP/good.safetensors"
expect_error "is a checkpoint of model 'vae', not 'cvae'" train --model cvae $TINY --out "$TMP/vae" --resume
expect_error "--label needs a conditional model" sample "$TMP/vae" --label 3 --out "$TMP/x.png"
expect_error "--label must be in 0..9 (got 12)" sample "$TMP/vae" --label 12 --out "$TMP/x.png"
expect_error "--n must be positive (got 0)" sample "$TMP/vae" --n 0 --out "$TMP/x.png"
expect_error "unknown --metric-sizes 'big' (choose from quick, study)" eval "$TMP/vae" --metric-sizes big
expect_error "--steps must be at least 2 (got 1)" interpolate "$TMP/vae" --steps 1 --out "$TMP/x.png"
expect_error "--from must be in 0..9999 (got 10000)" interpolate "$TMP/vae" --from 10000 --out "$TMP/x.png"
expect_error "cannot write $TMP/no/dir/x.png: directory $TMP/no/dir does not exist" sample "$TMP/vae" --out "$TMP/no/dir/x.png"
# Malformed files.
printf 'garbage' > "$TMP/vae/checkpoint.safetensors"
expect_error "$TMP/vae/checkpoint.safetensors" train --model vae $TINY --out "$TMP/vae" --resume
cmp "$TMP/vae/model.safetensors" "$TMP/good.safetensors" || fail "a failed resume replaced model.safetensors"
head -c 100 "$TMP/good.safetensors" > "$TMP/vae/model.safetensors"
expect_error "$TMP/vae/model.safetensors" eval "$TMP/vae"
echo '{"model": 3' > "$TMP/vae/config.json"
expect_error "$TMP/vae/config.json: malformed config" sample "$TMP/vae" --out "$TMP/x.png"
echo ok
