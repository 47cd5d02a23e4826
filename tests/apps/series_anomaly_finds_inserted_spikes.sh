# Five spikes inserted into co2 (+-8 ppm, where the weekly noise is well under 1 ppm)
# are all among the ten highest anomaly scores of a VRNN trained on the spiked series.
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
[ -f "$CO2" ] || fail "the co2 series is missing at $CO2 (install python3-statsmodels)"
SPIKES="300 700 1100 1500 1900"
awk -F, -v OFS=, -v spikes="$SPIKES" '
  BEGIN { n = split(spikes, s, " "); for (i = 1; i <= n; ++i) at[s[i] + 2] = (i % 2 ? 8 : -8) }
  (NR in at) { if ($2 == "") { print "spike on an empty cell at line " NR > "/dev/stderr"; exit 1 } $2 = $2 + at[NR] }
  { print }' "$CO2" > "$TMP/spiked.csv" || fail "could not write the spiked series"
"$XGRAD" series train --csv "$TMP/spiked.csv" --column co2 --window 32 --hidden 32 --latent 8 --batch 16 \
  --steps 300 --eval-every 300 --seed 1 --threads 2 --out "$TMP/run" 2>/dev/null || fail "training failed"
out=$("$XGRAD" series anomaly "$TMP/run" --k 4 --top 10 --threads 2) || fail "anomaly failed"
top=$(printf '%s\n' "$out" | sed -n 's/^top 10://p')
[ -n "$top" ] || fail "no top 10 in: $out"
for t in $SPIKES; do
  case " $top " in *" $t "*) ;; *) fail "spike at t=$t is not in the top 10 anomaly scores:$top";; esac
done
echo "top 10:$top"
echo ok
