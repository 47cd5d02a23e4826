# xgrad text and series with the Transformers: train transformer-vae and transformer on a
# small text, generate with top-k / top-p (deterministic per seed), score, interpolate; train
# on co2 and forecast and score anomalies. Tiny sizes: this checks the wiring, not quality.
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
[ -f "$CO2" ] || fail "the default series is missing at $CO2 (install python3-statsmodels)"
head -c 3000 /usr/share/common-licenses/GPL-3 > "$TMP/gpl.txt"
TINY="--hidden 8 --heads 2 --layers 1 --latent 3 --batch 4 --steps 3 --eval-every 3 --threads 2"
for m in transformer-vae transformer; do
  "$XGRAD" text train $TINY --model $m --seq-len 12 --val-sequences 4 --corpus "$TMP/gpl.txt" --out "$TMP/$m" 2>/dev/null \
    || fail "text train --model $m failed"
  grep -q '"val_bits_per_char":[0-9]' "$TMP/$m/metrics.jsonl" || fail "$m: no validation bits per char"
  a=$("$XGRAD" text generate "$TMP/$m" --n 30 --prime "The " --top-k 5 --top-p 0.9 --temperature 0.8 --seed 2) || fail "$m: generate failed"
  b=$("$XGRAD" text generate "$TMP/$m" --n 30 --prime "The " --top-k 5 --top-p 0.9 --temperature 0.8 --seed 2) || fail "$m: generate failed"
  [ "$a" = "$b" ] || fail "$m: generate is not deterministic for one seed"
  case "$a" in "The "*) ;; *) fail "$m: generated text does not start with the prime: $a";; esac
  out=$("$XGRAD" text score "$TMP/$m" --k 2 --limit 4) || fail "$m: score failed"
  printf '%s\n' "$out" | grep -Eq '^iwae_bits_per_char [0-9]+\.[0-9]+ \(k=2\)$' || fail "$m: score prints no IWAE bound: $out"
done
grep -q '"z_input": "add"' "$TMP/transformer-vae/config.json" || fail "config.json does not record how z enters"
out=$("$XGRAD" text interpolate "$TMP/transformer-vae" --from "the GNU" --to "License" --steps 4) || fail "interpolate failed"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 4 ] || fail "interpolate should print 4 lines: $out"
printf '%s\n' "$out" | head -n 1 | grep -q '^0.000  ' || fail "interpolate's first line is not t = 0: $out"
expect_error "holds a transformer run, which has no latent code to interpolate" \
  text interpolate "$TMP/transformer" --from a --to b
expect_error "--top-p must be in (0, 1] (got 1.5)" text generate "$TMP/transformer" --top-p 1.5
expect_error "--from has 20 bytes, more than the run's sequence length 12" \
  text interpolate "$TMP/transformer-vae" --from "twenty bytes of text" --to b
expect_error "unknown --z-input 'memory' (choose from add, prefix)" text train --model transformer-vae --z-input memory --out "$TMP/x"
"$XGRAD" series train $TINY --model transformer-vae --window 16 --holdout 20 --out "$TMP/co2" 2>/dev/null || fail "series train failed"
out=$("$XGRAD" series forecast "$TMP/co2" --horizon 20 --samples 8 --threads 2) || fail "forecast failed"
printf '%s\n' "$out" | grep -Eq '^coverage [0-9.]+: the 5-95% band holds [0-9]+ of 20 held-out values$' || fail "no coverage line: $out"
"$XGRAD" series anomaly "$TMP/co2" --k 2 --top 3 --threads 2 >/dev/null || fail "anomaly failed"
[ -s "$TMP/co2/anomaly.csv" ] || fail "anomaly.csv missing"
echo ok
