#!/usr/bin/env bash
# Builds the libFuzzer targets (clang++-14, ASan + UBSan) into build-fuzz and
# runs each for SECONDS (default 60). Fails when any target finds a crash; the
# input that caused it is left in build-fuzz/artifacts/<target>/.
# New inputs go to build-fuzz/corpus/<target>; fuzz/corpus/<target> holds the
# committed seeds and is only read. Usage: fuzz/run.sh [SECONDS]
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DXGRAD_FUZZ=ON -DXGRAD_SANITIZE=address,undefined -DXGRAD_BUILD_TESTS=OFF -DXGRAD_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target fuzz_idx fuzz_csv fuzz_safetensors fuzz_png fuzz_tabular

status=0
for target in idx csv safetensors png tabular; do
  mkdir -p "$build/corpus/$target" "$build/artifacts/$target"
  echo "== fuzz_$target for ${seconds}s"
  if ! "$build/bin/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$target/" "$build/corpus/$target" "$root/fuzz/corpus/$target"; then
    echo "fuzz_$target: FAILED, see $build/artifacts/$target/"
    status=1
  fi
done
exit $status
