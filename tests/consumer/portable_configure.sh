#!/usr/bin/env bash
# XGRAD_NATIVE=OFF is the portable build: configuring it (no compiling: the flags are
# in compile_commands.json) gives no -march=native anywhere, and the package config it
# generates says so and asks nothing beyond the compiler's default instruction sets.
set -euo pipefail
src=$1
cxx=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cmake -S "$src" -B "$tmp/b" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DXGRAD_NATIVE=OFF \
  -DXGRAD_BUILD_TESTS=OFF -DXGRAD_BUILD_BENCH=OFF >"$tmp/log" 2>&1 || fail "configure failed: $(tail -5 "$tmp/log")"
commands=$tmp/b/compile_commands.json
grep -q '"command"' "$commands" || fail "no compile commands to look at"
grep -q -- '-march=native' "$commands" && fail "-march=native in a build configured with XGRAD_NATIVE=OFF"
grep -q 'set(xgrad_NATIVE OFF)' "$tmp/b/xgradConfig.cmake" || fail "the package config does not record XGRAD_NATIVE=OFF"
grep 'xgrad_INSTRUCTION_SETS' "$tmp/b/xgradConfig.cmake" | grep -q 'AVX' && fail "a portable package asks for AVX"
echo "portable configure ok: no -march=native, package records XGRAD_NATIVE=OFF"
