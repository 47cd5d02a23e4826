#!/usr/bin/env bash
# Installs the current PyTorch from the Python package index into bench/.venv, the
# second reference of bench/compare.sh (Debian's python3-torch 1.13.1 is the first,
# and the one the parity tests use). Never needed by `make test`.
#
#   bench/install-torch.sh            # once; later runs only report the version
#
# The Linux wheel pulls GPU libraries it will not use on this CPU-only machine
# (a few GB): that is why it lives outside the project's install script.
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import torch' 2>/dev/null; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet torch numpy
fi
.venv/bin/python -c 'import torch; print(f"install-torch: torch {torch.__version__} in bench/.venv")'
