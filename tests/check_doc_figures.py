#!/usr/bin/env python3
"""Docs that quote a time must say when and how it was measured.

Timings drift (machines change, code gets faster): every line of README.md, the
layers' READMEs, bench/README.md and docs/ that quotes one (ms, µs, s per epoch,
GFLOP/s, GB/s) must sit in a section (from one heading to the next) that names the
date it was measured (YYYY-MM-DD) and the command that measured it (a code span or
block naming a program, script or make target). Prints each offending line; exits 1.
Usage: check_doc_figures.py SOURCE_DIR
"""
import pathlib
import re
import sys

TIMING = re.compile(r"\d\s?(ms|µs|us)\b|\d\s?s (per|an|a) (epoch|step)|\d\s?s/epoch|GFLOP/s|GB/s|\d s\)")
DATE = re.compile(r"20\d\d-\d\d-\d\d")
COMMAND = re.compile(r"(xgrad_bench_|bench/|build/bin/|xgrad |make |scripts/|python3 )")


def sections(text):
    """(heading line number, lines) for each part of a Markdown file between headings."""
    start, lines = 1, []
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("#") and not line.startswith("#!") and lines and not in_code(lines):
            yield start, lines
            start, lines = n, []
        lines.append((n, line))
    yield start, lines


def in_code(lines):
    return sum(1 for _, l in lines if l.startswith("```")) % 2 == 1


def main(root):
    root = pathlib.Path(root)
    files = [root / "README.md", root / "bench/README.md"] + sorted(root.glob("*/README.md")) + sorted(root.glob("docs/**/*.md"))
    bad = 0
    for f in dict.fromkeys(files):
        if not f.exists():
            continue
        for start, lines in sections(f.read_text(encoding="utf-8")):
            body = "\n".join(l for _, l in lines)
            if DATE.search(body) and COMMAND.search(body):
                continue
            for n, line in lines:
                if TIMING.search(line):
                    print(f"{f.relative_to(root)}:{n}: a timing without the date and command that measured it: {line.strip()[:100]}")
                    bad += 1
    print(f"{bad} undated timings" if bad else "every quoted timing is dated and tied to its command")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
