# Shared by the apps test scripts: the binary, a scratch directory, and checks.
set -u
XGRAD=${1:?usage: $0 path/to/xgrad}
DATA=/usr/share/datasets/fashion-mnist
# Scripts that do not train on images set NEEDS_FASHION_MNIST=0 before sourcing this.
if [ "${NEEDS_FASHION_MNIST:-1}" = 1 ]; then
  [ -d "$DATA" ] || { echo "FAIL: Fashion-MNIST is missing at $DATA (install dataset-fashion-mnist)"; exit 1; }
fi
CO2=/usr/lib/python3/dist-packages/statsmodels/datasets/co2/co2.csv
NILE=/usr/lib/python3/dist-packages/statsmodels/datasets/nile/nile.csv
FORTUNES=/usr/share/games/fortunes
TMP=$(mktemp -d /tmp/xgrad-apps-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export XDG_CACHE_HOME="$TMP/cache"
TINY="--limit 256 --test-limit 200 --epochs 1 --batch 32 --threads 2"
fail() { echo "FAIL: $*"; exit 1; }
# expect_error "message substring" xgrad-args...: exit != 0, exactly one stderr line, starting "xgrad: error:".
expect_error() {
  local want=$1; shift
  local err rc
  err=$("$XGRAD" "$@" 2>&1 >/dev/null); rc=$?
  [ $rc -ne 0 ] || fail "exit 0 for: $*"
  [ $rc -lt 128 ] || fail "crashed (exit $rc) for: $*"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "not one line for: $*: $err"
  case "$err" in "xgrad: error: "*"$want"*) ;; *) fail "for: $* expected '$want', got: $err";; esac
}
