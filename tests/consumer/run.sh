#!/usr/bin/env bash
# Installs the build in $1 into a temporary prefix, then checks the package as a user
# meets it: tests/consumer and examples/user_vae (neither sets a C++ standard) build
# against it and run, bin/xgrad is installed and runs, and a package built with
# -march=native refuses, at configure time, a machine whose CPU lacks what it needs.
set -euo pipefail
build=$1
cxx=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

# The program is part of the package.
[ -x "$prefix/bin/xgrad" ] || fail "cmake --install did not install bin/xgrad"
"$prefix/bin/xgrad" --version >/dev/null || fail "the installed xgrad does not run"

# configure_and_build SOURCE BUILD: a user's project against the prefix.
configure_and_build() {
  cmake -S "$1" -B "$2" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" >"$2.log" 2>&1 \
    || fail "configuring $1 failed: $(tail -5 "$2.log")"
  cmake --build "$2" >>"$2.log" 2>&1 || fail "building $1 failed: $(grep -m3 error "$2.log")"
}
configure_and_build "$here" "$tmp/consumer"
"$tmp/consumer/consumer"
configure_and_build "$root/examples/user_vae" "$tmp/user_vae"
"$tmp/user_vae/user_vae" --limit 1024 --epochs 2 --out "$tmp/user_vae_run" || fail "examples/user_vae did not learn"
[ -s "$tmp/user_vae_run/metrics.jsonl" ] || fail "examples/user_vae wrote no metrics"

# A native package on a CPU without one of its instruction sets: pretend the build
# machine had one that no CPU has, and the consumer's configure must stop with a reason.
config=$prefix/lib/cmake/xgrad/xgradConfig.cmake
[ -f "$config" ] || config=$(find "$prefix" -name xgradConfig.cmake | head -1)
if grep -q 'set(xgrad_NATIVE ON)' "$config"; then
  sed -i 's/set(xgrad_INSTRUCTION_SETS "/set(xgrad_INSTRUCTION_SETS "__NO_SUCH_ISA__;/' "$config"
  if cmake -S "$here" -B "$tmp/foreign" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" >"$tmp/foreign.log" 2>&1; then
    fail "a native package configured on a CPU lacking __NO_SUCH_ISA__"
  fi
  grep -q "lacks" "$tmp/foreign.log" || fail "the CPU check failed without its reason: $(tail -5 "$tmp/foreign.log")"
fi
echo "package ok: consumer, examples/user_vae and bin/xgrad against the installed package"
