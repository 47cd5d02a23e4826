"""Reads the runs of bench/compare.sh and prints the Markdown table of medians."""
import glob
import json
import os
import statistics
import subprocess
import sys

run_dir, threads = sys.argv[1], sys.argv[2]
xgrad, torch = {}, {}
for path in sorted(glob.glob(os.path.join(run_dir, "xgrad-*.json"))):
    with open(path) as f:
        for b in json.load(f)["benchmarks"]:
            if b.get("run_type", "iteration") != "iteration":
                continue
            scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
            xgrad.setdefault(b["name"], []).append(b["real_time"] * scale)
for path in sorted(glob.glob(os.path.join(run_dir, "torch-*.txt"))):
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0].startswith("BM_") and parts[2] == "us":
                torch.setdefault(parts[0], []).append(float(parts[1]) / 1e3)

cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                     capture_output=True, text=True).stdout.strip()
print(f"Model training steps, medians of {max(len(v) for v in xgrad.values())} runs each, "
      f"{threads} threads, {cpu}.\n")
print("| step | PyTorch 1.13.1 (ms) | xgrad (ms) | PyTorch / xgrad |")
print("|---|---:|---:|---:|")
for name in sorted(set(xgrad) | set(torch)):
    x = statistics.median(xgrad[name]) if name in xgrad else None
    t = statistics.median(torch[name]) if name in torch else None
    ratio = f"{t / x:.2f}" if x and t else "—"
    fx = f"{x:.2f}" if x else "—"
    ft = f"{t:.2f}" if t else "—"
    print(f"| {name} | {ft} | {fx} | {ratio} |")
