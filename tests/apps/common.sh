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
# checkpoint_step FILE: the training step a checkpoint was written at (its "progress" metadata).
checkpoint_step() {
  python3 - "$1" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    meta = json.loads(f.read(n))["__metadata__"]
print(int(json.loads(meta["progress"])["step"]))
PY
}
# wait_for_file FILE PID: until FILE exists and is not empty (fails after 60 s, or when PID ends first).
wait_for_file() {
  local i
  for i in $(seq 1 1200); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || fail "process $2 ended before writing $1"
    sleep 0.05
  done
  fail "no $1 after 60 s"
}
# interrupt PID: sends SIGINT and waits up to 60 s for PID to end (a background process of a
# script starts with SIGINT ignored: without its own handler it would run on), failing if it
# does not; the caller then reaps it with `wait PID` for its exit code.
interrupt() {
  local i
  kill -INT "$1"
  for i in $(seq 1 120); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.5; done
  fail "process $1 still running 60 s after SIGINT"
}
# interrupt_once_written FILE ERR CMD...: runs CMD in the background (its stderr to ERR), sends it
# SIGINT once FILE is on disk (interrupt), reaps it and sets RC to its exit code. A failed
# check on the way kills it rather than leaving it running.
interrupt_once_written() {
  local file=$1 err=$2 pid
  shift 2
  "$@" 2>"$err" &
  pid=$!
  trap "kill -9 $pid 2>/dev/null; rm -rf '$TMP'" EXIT
  wait_for_file "$file" $pid
  interrupt $pid
  RC=0
  wait $pid || RC=$?
  trap 'rm -rf "$TMP"' EXIT  # reaped: its PID may be reused
}
# MPI: 2 ranks on this machine, as root if need be, over TCP (the transport between machines).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
MPIRUN="mpirun -np 2 --oversubscribe --mca btl tcp,self"
need_mpirun() { command -v mpirun >/dev/null || fail "mpirun is missing (install openmpi-bin)"; }
# metrics_max_diff A B KEY...: the largest |a - b| over the rows of two metrics.jsonl and the keys; fails when the rows differ in number.
metrics_max_diff() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
a, b = ([json.loads(l) for l in open(p)] for p in sys.argv[1:3])
assert len(a) == len(b) and a, f"{len(a)} rows against {len(b)}"
print(max(abs(x[k] - y[k]) for x, y in zip(a, b) for k in sys.argv[3:]))
PY
}
# below VALUE LIMIT: VALUE < LIMIT
below() { /usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$1" "$2"; }
