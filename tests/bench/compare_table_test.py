"""bench/compare_table.py on a made-up run folder: each reference's medians come from its own
files only (torch-index-* once also took torch-index-compiled-*'s), and the per-repetition
ratio pairs the times of one repetition. Run: python3 tests/bench/compare_table_test.py ROOT"""
import contextlib
import io
import json
import os
import sys
import tempfile

root = sys.argv[1]
sys.path.insert(0, os.path.join(root, "bench"))
import compare_table  # noqa: E402


def write(folder, name, text):
    with open(os.path.join(folder, name), "w") as f:
        f.write(text)


def xgrad_json(ms):
    return json.dumps({"benchmarks": [{"name": "BM_Step", "run_type": "iteration", "time_unit": "ms",
                                       "real_time": ms}]})


with tempfile.TemporaryDirectory() as d:
    # xgrad 10, 20, 30 ms; eager 20, 30, 40 (ms, in us); compiled 60, 70, 80: eager is the fastest.
    for rep, (x, eager, compiled) in enumerate([(10, 20, 60), (20, 30, 70), (30, 40, 80)], start=1):
        write(d, f"xgrad-{rep}-0.json", xgrad_json(x))
        write(d, f"torch-index-{rep}-0.txt", f"BM_Step {eager * 1000} us\n")
        write(d, f"torch-index-compiled-{rep}-0.txt", f"BM_Step {compiled * 1000} us\n")
    write(d, "version-index.txt", "9.9")
    write(d, "version-index-compiled.txt", "9.9")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        compare_table.main(d, "2")
    row = next(line for line in out.getvalue().splitlines() if line.startswith("| BM_Step "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    expected = ["BM_Step", "30.00", "70.00", "20.00", "1.50", "1.50 [1.33–2.00]"]
    if cells[:6] != expected:
        sys.exit(f"compare_table: row {cells[:6]}, expected {expected}")
print("ok")
