"""PyTorch twins of bench/scaling/scaling_bench.cpp, for bench/scaling.sh.

  scaling.py BM_<Family>Scaling/<size>

Prints "<name> <us> us idle_kib=<KiB> peak_kib=<KiB>": the median time of one step (eager),
and the process's maximum resident set after importing torch and the twins (idle) and
after the timed steps (peak). One size per process: the maximum resident set never falls.
The steps are those of the fixed-size twins (vae.py, vrnn.py, transformer.py) at other sizes.
"""
import resource
import sys
import time

import common
import transformer
import vae
import vrnn

FAMILIES = {
    "BM_VaeMlpStepScaling": lambda batch: vae.training_step("BM_VaeMlpStep", batch=batch),
    "BM_VrnnTextStepScaling": lambda seq: vrnn.bench_step(True, steps=seq),
    "BM_AttentionForwardBackwardScaling": lambda seq: transformer.attention(False, seq=seq),
}


def max_rss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    name = sys.argv[1]
    family, _, size = name.partition("/")
    if family not in FAMILIES or not size.isdigit():
        raise SystemExit(f"scaling.py: unknown benchmark {name}; families: {', '.join(FAMILIES)}")
    common.setup()
    idle = max_rss_kib()
    step = FAMILIES[family](int(size))
    start = time.perf_counter()
    step()  # the warm-up: Adam's state and the allocator's pools are made here
    # A median of three runs of a third of a second; a step slower than a second (the
    # largest sizes, or a loaded machine) is timed once, or one size would take minutes.
    repeats = 3 if time.perf_counter() - start < 1.0 else 1
    seconds = common.median_time(step, min_time=1.0, warmup=0, repeats=repeats)
    common.report(name, seconds, idle_kib=idle, peak_kib=max_rss_kib())


if __name__ == "__main__":
    main()
