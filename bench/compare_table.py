"""Reads the runs of bench/compare.sh and prints the Markdown table of medians.

Files in the run folder: xgrad-<rep>[-<group>].json (Google Benchmark),
torch-<ref>-<rep>[-<group>].txt (lines "BM_<Name> <us> us ...") and version-<ref>.txt for
each PyTorch reference. Besides the ratio of the medians, each step gets the ratio within
each repetition (the fastest reference's time over xgrad's, measured close in time by
bench/compare.sh): its median and range say how far the machine's drift moved the ratio.
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
FLOOR = "Floor"  # BM_<Step>Floor[/args] (xgrad only) is the floor of BM_<Step>[/args]


def floor_of(name):
    """The floor benchmark's name of a step's: BM_HvaeStep/batch:64 -> BM_HvaeStepFloor/batch:64."""
    base, sep, args = name.partition("/")
    return base + FLOOR + sep + args


def runs(run_dir, prefix, ext):
    """(repetition, path) of the run files named <prefix>-<rep>[-<group>].<ext>; exact, so that
    torch-index-* does not take torch-index-compiled-*'s files (it did until 2026-12-05)."""
    pattern = re.compile(re.escape(prefix) + r"-(\d+)(?:-\d+)?\." + re.escape(ext) + "$")
    found = []
    for path in sorted(glob.glob(os.path.join(run_dir, f"{prefix}-*.{ext}"))):
        m = pattern.match(os.path.basename(path))
        if m:
            found.append((int(m.group(1)), path))
    return found


def xgrad_times(run_dir):
    """name -> {repetition: ms}."""
    times = {}
    for rep, path in runs(run_dir, "xgrad", "json"):
        with open(path) as f:
            for b in json.load(f)["benchmarks"]:
                if b.get("run_type", "iteration") != "iteration":
                    continue
                scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
                times.setdefault(b["name"], {})[rep] = b["real_time"] * scale
    return times


def torch_times(run_dir, ref):
    """name -> {repetition: ms}."""
    times = {}
    for rep, path in runs(run_dir, f"torch-{ref}", "txt"):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[0].startswith("BM_") and parts[2] == "us":
                    times.setdefault(parts[0], {})[rep] = float(parts[1]) / 1e3
    return times


def medians(times):
    return {k: statistics.median(v.values()) for k, v in times.items()}


def per_repetition(name, xgrad, torch):
    """The fastest reference's time over xgrad's in each repetition both sides ran."""
    ratios = []
    for rep, x in sorted(xgrad.get(name, {}).items()):
        ts = [t[name][rep] for t in torch.values() if rep in t.get(name, {})]
        if ts and x:
            ratios.append(min(ts) / x)
    return ratios


def ratio_cell(ratios):
    if not ratios:
        return "—"
    return f"{statistics.median(ratios):.2f} [{min(ratios):.2f}–{max(ratios):.2f}]"


def refs(run_dir):
    found = {re.match(r"version-(.+)\.txt", os.path.basename(p)).group(1): open(p).read().strip()
             for p in glob.glob(os.path.join(run_dir, "version-*.txt"))}
    return [(r, LABELS[r].format(v=found[r])) for r in ORDER if r in found]


def cell(v, fmt="{:.2f}"):
    return fmt.format(v) if v else "—"


def main(run_dir, threads):
    xgrad_runs = xgrad_times(run_dir)
    xgrad, reps = medians(xgrad_runs), max(map(len, xgrad_runs.values()), default=0)
    references = refs(run_dir)
    torch_runs = {r: torch_times(run_dir, r) for r, _ in references}
    torch = {r: medians(t) for r, t in torch_runs.items()}
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                         capture_output=True, text=True).stdout.strip()
    print(f"Model training steps, medians of {reps} runs each, {threads} threads, {cpu}.")
    print("Times in ms; the ratios are reference time / xgrad time (above 1: xgrad is faster); the floor is")
    print("the step's matrix products (and im2col/col2im) alone, through the step's own GEMM path and threads")
    print("(bench/models/floor.hpp). Per repetition: the fastest reference / xgrad within each repetition,")
    print("median [least–most].\n")
    heads = [label + " (ms)" for _, label in references]
    print("| step | " + " | ".join(heads) + " | xgrad (ms) | fastest PyTorch / xgrad | per repetition "
          "| Debian / xgrad | floor (ms) | floor / step |")
    print("|---|" + "---:|" * (len(heads) + 6))
    names = sorted(set(xgrad).union(*[set(t) for t in torch.values()]))
    for name in (n for n in names if not n.partition("/")[0].endswith(FLOOR)):
        x, floor = xgrad.get(name), xgrad.get(floor_of(name))
        ts = [torch[r].get(name) for r, _ in references]
        fastest = min((t for t in ts if t), default=None)
        debian = torch.get("debian", {}).get(name)
        row = [cell(t) for t in ts] + [cell(x), cell(fastest / x if fastest and x else None),
                                        ratio_cell(per_repetition(name, xgrad_runs, torch_runs)),
                                        cell(debian / x if debian and x else None), cell(floor, "{:.3f}"),
                                        cell(floor / x if floor and x else None)]
        print(f"| {name} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
