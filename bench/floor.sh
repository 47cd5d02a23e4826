#!/usr/bin/env bash
# Each dense step against its floor (bench/models/floor.hpp), at 1 and 2 threads, xgrad
# only: for every repetition, thread count and step, the step and then its floor run in
# one process, so the two see the same load; the medians of wall time and of the ratio
# floor / step (1: the step is its products and nothing else) go to stdout as Markdown,
# with the ratio of CPU times too (at 1 thread the surer one on a loaded machine: time
# spent waiting for a core is left out).
#
#   bench/floor.sh [--reps N] [--filter REGEX]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=3
filter='.'
while (($#)); do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    *) echo "floor.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bench=build/bin/xgrad_bench_models
[[ -x $bench ]] || { echo "floor.sh: $bench not found; run 'make build' first" >&2; exit 1; }
steps=(VaeMlp Cvae Aae ConvVae Hvae VqVae TransformerEncoderLayer TransformerVaeText)
export OPENBLAS_CORETYPE=SkylakeX
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 1; r <= reps; r++)); do
  for threads in 1 2; do
    for s in "${steps[@]}"; do
      [[ BM_${s}Step =~ $filter ]] || continue
      XGRAD_BENCH_THREADS=$threads "$bench" --benchmark_filter="^BM_${s}Step(Floor)?\$" --benchmark_min_time=0.5 \
        --benchmark_format=json >"$tmp/$s-$threads-$r.json"
    done
  done
done
python3 - "$tmp" <<'EOF'
import glob, json, os, statistics, sys
runs = {}
for path in glob.glob(os.path.join(sys.argv[1], "*.json")):
    step, threads, _ = os.path.basename(path)[:-5].split("-")
    bench = {b["name"]: b for b in json.load(open(path))["benchmarks"]}
    s, f = bench[f"BM_{step}Step"], bench[f"BM_{step}StepFloor"]
    ms = lambda b, key: b[key] * {"ns": 1e-6, "us": 1e-3, "ms": 1.0}[b["time_unit"]]
    runs.setdefault((step, int(threads)), []).append(
        (ms(s, "real_time"), ms(f, "real_time"), ms(f, "cpu_time") / ms(s, "cpu_time")))
print("| step | threads | step (ms) | floor (ms) | floor / step | same, CPU time |")
print("|---|---:|---:|---:|---:|---:|")
for (step, threads), r in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    med = lambda i, ratio=False: statistics.median([x[1] / x[0] if ratio else x[i] for x in r])
    print(f"| `BM_{step}Step` | {threads} | {med(0):.2f} | {med(1):.2f} | {med(0, True):.2f} | {med(2):.2f} |")
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
