# A small VRNN on co2 with the default settings (which model the weekly changes: co2 trends),
# trained without the final year, forecasts it:
# the 5-95% band covers at least 80% of the held-out 52 weeks, and is sharp enough to
# mean something (mean width under 8 ppm; the series spans ~57 ppm, a season ~6 ppm).
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
[ -f "$CO2" ] || fail "the co2 series is missing at $CO2 (install python3-statsmodels)"
"$XGRAD" series train --holdout 52 --window 64 --hidden 32 --latent 8 --batch 32 --steps 400 \
  --eval-every 400 --seed 1 --threads 2 --out "$TMP/run" 2>"$TMP/err" || fail "training failed"
grep -q "^series: modelling the changes between values (a linear trend explains 9[0-9]% of the variance" "$TMP/err" \
  || fail "co2 should be differenced by default, saying so: $(head -2 "$TMP/err")"
out=$("$XGRAD" series forecast "$TMP/run" --horizon 52 --samples 200 --seed 1 --threads 2) || fail "forecast failed"
cov=$(printf '%s\n' "$out" | sed -n 's/^coverage \([0-9.]*\):.*/\1/p')
[ -n "$cov" ] || fail "no coverage line in: $out"
awk -v c="$cov" 'BEGIN { exit !(c >= 0.8) }' || fail "the band covers $cov of the held-out year (want >= 0.8)"
width=$(awk -F, 'NR > 1 { w += $4 - $3; n++ } END { print w / n }' "$TMP/run/forecast.csv")
awk -v w="$width" 'BEGIN { exit !(w > 0 && w < 8) }' || fail "mean band width $width ppm (want under 8)"
echo "coverage $cov, mean band width $width ppm"
echo ok
