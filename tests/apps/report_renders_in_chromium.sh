# The HTML report renders in headless Chromium: no console message at all (the page has
# no scripts, so any message is an error), every picture decodes, every curve has a size.
# A probe script is appended to a copy of the page to look at the rendered document; a
# deliberately broken page must be caught by the same checks, so they can fail.
# Two runs: the flagship (an image VAE, evaluated, with an interpolation and a traversal)
# must show its evaluation, pictures upscaled by a whole factor, traversal rows labelled
# and units on its figures; a text run must show its curves by step and bits per character.
. "$(dirname "$0")/common.sh"
command -v chromium >/dev/null || fail "chromium is missing (scripts/install-deps.sh installs it)"
OUT=$TMP/run
"$XGRAD" train --model vae $TINY --out "$OUT" 2>/dev/null || fail "train failed"
"$XGRAD" eval "$OUT" --iwae-k 2 --n 50 --test-limit 200 --threads 2 >/dev/null 2>&1 || fail "eval failed"
"$XGRAD" interpolate "$OUT" --steps 5 --out "$OUT/interpolation.png" >/dev/null 2>&1 || fail "interpolate failed"
"$XGRAD" traverse "$OUT" --steps 5 --dims 4,0,7 --out "$OUT/traversal.png" >/dev/null 2>&1 || fail "traverse failed"
"$XGRAD" report "$OUT" >/dev/null || fail "report failed"
TEXT=$TMP/text
"$XGRAD" text train --steps 4 --eval-every 2 --hidden 16 --latent 4 --batch 4 --seq-len 16 --val-sequences 8 --threads 2 \
  --out "$TEXT" >/dev/null 2>&1 || fail "text train failed"
"$XGRAD" report "$TEXT" >/dev/null || fail "report of the text run failed"

# The probe reports what a reader sees: pictures (and the scale each is drawn at), curves,
# bars, traversal row labels, and the page's text (for the units and figures it names).
PROBE='<script>addEventListener("load", () => {
  const bad = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt);
  const flat = [...document.querySelectorAll("svg")].filter(s => { const r = s.getBoundingClientRect(); return r.width < 10 || r.height < 10; });
  bad.forEach(a => console.error("picture does not decode: " + a));
  flat.forEach(() => console.error("an SVG curve has no size"));
  const pngs = [...document.images].filter(i => i.src.startsWith("data:image/png"));
  const scales = pngs.map(i => i.getBoundingClientRect().width / i.naturalWidth);
  const labels = [...document.querySelectorAll("div")].filter(d => d.children.length === 0 && /^z \d+ · KL /.test(d.textContent)).length;
  document.body.dataset.probe = `images=${document.images.length} svgs=${document.querySelectorAll("svg").length} lines=${document.querySelectorAll("polyline").length} bars=${document.querySelectorAll("rect title").length} labels=${labels} scales=${scales.join(",")}`;
  document.body.dataset.text = document.body.innerText.replace(/\s+/g, " ");
});</script>'

# render FILE.html: prints the dumped DOM on stdout; console lines go to $TMP/console.
render() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --disable-background-networking --disable-extensions --disable-sync --user-data-dir="$TMP/chrome" \
    --enable-logging=stderr --v=0 --virtual-time-budget=3000 --dump-dom "file://$1" 2>"$TMP/stderr"
  grep 'CONSOLE' "$TMP/stderr" > "$TMP/console" || true
}
# probe REPORT NAME: renders the report with the probe; sets PROBED and leaves the page's text in $TMP/NAME.text.
probe() {
  { cat "$1"; printf '%s\n' "$PROBE"; } > "$TMP/$2.html"
  render "$TMP/$2.html" > "$TMP/$2.dom" || fail "$2: chromium failed: $(tail -3 "$TMP/stderr")"
  [ ! -s "$TMP/console" ] || fail "$2: console messages: $(cat "$TMP/console")"
  PROBED=$(grep -o 'data-probe="[^"]*"' "$TMP/$2.dom") || fail "$2: the probe did not run (page did not load)"
  grep -o 'data-text="[^"]*"' "$TMP/$2.dom" > "$TMP/$2.text"
}
field() { echo "$PROBED" | sed -E "s/.*$1=([0-9.,]*).*/\1/"; }
shows() { grep -q -- "$2" "$TMP/$1.text" || fail "$1: the page does not show '$2'"; }

probe "$OUT/report.html" image
[ "$(field images)" -ge 4 ] || fail "expected samples, reconstructions, interpolation and traversal, got $PROBED"
[ "$(field lines)" -ge 2 ] || fail "expected train and test curves, got $PROBED"
[ "$(field bars)" -eq 20 ] || fail "expected a bar of KL for each of the 20 latent dimensions, got $PROBED"
[ "$(field labels)" -eq 3 ] || fail "expected the 3 traversal rows labelled with dimension and KL, got $PROBED"
for s in $(field scales | tr ',' ' '); do  # every picture drawn at a whole factor of 2 or more
  awk -v s="$s" 'BEGIN { exit !(s >= 2 && s == int(s)) }' || fail "a picture is drawn at scale $s, not upscaled by a whole factor"
done
shows image "−ELBO (nats per image)"
shows image "IWAE log-likelihood bound"
shows image "of 20 dimensions"
shows image "KL (nats)"
shows image "latent dimension"
shows image "z 4 · KL"
grep -q "kl_schedule" "$TMP/image.text" && fail "image: the report lists the unused kl_schedule option"

probe "$TEXT/report.html" text
[ "$(field lines)" -ge 5 ] || fail "text: expected the nats, KL and bits-per-character curves, got $PROBED"
shows text "bits per character"
shows text "nats per character"
shows text "training step"
grep -q "components" "$TMP/text.text" && fail "text: the report lists the mixture size of a model without a mixture"

# The checks catch a broken picture and a script error.
{ echo '<!DOCTYPE html><html><body><img alt="broken" src="data:image/png;base64,AAAA"><svg></svg>'
  echo '<script>undefined_function()</script></body></html>'; printf '%s\n' "$PROBE"; } > "$TMP/broken.html"
render "$TMP/broken.html" > /dev/null
grep -q 'picture does not decode: broken' "$TMP/console" || fail "a broken picture went unnoticed"
grep -q 'undefined_function' "$TMP/console" || fail "a script error went unnoticed"
echo ok
