#!/usr/bin/env bash
# How each step's cost grows with its work (issue 20): the MLP VAE step over batch sizes,
# the text VRNN step and attention over sequence lengths, in xgrad
# (build/bin/xgrad_bench_scaling) and in PyTorch (bench/pytorch/scaling.py), alternately.
# Every size runs in a process of its own on each side, so one run gives both the time of
# a step and the peak resident memory of that size alone (the maximum never falls within
# a process). Prints one table per family, with computed lines on how time and memory
# grow, and writes them to bench/results/scaling-<date>.md (or --out FILE).
#
#   bench/scaling.sh [--reps N] [--threads T] [--filter REGEX] [--out FILE]
#
# References: Debian's python3-torch 1.13.1 and, when bench/install-torch.sh has put it in
# bench/.venv, the current PyTorch, both eager (torch.compile would compile again at every
# size). BLAS settings and threads as bench/compare.sh: OPENBLAS_CORETYPE=SkylakeX for
# every process, OPENBLAS_NUM_THREADS=1 and torch.set_num_threads(T) for PyTorch,
# core::set_num_threads(T) for xgrad. Memory is the peak above idle, as
# bench/peak_memory.sh: xgrad's program running no benchmark, PyTorch right after import.
set -euo pipefail
cd "$(dirname "$0")/.."

reps=3
threads=2
filter='Scaling'
out=bench/results/scaling-$(date +%Y-%m-%d).md
while (($#)); do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "scaling.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

bench=build/bin/xgrad_bench_scaling
[[ -x $bench ]] || { echo "scaling.sh: $bench not found; run 'make build' first" >&2; exit 1; }
[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import torch' 2>/dev/null ||
  { echo "scaling.sh: Debian's python3-torch is needed (scripts/install-deps.sh --with-torch)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "scaling.sh: GNU time (/usr/bin/time) is needed for the memory" >&2; exit 1; }

# name|interpreter: the references that are installed.
refs=("debian|/usr/bin/python3")
venv=bench/.venv/bin/python
if [[ -x $venv ]] && $venv -c 'import torch' 2>/dev/null; then
  refs+=("index|$venv")
else
  echo "scaling: no current PyTorch in bench/.venv (bench/install-torch.sh); Debian's alone" >&2
fi

export OPENBLAS_CORETYPE=SkylakeX XGRAD_BENCH_THREADS=$threads
mapfile -t names < <("$bench" --benchmark_list_tests=true --benchmark_filter="$filter")
((${#names[@]})) || { echo "scaling.sh: no benchmark matches '$filter'" >&2; exit 1; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$SECONDS
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ((r = 1; r <= reps; r++)); do
  echo "scaling: repetition $r/$reps" >&2
  # The program matching no benchmark (it says so on stderr): its runtime alone.
  /usr/bin/time -f %M -o "$tmp/xgrad-idle-$r.rss" "$bench" --benchmark_filter='^none$' >/dev/null 2>&1
  for i in "${!names[@]}"; do
    name=${names[i]}
    echo "scaling:   $name" >&2
    /usr/bin/time -f %M -o "$tmp/xgrad-$r-$i.rss" "$bench" --benchmark_filter="^$name\$" \
      --benchmark_format=json --benchmark_min_time=1 >"$tmp/xgrad-$r-$i.json"
    for ref in "${refs[@]}"; do
      IFS='|' read -r ref_name python <<<"$ref"
      OPENBLAS_NUM_THREADS=1 "$python" bench/pytorch/scaling.py "$name" >>"$tmp/torch-$ref_name.txt"
    done
  done
done
for ref in "${refs[@]}"; do
  IFS='|' read -r ref_name python <<<"$ref"
  "$python" -c 'import torch; print(torch.__version__)' >"$tmp/version-$ref_name.txt"
done

mkdir -p "$(dirname "$out")"
{
  python3 bench/scaling_table.py "$tmp" "$threads"
  # The load average says whether a run was quiet (< 1 on 2 cores); a loaded run's
  # times mean little, its memory figures still hold.
  echo
  echo "Load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)." \
    "The run took $((SECONDS - start)) s."
} | tee "$out"
echo "scaling: tables written to $out" >&2
