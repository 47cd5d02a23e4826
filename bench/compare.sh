#!/usr/bin/env bash
# Side-by-side: one training step of each model in xgrad and in PyTorch (Debian's
# python3-torch), run alternately in one session with the same thread count and
# the same OpenBLAS kernels. Prints a table of medians and the ratio
# PyTorch / xgrad, and writes it to bench/results/compare-<date>.md.
#
#   bench/compare.sh [--reps N] [--threads T] [--filter REGEX]
#
# BLAS settings: both processes get OPENBLAS_CORETYPE=SkylakeX (OpenBLAS 0.3.21
# otherwise picks slow generic kernels on this CPU; xgrad would set it itself).
# PyTorch runs with OPENBLAS_NUM_THREADS=1 and torch.set_num_threads(T) — its
# fastest setting here (shared/FACTS.md); xgrad runs with core::set_num_threads(T),
# which gives T threads to both TBB and OpenBLAS.
set -euo pipefail
cd "$(dirname "$0")/.."

reps=5
threads=2
filter='BM_'
while (($#)); do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

bench=build/bin/xgrad_bench_models
[[ -x $bench ]] || { echo "compare.sh: $bench not found; run 'make build' first" >&2; exit 1; }
[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import torch' 2>/dev/null ||
  { echo "compare.sh: Debian's python3-torch is needed (scripts/install-deps.sh --with-torch)" >&2; exit 1; }

export OPENBLAS_CORETYPE=SkylakeX XGRAD_BENCH_THREADS=$threads
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ((r = 1; r <= reps; r++)); do
  echo "compare: repetition $r/$reps" >&2
  "$bench" --benchmark_filter="$filter" --benchmark_format=json --benchmark_min_time=1 >"$tmp/xgrad-$r.json"
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/models.py --bench --filter "$filter" >"$tmp/torch-$r.txt"
done

out=bench/results/compare-$(date +%Y-%m-%d).md
{
  python3 bench/compare_table.py "$tmp" "$threads"
  # Other work on the machine distorts both sides, unevenly (spinning thread pools
  # suffer most): the load average says whether a run was quiet (< 1 on 2 cores).
  echo
  echo "Load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$out"
echo "compare: table written to $out" >&2
