"""Shared setup for the PyTorch side of xgrad's benchmarks.

Run with Debian's interpreter (/usr/bin/python3, which has python3-torch).
bench/compare.sh sets OPENBLAS_CORETYPE and OPENBLAS_NUM_THREADS before the
process starts (OpenBLAS reads them when it loads); here we set torch's own
intra-op threads to the same count as xgrad's.

XGRAD_TORCH_COMPILE=1 runs every timed step through torch.compile (PyTorch 2 and
later; bench/compare.sh sets it for the "compiled" reference). The warm-up calls
absorb the compilation, so the median is of compiled steps only.
"""
import argparse
import os
import statistics
import time

import torch


def setup(threads=None):
    threads = int(threads or os.environ.get("XGRAD_BENCH_THREADS", "2"))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    return threads


def compiled(fn):
    """fn through torch.compile when XGRAD_TORCH_COMPILE=1, else fn itself."""
    if os.environ.get("XGRAD_TORCH_COMPILE") != "1":
        return fn
    if not hasattr(torch, "compile"):
        raise SystemExit(f"XGRAD_TORCH_COMPILE=1 needs PyTorch 2 or later, this is {torch.__version__}")
    return torch.compile(fn)


def median_time(fn, min_time=1.0, warmup=3, repeats=5):
    """Median seconds per call of fn over `repeats` runs of about min_time/repeats each."""
    fn = compiled(fn)
    for _ in range(warmup):
        fn()
    per_run = []
    budget = min_time / repeats
    for _ in range(repeats):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= budget:
                break
        per_run.append(elapsed / n)
    return statistics.median(per_run)


def report(name, seconds, **extra):
    fields = " ".join(f"{k}={v}" for k, v in extra.items())
    print(f"{name} {seconds * 1e6:.3f} us {fields}".rstrip(), flush=True)


def mlp(*sizes, activation=torch.nn.ReLU):
    """Linear layers of these sizes with an activation between each pair (none after the last)."""
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(activation())
    return torch.nn.Sequential(*layers)


def bench_or_train(doc, bench, train):
    """The command line of a model twin: --bench times its step, --train [--epochs N --seed S] trains it."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench", action="store_true")
    p.add_argument("--train", action="store_true")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    if not (a.bench or a.train):
        p.error("give --bench or --train")
    if a.bench:
        bench()
    if a.train:
        train(a.epochs, a.seed)
