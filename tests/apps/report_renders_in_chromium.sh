# The HTML report renders in headless Chromium: no console message at all (the page has
# no scripts, so any message is an error), every picture decodes, every curve has a size.
# A probe script is appended to a copy of the page to look at the rendered document; a
# deliberately broken page must be caught by the same checks, so they can fail.
. "$(dirname "$0")/common.sh"
command -v chromium >/dev/null || fail "chromium is missing (scripts/install-deps.sh installs it)"
OUT=$TMP/run
"$XGRAD" train --model vae $TINY --out "$OUT" 2>/dev/null || fail "train failed"
"$XGRAD" report "$OUT" >/dev/null || fail "report failed"

PROBE='<script>addEventListener("load", () => {
  const bad = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt);
  const flat = [...document.querySelectorAll("svg")].filter(s => { const r = s.getBoundingClientRect(); return r.width < 10 || r.height < 10; });
  bad.forEach(a => console.error("picture does not decode: " + a));
  flat.forEach(() => console.error("an SVG curve has no size"));
  document.body.dataset.probe = `images=${document.images.length} svgs=${document.querySelectorAll("svg").length} lines=${document.querySelectorAll("polyline").length}`;
});</script>'

# render FILE.html: prints the dumped DOM on stdout; console lines go to $TMP/console.
render() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --disable-background-networking --disable-extensions --disable-sync --user-data-dir="$TMP/chrome" \
    --enable-logging=stderr --v=0 --virtual-time-budget=3000 --dump-dom "file://$1" 2>"$TMP/stderr"
  grep 'CONSOLE' "$TMP/stderr" > "$TMP/console" || true
}

{ cat "$OUT/report.html"; printf '%s\n' "$PROBE"; } > "$TMP/probed.html"
render "$TMP/probed.html" > "$TMP/dom" || fail "chromium failed: $(tail -3 "$TMP/stderr")"
[ ! -s "$TMP/console" ] || fail "console messages: $(cat "$TMP/console")"
PROBED=$(grep -o 'data-probe="[^"]*"' "$TMP/dom") || fail "the probe did not run (page did not load)"
IMAGES=$(echo "$PROBED" | sed -E 's/.*images=([0-9]+).*/\1/')
LINES=$(echo "$PROBED" | sed -E 's/.*lines=([0-9]+).*/\1/')
[ "$IMAGES" -ge 2 ] || fail "expected the sample and reconstruction pictures, got $PROBED"
[ "$LINES" -ge 1 ] || fail "expected training curves, got $PROBED"

# The checks catch a broken picture and a script error.
{ echo '<!DOCTYPE html><html><body><img alt="broken" src="data:image/png;base64,AAAA"><svg></svg>'
  echo '<script>undefined_function()</script></body></html>'; printf '%s\n' "$PROBE"; } > "$TMP/broken.html"
render "$TMP/broken.html" > /dev/null
grep -q 'picture does not decode: broken' "$TMP/console" || fail "a broken picture went unnoticed"
grep -q 'undefined_function' "$TMP/console" || fail "a script error went unnoticed"
echo ok
