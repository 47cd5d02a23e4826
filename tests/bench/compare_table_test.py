"""bench/compare_table.py on a made-up run folder: each reference's medians come from its own
files only (torch-index-* once also took torch-index-compiled-*'s), and the per-repetition
ratio pairs the times of one repetition, and a step with arguments finds its floor
(BM_StepFloor/batch:64 is BM_Step/batch:64's) and the floor gets no row of its own. Run: python3 tests/bench/compare_table_test.py ROOT"""
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
    """BM_Step at ms, BM_Step/batch:64 at ms / 2 and its floor BM_StepFloor/batch:64 at ms / 4."""
    rows = [("BM_Step", ms), ("BM_Step/batch:64", ms / 2), ("BM_StepFloor/batch:64", ms / 4)]
    return json.dumps({"benchmarks": [{"name": n, "run_type": "iteration", "time_unit": "ms", "real_time": t}
                                      for n, t in rows]})


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
    row = next(line for line in out.getvalue().splitlines() if line.startswith("| BM_Step/batch:64 "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    if cells[3] != "10.00" or cells[-2:] != ["5.000", "0.50"]:
        sys.exit(f"compare_table: row {cells}, expected xgrad 10.00, floor 5.000, floor / step 0.50")
    if "| BM_StepFloor" in out.getvalue():
        sys.exit("compare_table: a floor got a row of its own")
print("ok")
