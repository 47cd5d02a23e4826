# xgrad series: train from the default (co2) and from another numeric CSV (nile),
# then forecast (CSV with median and 5-95% band, SVG plot, coverage of held-out
# values) and anomaly scores (CSV and plot).
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
[ -f "$CO2" ] || fail "the default series is missing at $CO2 (install python3-statsmodels)"
[ -f "$NILE" ] || fail "$NILE is missing (install python3-statsmodels)"
TINY="--hidden 16 --latent 4 --batch 8 --steps 4 --eval-every 2 --threads 2"
"$XGRAD" series train $TINY --window 16 --holdout 20 --out "$TMP/co2" 2>/dev/null || fail "series train on co2 failed"
"$XGRAD" series train $TINY --csv "$NILE" --column volume --window 12 --likelihood gmm --rnn lstm --out "$TMP/nile" 2>/dev/null \
  || fail "series train on nile failed"
for run in co2 nile; do
  for f in config.json metrics.jsonl model.safetensors checkpoint.safetensors; do
    [ -s "$TMP/$run/$f" ] || fail "$run: $f missing"
  done
  grep -q '"val_nats_per_step":' "$TMP/$run/metrics.jsonl" || fail "$run: no validation figure in metrics.jsonl"
  grep -q '"normalization"' "$TMP/$run/config.json" || fail "$run: the normalisation is not stored"
done
# By default a trending series (co2) is differenced and a level one (nile) is not.
grep -q '"difference": true' "$TMP/co2/config.json" || fail "co2 should be differenced by default"
grep -q '"difference": false' "$TMP/nile/config.json" || fail "nile should not be differenced by default"
"$XGRAD" series train $TINY --window 16 --no-difference --out "$TMP/levels" 2>/dev/null || fail "--no-difference train failed"
grep -q '"difference": false' "$TMP/levels/config.json" || fail "--no-difference is not recorded"
out=$("$XGRAD" series forecast "$TMP/co2" --horizon 20 --samples 16 --threads 2) || fail "forecast failed"
printf '%s\n' "$out" | grep -Eq '^coverage [0-9.]+: the 5-95% band holds [0-9]+ of 20 held-out values$' || fail "no coverage line: $out"
head -n 1 "$TMP/co2/forecast.csv" | grep -qx 't,median,p05,p95,actual' || fail "forecast.csv header"
[ "$(wc -l < "$TMP/co2/forecast.csv")" -eq 21 ] || fail "forecast.csv should have 20 rows"
# Every row: p05 <= median <= p95, in ppm (not normalised), t continuing the training part.
awk -F, 'NR > 1 && !($3 <= $2 && $2 <= $4 && $2 > 200 && $2 < 500) { bad = 1 } END { exit bad }' "$TMP/co2/forecast.csv" \
  || fail "forecast.csv rows are not ordered quantiles in ppm"
sed -n 2p "$TMP/co2/forecast.csv" | grep -q '^2264,' || fail "the forecast should start at t=2264 (2284 values, 20 held out)"
grep -q '<svg' "$TMP/co2/forecast.svg" && grep -q '<polygon' "$TMP/co2/forecast.svg" || fail "forecast.svg has no band"
# The plots use the series' own time axis: co2's date column (the last 80 weeks to the
# end of 2001, ticked by month), not row numbers; the axis says what it is.
grep -q '>2001-07<' "$TMP/co2/forecast.svg" && grep -q '>date<' "$TMP/co2/forecast.svg" \
  || fail "forecast.svg is not drawn against co2's dates: $(grep -o '>[0-9-]*<' "$TMP/co2/forecast.svg" | tr '\n' ' ')"
grep -q '>2264<\|>2200<' "$TMP/co2/forecast.svg" && fail "forecast.svg still ticks row numbers"
"$XGRAD" series forecast "$TMP/nile" --horizon 5 --samples 8 --out "$TMP/nile-fc" >/dev/null || fail "nile forecast failed"
[ "$(wc -l < "$TMP/nile-fc/forecast.csv")" -eq 6 ] || fail "nile forecast.csv should have 5 rows"
out=$("$XGRAD" series anomaly "$TMP/co2" --k 2 --top 5 --threads 2) || fail "anomaly failed"
printf '%s\n' "$out" | grep -Eq '^top 5:( [0-9]+){5}$' || fail "anomaly prints no top 5: $out"
head -n 1 "$TMP/co2/anomaly.csv" | grep -qx 't,value,score' || fail "anomaly.csv header"
[ "$(wc -l < "$TMP/co2/anomaly.csv")" -eq 2285 ] || fail "anomaly.csv should score all 2284 steps"
[ "$(grep -c '<circle' "$TMP/co2/anomaly.svg")" -eq 5 ] || fail "anomaly.svg should mark 5 points"
grep -q '>1960<' "$TMP/co2/anomaly.svg" && grep -q '>2000<' "$TMP/co2/anomaly.svg" || fail "anomaly.svg is not drawn against years"
# A year and a quarter column (statsmodels' macrodata) make the axis too.
MACRO=/usr/lib/python3/dist-packages/statsmodels/datasets/macrodata/macrodata.csv
"$XGRAD" series train $TINY --csv "$MACRO" --column realgdp --window 8 --out "$TMP/macro" 2>/dev/null || fail "series train on macrodata failed"
"$XGRAD" series forecast "$TMP/macro" --horizon 8 --samples 8 >/dev/null || fail "macrodata forecast failed"
grep -q '>2008<' "$TMP/macro/forecast.svg" && grep -q '>year, quarter<' "$TMP/macro/forecast.svg" \
  || fail "macrodata's forecast is not drawn against its years and quarters"
"$XGRAD" series anomaly "$TMP/co2" --csv "$NILE" --column volume --k 2 --out "$TMP/nile-an" >/dev/null || fail "anomaly on another CSV failed"
[ "$(wc -l < "$TMP/nile-an/anomaly.csv")" -eq 101 ] || fail "nile anomaly.csv should have 100 rows"
# --difference models the changes: forecasts are summed back into ppm, the first step has no score.
"$XGRAD" series train $TINY --window 16 --holdout 10 --difference --out "$TMP/diff" 2>/dev/null || fail "--difference train failed"
grep -q '"difference": true' "$TMP/diff/config.json" || fail "config.json does not record --difference"
"$XGRAD" series forecast "$TMP/diff" --horizon 10 --samples 16 >/dev/null || fail "--difference forecast failed"
awk -F, 'NR > 1 && !($3 <= $2 && $2 <= $4 && $2 > 300 && $2 < 450) { bad = 1 } END { exit bad }' "$TMP/diff/forecast.csv" \
  || fail "a differenced forecast should be summed back into ppm"
"$XGRAD" series anomaly "$TMP/diff" --k 2 >/dev/null || fail "--difference anomaly failed"
sed -n 2p "$TMP/diff/anomaly.csv" | grep -qx '0,316.1,' || fail "the first step of a differenced model has no score"
sed -n 3p "$TMP/diff/anomaly.csv" | grep -Eq '^1,317.3,-?[0-9]' || fail "the second step should have a score"
echo ok
