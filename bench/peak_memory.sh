#!/usr/bin/env bash
# Peak resident memory of each model's training step, xgrad against PyTorch.
#
#   bench/peak_memory.sh [--filter REGEX]
#
# xgrad: the maximum RSS (GNU time) of xgrad_bench_models running only that step
# for about a second, minus that of the same program running no benchmark. PyTorch:
# bench/pytorch/peak_memory.py, the maximum RSS after building the model and running
# 20 steps minus that right after importing torch. "Above idle" is what the step
# (model, optimizer state, activations) costs on each side; the raw peaks include the
# runtimes (PyTorch's is much larger). Same threads and OpenBLAS settings as compare.sh.
# Prints a table in KiB.
set -euo pipefail
cd "$(dirname "$0")/.."
filter='BM_'
[[ ${1:-} == --filter ]] && filter=$2
bench=build/bin/xgrad_bench_models
export OPENBLAS_CORETYPE=SkylakeX XGRAD_BENCH_THREADS=${XGRAD_BENCH_THREADS:-2}
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
idle=$(rss "$bench" --benchmark_filter='^none$')
echo "| step | xgrad peak (KiB) | xgrad above idle | PyTorch peak (KiB) | PyTorch above idle |"
echo "|---|---:|---:|---:|---:|"
steps=(BM_VaeMlpStep BM_ConvVaeStep BM_CvaeStep BM_AaeStep BM_VrnnSeriesStep BM_VrnnTextStep
       BM_HvaeStep/batch:64 BM_VqVaeStep BM_TransformerEncoderLayerStep BM_TransformerVaeTextStep)
for name in "${steps[@]}"; do
  [[ $name =~ $filter ]] || continue
  x=$(rss "$bench" --benchmark_filter="^$name\$" --benchmark_min_time=1)
  read -r _ t_idle t_peak < <(cd bench/pytorch && OPENBLAS_NUM_THREADS=1 /usr/bin/python3 peak_memory.py "$name" 20)
  echo "| \`$name\` | $x | $((x - idle)) | $t_peak | $((t_peak - t_idle)) |"
done
