"""Reads the runs of bench/compare.sh and prints the Markdown table of medians.

Files in the run folder: xgrad-<rep>.json (Google Benchmark), torch-<ref>-<rep>.txt
(lines "BM_<Name> <us> us ...") and version-<ref>.txt for each PyTorch reference.
"""
import glob
import json
import os
import re
import statistics
import subprocess
import sys

LABELS = {"debian": "Debian {v}", "index": "PyTorch {v}", "index-compiled": "PyTorch {v} compiled"}
ORDER = ["debian", "index", "index-compiled"]
FLOOR = "Floor"  # BM_<Step>Floor (xgrad only) is the floor of BM_<Step>


def xgrad_medians(run_dir):
    times = {}
    for path in sorted(glob.glob(os.path.join(run_dir, "xgrad-*.json"))):
        with open(path) as f:
            for b in json.load(f)["benchmarks"]:
                if b.get("run_type", "iteration") != "iteration":
                    continue
                scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
                times.setdefault(b["name"], []).append(b["real_time"] * scale)
    return {k: statistics.median(v) for k, v in times.items()}, max(map(len, times.values()), default=0)


def torch_medians(run_dir, ref):
    times = {}
    for path in glob.glob(os.path.join(run_dir, f"torch-{ref}-*.txt")):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[0].startswith("BM_") and parts[2] == "us":
                    times.setdefault(parts[0], []).append(float(parts[1]) / 1e3)
    return {k: statistics.median(v) for k, v in times.items()}


def refs(run_dir):
    found = {re.match(r"version-(.+)\.txt", os.path.basename(p)).group(1): open(p).read().strip()
             for p in glob.glob(os.path.join(run_dir, "version-*.txt"))}
    return [(r, LABELS[r].format(v=found[r])) for r in ORDER if r in found]


def cell(v, fmt="{:.2f}"):
    return fmt.format(v) if v else "—"


def main(run_dir, threads):
    xgrad, reps = xgrad_medians(run_dir)
    references = refs(run_dir)
    torch = {r: torch_medians(run_dir, r) for r, _ in references}
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                         capture_output=True, text=True).stdout.strip()
    print(f"Model training steps, medians of {reps} runs each, {threads} threads, {cpu}.")
    print("Times in ms; the ratios are reference time / xgrad time (above 1: xgrad is faster); the floor is")
    print("the step's matrix products (and im2col/col2im) alone, through the step's own GEMM path and threads")
    print("(bench/models/floor.hpp).\n")
    heads = [label + " (ms)" for _, label in references]
    print("| step | " + " | ".join(heads) + " | xgrad (ms) | fastest PyTorch / xgrad | Debian / xgrad "
          "| floor (ms) | floor / step |")
    print("|---|" + "---:|" * (len(heads) + 5))
    names = sorted(set(xgrad).union(*[set(t) for t in torch.values()]))
    for name in (n for n in names if not n.endswith(FLOOR)):
        x, floor = xgrad.get(name), xgrad.get(name + FLOOR)
        ts = [torch[r].get(name) for r, _ in references]
        fastest = min((t for t in ts if t), default=None)
        debian = torch.get("debian", {}).get(name)
        row = [cell(t) for t in ts] + [cell(x), cell(fastest / x if fastest and x else None),
                                        cell(debian / x if debian and x else None), cell(floor, "{:.3f}"),
                                        cell(floor / x if floor and x else None)]
        print(f"| {name} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
