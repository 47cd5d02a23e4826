#!/usr/bin/env python3
"""The scaling benchmarks time warm calls: none of their timed calls takes a tensor block
from the system (the `system_allocations` counter that bench/workloads sets is 0).

Without the untimed first call, a size slower than --benchmark_min_time was timed on
its first call alone, page faults and all (issue 20: the text VRNN at L = 1024 looked
32 % dearer per token than at 256). Each benchmark runs once, in a process of its own,
as bench/scaling.sh runs them, so no earlier benchmark warms the allocator for it.
Usage: check_bench_warm.py BENCH_PROGRAM NAME_REGEX...
"""
import json
import subprocess
import sys


def timed_allocations(program, name):
    out = subprocess.run([program, f"--benchmark_filter={name}", "--benchmark_min_time=0", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    runs = json.loads(out)["benchmarks"]
    if len(runs) != 1:
        raise SystemExit(f"{name}: expected one benchmark, got {len(runs)}")
    return runs[0]["system_allocations"]


def main(program, names):
    bad = 0
    for name in names:
        n = timed_allocations(program, name)
        print(f"{name}: {n:g} tensor blocks from the system in the timed calls")
        bad += n != 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
