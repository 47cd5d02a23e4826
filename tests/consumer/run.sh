#!/usr/bin/env bash
# Installs the build in $1 into a temporary prefix, then configures, builds and
# runs tests/consumer against it.
set -euo pipefail
build=$1
cxx=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$here" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$tmp/build" >/dev/null
"$tmp/build/consumer"
