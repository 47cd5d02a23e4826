#!/usr/bin/env bash
# Installs everything xgrad needs to build, test and run, from Debian's packages.
# Idempotent: packages already installed are skipped, and apt is not touched at all
# when nothing is missing. Usage: scripts/install-deps.sh [--with-torch]
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libxtensor-dev libxsimd-dev xtl-dev
  libtbb-dev libopenblas-dev libopenblas0-pthread
  libdnnl-dev ocl-icd-opencl-dev opencl-headers  # oneDNN (float convolutions); its CMake config needs OpenCL
  libfmt-dev libcli11-dev nlohmann-json3-dev zlib1g-dev libpng-dev
  catch2 libbenchmark-dev
  libopenmpi-dev openmpi-bin  # data-parallel training (nn/distributed)
  clang-14 libclang-rt-14-dev
  chromium  # headless browser: the report rendering test
  dataset-fashion-mnist fortunes python3-statsmodels python3-numpy
)
# PyTorch is only needed for reference fixtures and the side-by-side benchmark.
if [[ "${1:-}" == "--with-torch" ]]; then packages+=(python3-torch); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
