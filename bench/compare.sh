#!/usr/bin/env bash
# Side-by-side: one training step of each model in xgrad and in PyTorch, run
# alternately in one session with the same thread count: in each repetition, xgrad's
# steps of one PyTorch script (bench/pytorch/models.py --groups) run right before that
# script under each reference, so the two sides of a ratio are measured close in time
# (this machine's speed drifts by up to ~40 % over minutes); xgrad's steps with no twin
# run last. PyTorch runs as up to three
# references: Debian's python3-torch 1.13.1 (eager), and, when bench/install-torch.sh
# has installed it, the current PyTorch from the Python package index, eager and
# through torch.compile. Prints a table of medians with the ratio of the fastest
# reference to xgrad (and Debian's alone), and writes it to
# bench/results/compare-<date>.md (compare-<date>-2.md and on when that exists).
#
#   bench/compare.sh [--reps N] [--threads T] [--filter REGEX] [--no-compile]
#
# BLAS settings: every process gets OPENBLAS_CORETYPE=SkylakeX (OpenBLAS 0.3.21
# otherwise picks slow generic kernels on this CPU; xgrad would set it itself).
# Debian's PyTorch runs with OPENBLAS_NUM_THREADS=1 and torch.set_num_threads(T) —
# its fastest setting here (shared/FACTS.md); the index's wheel brings its own BLAS
# (MKL) and gets torch.set_num_threads(T); xgrad runs with core::set_num_threads(T),
# which gives T threads to both TBB and OpenBLAS.
set -euo pipefail
cd "$(dirname "$0")/.."

reps=5
threads=2
filter='BM_'
compile=1
while (($#)); do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --no-compile) compile=0; shift ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

bench=build/bin/xgrad_bench_models
[[ -x $bench ]] || { echo "compare.sh: $bench not found; run 'make build' first" >&2; exit 1; }
[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import torch' 2>/dev/null ||
  { echo "compare.sh: Debian's python3-torch is needed (scripts/install-deps.sh --with-torch)" >&2; exit 1; }

# name|interpreter|XGRAD_TORCH_COMPILE: the references that are installed.
refs=("debian|/usr/bin/python3|0")
venv=bench/.venv/bin/python
if [[ -x $venv ]] && $venv -c 'import torch' 2>/dev/null; then
  refs+=("index|$venv|0")
  ((compile)) && refs+=("index-compiled|$venv|1")
else
  echo "compare: no current PyTorch in bench/.venv (bench/install-torch.sh); Debian's alone" >&2
fi

export OPENBLAS_CORETYPE=SkylakeX XGRAD_BENCH_THREADS=$threads
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One entry per PyTorch script: "script|xgrad's filter" (the filter empty when xgrad has no
# step of it), then "|xgrad's steps with no twin" when there are any.
mapfile -t names < <("$bench" --benchmark_list_tests --benchmark_filter="$filter")
exact() { (($#)) && printf '^(%s)$' "$(IFS='|'; echo "$*")"; return 0; }
groups=()
paired=()
while read -r script pattern; do
  mine=()
  for n in "${names[@]}"; do [[ $n =~ $pattern ]] && mine+=("$n") && paired+=("$n"); done
  groups+=("$script|$(exact "${mine[@]}")")
done < <(/usr/bin/python3 bench/pytorch/models.py --groups --filter "$filter")
rest=()
for n in "${names[@]}"; do [[ " ${paired[*]} " == *" $n "* ]] || rest+=("$n"); done
((${#rest[@]})) && groups+=("|$(exact "${rest[@]}")")

for ((r = 1; r <= reps; r++)); do
  echo "compare: repetition $r/$reps" >&2
  for ((g = 0; g < ${#groups[@]}; g++)); do
    IFS='|' read -r script mine <<<"${groups[g]}"
    [[ -n $mine ]] && "$bench" --benchmark_filter="$mine" --benchmark_format=json --benchmark_min_time=1 \
      >"$tmp/xgrad-$r-$g.json"
    [[ -n $script ]] || continue
    for ref in "${refs[@]}"; do
      IFS='|' read -r name python compiled <<<"$ref"
      OPENBLAS_NUM_THREADS=1 XGRAD_TORCH_COMPILE=$compiled "$python" bench/pytorch/models.py --bench \
        --filter "$filter" --script "$script" >"$tmp/torch-$name-$r-$g.txt"
    done
  done
done
for ref in "${refs[@]}"; do
  IFS='|' read -r name python _ <<<"$ref"
  "$python" -c 'import torch; print(torch.__version__)' >"$tmp/version-$name.txt"
done

# A second run on the same date gets -2, -3, ...: a committed table is never overwritten.
out=bench/results/compare-$(date +%Y-%m-%d).md
for ((i = 2; i < 100; i++)); do
  [[ -e $out ]] || break
  out=bench/results/compare-$(date +%Y-%m-%d)-$i.md
done
# The raw runs outlive a table that cannot be made (kept for compare_table.py by hand).
python3 bench/compare_table.py "$tmp" "$threads" >/dev/null ||
  { trap - EXIT; echo "compare.sh: the table failed; the runs are kept in $tmp" >&2; exit 1; }
{
  python3 bench/compare_table.py "$tmp" "$threads"
  # Other work on the machine distorts both sides, unevenly (spinning thread pools
  # suffer most): the load average says whether a run was quiet (< 1 on 2 cores).
  echo
  echo "Load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$out"
echo "compare: table written to $out" >&2
