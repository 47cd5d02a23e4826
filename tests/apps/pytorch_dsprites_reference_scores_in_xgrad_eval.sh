# The PyTorch reference of the dSprites study (bench/pytorch/dsprites.py) writes runs that
# `xgrad eval` scores with xgrad's own metric code: the exported weights load under xgrad's
# names, and xgrad's reconstruction error of the first test images equals the reference's
# own, which it cannot if the reference drew other rows or other pixels than xgrad's dSprites.
# FactorVAE only (its file holds every name beta-tcvae's does, plus the critic's): each
# reference run takes seconds (the critic is the paper's 5 x 1000 units), and the study
# (scripts/dsprites_study.sh) scores beta-tcvae's the same way.
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
REF="$(dirname "$0")/../../bench/pytorch/dsprites.py"
# The only kind of check allowed to skip: `make test` does not install PyTorch.
/usr/bin/python3 -c "import torch" 2>/dev/null ||
  { echo "SKIPPED: needs PyTorch (python3-torch: scripts/install-deps.sh --with-torch)"; exit 77; }
TINY_NET="--limit 256 --batch 32 --hidden 32 --latent 4 --lr 0.01 --check-n 100"
m=factor-vae
/usr/bin/python3 "$REF" --model "$m" $TINY_NET --out "$TMP/$m" >"$TMP/$m.log" 2>&1 || { cat "$TMP/$m.log"; fail "$m reference failed"; }
"$XGRAD" eval "$TMP/$m" --n 100 --test-limit 100 --tc-n 100 --threads 1 >"$TMP/$m.json" 2>"$TMP/$m.err" ||
  { cat "$TMP/$m.err"; fail "xgrad eval refused the $m reference"; }
/usr/bin/python3 - "$TMP/$m" <<'PY' || exit 1
import json, sys
run = sys.argv[1]
ref, ev = json.load(open(run + "/reference.json")), json.load(open(run + ".json"))
# A pixel that differs moves the mean over 100 x 4096 pixels by |1 - 2p| / 409600 (about
# 2e-6 where the model says p ~ 0.1); float32 against double rounding is ~1e-8.
assert abs(ref["recon_error"] - ev["recon_error"]) < 2e-7, (ref, ev["recon_error"])
assert ref["recon_error"] < 0.1, ref  # trained away from p = 1/2, where pixels would not show
for k in ("beta_vae", "factor_vae", "mig", "sap"):
    assert 0 <= ev["disentanglement"][k] <= 1, ev
PY
echo ok

