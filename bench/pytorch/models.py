"""Runs the PyTorch side of every model step benchmark (for bench/compare.sh).

Each script prints lines "BM_<Name> <microseconds> us ..."; --filter keeps the
scripts whose benchmarks match the regular expression. --groups prints, one line per
script with a match, the script and the regular expression of its benchmark names, and
--script runs that script alone: bench/compare.sh runs xgrad's side of one script's
steps right before PyTorch's, so that both sides of a ratio are measured close in time.
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = {
    "vae.py": ["--bench"],  # BM_VaeMlpStep, BM_ConvVaeStep, BM_CvaeStep
    "aae.py": [],  # BM_AaeStep
    "vrnn.py": ["--bench"],  # BM_VrnnSeriesStep, BM_VrnnTextStep
    "transformer.py": [],  # BM_TransformerEncoderLayerStep, BM_TransformerVaeTextStep, BM_AttentionForwardBackward/...
    "hvae.py": ["--bench"],  # BM_HvaeStep/batch:64, /batch:128
    "vq_vae.py": [],  # BM_VqVaeStep
}
NAMES = {
    "vae.py": ["BM_VaeMlpStep", "BM_ConvVaeStep", "BM_CvaeStep"],
    "aae.py": ["BM_AaeStep"],
    "vrnn.py": ["BM_VrnnSeriesStep", "BM_VrnnTextStep"],
    "transformer.py": ["BM_TransformerEncoderLayerStep", "BM_TransformerVaeTextStep", "BM_AttentionForwardBackward"],
    "hvae.py": ["BM_HvaeStep/batch:64", "BM_HvaeStep/batch:128"],
    "vq_vae.py": ["BM_VqVaeStep"],
}

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("--bench", action="store_true", help="run the step benchmarks (the only mode)")
ap.add_argument("--filter", default="BM_")
ap.add_argument("--groups", action="store_true", help="print each matching script and its name pattern, and stop")
ap.add_argument("--script", help="run this script of SCRIPTS alone")
args = ap.parse_args()
if args.script is not None and args.script not in SCRIPTS:
    raise SystemExit(f"models.py: no script {args.script}; the scripts are {', '.join(SCRIPTS)}")
if args.groups:
    for script, names in NAMES.items():
        if any(re.search(args.filter, n) for n in names):
            print(script, "^(" + "|".join(names) + ")")
    sys.exit(0)
for script, extra in SCRIPTS.items():
    if not any(re.search(args.filter, n) for n in NAMES[script]) or args.script not in (None, script):
        continue
    path = os.path.join(HERE, script)
    if not os.path.exists(path):
        print(f"models.py: {script} is missing", file=sys.stderr)
        continue
    run = subprocess.run([sys.executable, path, *extra], capture_output=True, text=True)
    if run.returncode != 0:
        # torch.compile does not compile every step on every machine: the table then
        # shows no compiled figure for that step; an eager failure is a real error.
        last = (run.stderr.strip().splitlines() or ["(no message)"])[-1]
        if os.environ.get("XGRAD_TORCH_COMPILE") == "1":
            print(f"models.py: {script} failed under torch.compile: {last}", file=sys.stderr)
            continue
        raise SystemExit(f"models.py: {script} failed: {last}")
    for line in run.stdout.splitlines():
        if line.startswith("BM_") and re.search(args.filter, line.split()[0]):
            print(line, flush=True)
