#!/usr/bin/env bash
# Each dense step against its floor (bench/models/floor.hpp), at 1 and 2 threads, xgrad
# only: for every repetition, thread count and step, the step and then its floor run in
# one process, so the two see the same load; the medians of wall time and of the ratio
# floor / step (1: the step is its products and nothing else) go to stdout as Markdown,
# with the ratio of CPU times too (at 1 thread the surer one on a loaded machine: time
# spent waiting for a core is left out). Beside it, the FLOP bound: the step's
# multiply-adds (the floor's counter) at the sgemm peak per thread times the threads, over
# the step's time (1: the step runs at the peak of its FLOPs). The peak is BM_SgemmPeak's
# at 1 thread (median over the repetitions, per CPU second) unless --peak GFLOPS gives it.
#
#   bench/floor.sh [--reps N] [--filter REGEX] [--peak GFLOPS]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=3
filter='.'
peak=''
while (($#)); do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --peak) peak=$2; shift 2 ;;
    *) echo "floor.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bench=build/bin/xgrad_bench_models
[[ -x $bench ]] || { echo "floor.sh: $bench not found; run 'make build' first" >&2; exit 1; }
steps=(VaeMlp Cvae Aae ConvVae Hvae VqVae TransformerEncoderLayer TransformerVaeText VrnnSeries VrnnText)
export OPENBLAS_CORETYPE=SkylakeX
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 1; r <= reps; r++)); do
  [[ -n $peak ]] || XGRAD_BENCH_THREADS=1 "$bench" --benchmark_filter='^BM_SgemmPeak$' --benchmark_min_time=0.5 \
    --benchmark_format=json >"$tmp/peak-$r.json"
  for threads in 1 2; do
    for s in "${steps[@]}"; do
      [[ BM_${s}Step =~ $filter ]] || continue
      XGRAD_BENCH_THREADS=$threads "$bench" --benchmark_filter="^BM_${s}Step(Floor)?\$" --benchmark_min_time=0.5 \
        --benchmark_format=json >"$tmp/$s-$threads-$r.json"
    done
  done
done
python3 - "$tmp" "$peak" <<'EOF'
import glob, json, os, statistics, sys
peak = float(sys.argv[2]) if sys.argv[2] else statistics.median(
    json.load(open(p))["benchmarks"][0]["gflops"] for p in glob.glob(os.path.join(sys.argv[1], "peak-*.json")))
print(f"sgemm peak per thread: {peak:.1f} GFLOP/s ({'given' if sys.argv[2] else 'BM_SgemmPeak, 1 thread, median'})\n")
runs = {}
for path in glob.glob(os.path.join(sys.argv[1], "*-*-*.json")):
    step, threads, _ = os.path.basename(path)[:-5].split("-")
    bench = {b["name"]: b for b in json.load(open(path))["benchmarks"]}
    s, f = bench[f"BM_{step}Step"], bench[f"BM_{step}StepFloor"]
    ms = lambda b, key: b[key] * {"ns": 1e-6, "us": 1e-3, "ms": 1.0}[b["time_unit"]]
    bound = 2 * f["multiply_adds"] / (peak * 1e9 * int(threads)) * 1e3
    runs.setdefault((step, int(threads)), []).append(
        (ms(s, "real_time"), ms(f, "real_time"), ms(f, "cpu_time") / ms(s, "cpu_time"), bound))
print("| step | threads | step (ms) | floor (ms) | floor / step | same, CPU time | FLOP bound (ms) | FLOP bound / step |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for (step, threads), r in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    med = lambda f: statistics.median([f(x) for x in r])
    print(f"| `BM_{step}Step` | {threads} | {med(lambda x: x[0]):.2f} | {med(lambda x: x[1]):.2f} | "
          f"{med(lambda x: x[1] / x[0]):.2f} | {med(lambda x: x[2]):.2f} | {med(lambda x: x[3]):.2f} | "
          f"{med(lambda x: x[3] / x[0]):.2f} |")
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
