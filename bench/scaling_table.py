"""Reads the runs of bench/scaling.sh and prints one Markdown table per family, with lines
computed from the medians on how xgrad's (and each reference's) time and memory grow.

Files in the run folder: xgrad-<rep>-<i>.json (Google Benchmark, one size) with its
xgrad-<rep>-<i>.rss (GNU time's maximum resident KiB), xgrad-idle-<rep>.rss (the program
running no benchmark), torch-<ref>.txt (lines "<name> <us> us idle_kib=<K> peak_kib=<K>")
and version-<ref>.txt.
"""
import glob
import json
import math
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable

LABELS = {"debian": "Debian {v}", "index": "PyTorch {v}"}
ORDER = ["debian", "index"]
# Noise allowance: a figure per unit of work "rises" when it exceeds the one at the next
# smaller size by more than this share (single runs on a shared machine wobble by a few %).
TOLERANCE = 0.10


@dataclass
class Family:
    title: str
    size: str  # what the benchmark's argument is
    size_symbol: str
    example: str  # what "per example" divides by
    examples: Callable[[int], int]
    work: Callable[[int], int]  # what the cost should be proportional to
    work_unit: str
    claim: str


FAMILIES = {
    "BM_VaeMlpStepScaling": Family(
        "MLP VAE step (784-400-20, Bernoulli, Adam 1e-3)", "batch", "batch", "batch row",
        lambda n: n, lambda n: n, "batch row", "time per example flat or falling with batch"),
    "BM_VrnnTextStepScaling": Family(
        "Text VRNN step (GRU h=128, z=16, 256 byte classes, Adam 1e-3, batch 32)", "sequence length L", "L",
        "token (one byte of one sequence: 32 L a step)", lambda n: 32 * n, lambda n: 32 * n, "token",
        "time per step linear in sequence length"),
    "BM_AttentionForwardBackwardScaling": Family(
        "Attention forward + backward (q, k, v of batch 32, 4 heads, head dim 32; not causal, P kept)",
        "sequence length L", "L", "token (32 L a call)", lambda n: 32 * n, lambda n: 32 * 4 * n * n,
        "query-key pair (32 x 4 x L^2)", "time per call growing no faster than L^2, the score matrices"),
}


def last_int(path):
    with open(path) as f:
        return int(f.read().split()[-1])


def xgrad_runs(run_dir):
    """{name: ([ms per step], [KiB above idle])}, one entry per repetition."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(run_dir, "xgrad-[0-9]*-[0-9]*.json"))):
        rep = os.path.basename(path).split("-")[1]
        idle = last_int(os.path.join(run_dir, f"xgrad-idle-{rep}.rss"))
        with open(path) as f:
            b = next(b for b in json.load(f)["benchmarks"] if b.get("run_type", "iteration") == "iteration")
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        ms, kib = runs.setdefault(b["name"], ([], []))
        ms.append(b["real_time"] * scale)
        kib.append(last_int(path[:-len(".json")] + ".rss") - idle)
    return runs


def torch_runs(run_dir, ref):
    runs = {}
    path = os.path.join(run_dir, f"torch-{ref}.txt")
    for line in open(path) if os.path.exists(path) else []:
        parts = line.split()
        if len(parts) < 5 or parts[2] != "us":
            continue
        fields = dict(p.split("=") for p in parts[3:])
        ms, kib = runs.setdefault(parts[0], ([], []))
        ms.append(float(parts[1]) / 1e3)
        kib.append(int(fields["peak_kib"]) - int(fields["idle_kib"]))
    return runs


def medians(runs):
    return {n: (statistics.median(ms), statistics.median(kib)) for n, (ms, kib) in runs.items()}


def refs(run_dir):
    found = {os.path.basename(p)[len("version-"):-len(".txt")]: open(p).read().strip()
             for p in glob.glob(os.path.join(run_dir, "version-*.txt"))}
    return [(r, LABELS[r].format(v=found[r])) for r in ORDER if r in found]


def cell(v, fmt="{:.2f}"):
    return fmt.format(v) if v is not None else "—"


def exponent(sizes, values):
    """Least-squares slope of log(value) on log(size): value grows as size^slope."""
    xs, ys = [math.log(s) for s in sizes], [math.log(v) for v in values]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def never_rises(sizes, figures, fam):
    """Whether the figure per unit of work never rises more than TOLERANCE from one size to the next."""
    per_work = [f / fam.work(s) for s, f in zip(sizes, figures)]
    return all(b <= a * (1 + TOLERANCE) for a, b in zip(per_work, per_work[1:]))


def yes_no(flag):
    return "yes" if flag else "no"


def growth(label, fam, points):
    """One line on a side's medians [(size, (ms, KiB))]: the exponents and the per-work checks."""
    sizes, ms, kib = [s for s, _ in points], [m[0] for _, m in points], [m[1] for _, m in points]
    if len(sizes) < 2 or min(kib) <= 0:
        return f"- {label}: too few sizes, or no memory above idle, to say."
    x = fam.size_symbol
    return (f"- {label}: time per step ∝ {x}^{exponent(sizes, ms):.2f}, memory above idle ∝ "
            f"{x}^{exponent(sizes, kib):.2f} (least squares; the work ∝ {x}^{exponent(sizes, [fam.work(s) for s in sizes]):.0f}). "
            f"Per {fam.work_unit}, never up more than {TOLERANCE:.0%} from one size to the next: time "
            f"{yes_no(never_rises(sizes, ms, fam))}, memory {yes_no(never_rises(sizes, kib, fam))}.")


