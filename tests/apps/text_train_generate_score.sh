# xgrad text: train from the default corpus (fortunes) and from another text file,
# then generate (deterministic per seed, starting with the prime) and score.
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
[ -d "$FORTUNES" ] || fail "the default corpus is missing at $FORTUNES (install Debian's fortunes)"
TINY="--seq-len 16 --hidden 16 --latent 4 --batch 4 --steps 4 --eval-every 2 --val-sequences 8 --threads 2"
"$XGRAD" text train $TINY --out "$TMP/fortunes" 2>/dev/null || fail "text train on the default corpus failed"
grep -q "/usr/share/games/fortunes/" "$TMP/fortunes/config.json" || fail "config.json does not name the fortunes files"
# Another text: a licence text, not the default.
head -c 3000 /usr/share/common-licenses/GPL-3 > "$TMP/gpl.txt"
"$XGRAD" text train $TINY --corpus "$TMP/gpl.txt" --out "$TMP/gpl" 2>/dev/null || fail "text train on another file failed"
for run in fortunes gpl; do
  for f in config.json metrics.jsonl model.safetensors checkpoint.safetensors; do
    [ -s "$TMP/$run/$f" ] || fail "$run: $f missing"
  done
  [ "$(wc -l < "$TMP/$run/metrics.jsonl")" -eq 2 ] || fail "$run: metrics.jsonl should have rows for steps 2 and 4"
  for key in train_bits_per_char val_bits_per_char val_kl_per_step train_kl_per_step; do
    grep -q "\"$key\":[0-9]" "$TMP/$run/metrics.jsonl" || fail "$run: metrics.jsonl lacks a numeric $key"
  done
done
a=$("$XGRAD" text generate "$TMP/gpl" --n 40 --prime "The " --seed 3) || fail "generate failed"
b=$("$XGRAD" text generate "$TMP/gpl" --n 40 --prime "The " --seed 3) || fail "generate failed"
[ "$a" = "$b" ] || fail "generate is not deterministic for one seed"
case "$a" in "The "*) ;; *) fail "generated text does not start with the prime: $a";; esac
[ "$(printf '%s' "$a" | wc -c)" -ge 40 ] || fail "generated text is too short: $a"
out=$("$XGRAD" text score "$TMP/gpl" --corpus /usr/share/common-licenses/Apache-2.0 --k 4 --limit 8 --threads 2) || fail "score failed"
printf '%s\n' "$out" | grep -Eq '^elbo_bits_per_char [0-9]+\.[0-9]+$' || fail "score prints no ELBO: $out"
printf '%s\n' "$out" | grep -Eq '^iwae_bits_per_char [0-9]+\.[0-9]+ \(k=4\)$' || fail "score prints no IWAE bound: $out"
printf '%s\n' "$out" | grep -q '^scored 128 characters' || fail "score should cover 8 sequences of 16: $out"
# An untrained model's bits per character are near 8 (256 equally likely bytes).
elbo=$(printf '%s\n' "$out" | awk '/^elbo_bits_per_char/ {print $2}')
awk -v e="$elbo" 'BEGIN { exit !(e > 4 && e < 12) }' || fail "implausible bits per character $elbo"
"$XGRAD" text score "$TMP/fortunes" --k 2 --limit 4 --threads 2 | grep -q '^scored 64 characters of the validation split' \
  || fail "score without --corpus should use the validation split"
# --epochs counts passes: 3000 bytes -> 2700 train -> 168 sequences of 16 -> 6 batches of 32.
"$XGRAD" text train --corpus "$TMP/gpl.txt" --seq-len 16 --hidden 16 --latent 4 --batch 32 --epochs 1 --val-sequences 4 \
  --threads 2 --out "$TMP/epoch" 2>/dev/null || fail "text train --epochs failed"
tail -n 1 "$TMP/epoch/metrics.jsonl" | grep -q '"step":6,' || fail "one epoch should be 6 steps: $(tail -n 1 "$TMP/epoch/metrics.jsonl")"
echo ok