def table(family, fam, xgrad, torch, references):
    names = sorted((n for n in set(xgrad).union(*map(set, torch.values())) if n.startswith(family + "/")),
                   key=lambda n: int(n.split("/")[1]))
    sizes = [int(n.split("/")[1]) for n in names]
    print(f"### {fam.title}\n")
    print(f"Work size: {fam.size}; per example = per {fam.example}. Times: ms per step and µs per example;")
    print("ratio = reference time / xgrad time (above 1: xgrad is faster); memory: peak resident KiB above idle "
          "per example.\n")
    heads = [fam.size_symbol, "xgrad ms", "xgrad µs/ex"]
    for _, label in references:
        heads += [f"{label} ms", f"{label} µs/ex", f"{label} / xgrad"]
    heads += ["xgrad KiB/ex"] + [f"{label} KiB/ex" for _, label in references]
    print("| " + " | ".join(heads) + " |")
    print("|" + "---:|" * len(heads))
    for name, size in zip(names, sizes):
        n = fam.examples(size)
        x = xgrad.get(name)
        row = [str(size), cell(x and x[0]), cell(x and x[0] * 1e3 / n)]
        for r, _ in references:
            t = torch[r].get(name)
            row += [cell(t and t[0]), cell(t and t[0] * 1e3 / n), cell(t[0] / x[0] if t and x else None)]
        row += [cell(x and x[1] / n, "{:.1f}")] + [cell(torch[r].get(name) and torch[r][name][1] / n, "{:.1f}")
                                                   for r, _ in references]
        print("| " + " | ".join(row) + " |")
    print()
    points = {side: [(s, runs[n]) for s, n in zip(sizes, names) if n in runs]
              for side, runs in [("xgrad", xgrad)] + [(label, torch[r]) for r, label in references]}
    held = len(points["xgrad"]) >= 2 and never_rises([s for s, _ in points["xgrad"]],
                                                     [m[0] for _, m in points["xgrad"]], fam)
    print(f"**xgrad's {fam.claim}: {yes_no(held)}** (computed from the medians: time per {fam.work_unit} "
          f"never up more than {TOLERANCE:.0%} from one size to the next).\n")
    for side, got in points.items():
        print(growth(side, fam, got))
    print()


def main(run_dir, threads):
    runs = xgrad_runs(run_dir)
    xgrad = medians(runs)
    references = refs(run_dir)
    torch = {r: medians(torch_runs(run_dir, r)) for r, _ in references}
    reps = max((len(ms) for ms, _ in runs.values()), default=0)
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                         capture_output=True, text=True).stdout.strip()
    runs_word = "run" if reps == 1 else "runs"
    threads_word = "thread" if threads == "1" else "threads"
    print(f"How cost grows with the work: medians of {reps} {runs_word} each, {threads} {threads_word}, {cpu}; "
          "PyTorch eager.\n")
    for family, fam in FAMILIES.items():
        if any(n.startswith(family + "/") for n in xgrad):
            table(family, fam, xgrad, torch, references)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
