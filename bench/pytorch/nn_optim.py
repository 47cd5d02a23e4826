"""PyTorch figures for the workloads of bench/nn/optim_bench.cpp (same names):
one optimizer step over 1M float parameters (4 tensors of 250k, gradients preset).
torch.optim runs either one kernel per operation and tensor (foreach=False) or
multi-tensor kernels (the default); both are reported.
"""
from common import median_time, report, setup
import torch

threads = setup()
TENSORS, EACH = 4, 250_000


def params_with_grads():
    ps = [torch.randn(EACH, requires_grad=True) for _ in range(TENSORS)]
    for p in ps:
        p.grad = torch.randn(EACH) * 1e-2
    return ps


def bench(name, make, arrays):
    """`arrays`: float arrays of the parameters' size one step reads or writes."""
    for foreach, suffix in [(False, "/foreach=False"), (None, "")]:
        ps = params_with_grads()
        opt = make(ps, foreach)
        opt.step()  # creates the state, as the first training step does
        t = median_time(opt.step)
        report(name + suffix, t, GBps=f"{arrays * 4 * TENSORS * EACH / t / 1e9:.1f}", threads=threads)


with torch.no_grad():
    bench("BM_AdamStep1M", lambda ps, fe: torch.optim.Adam(ps, foreach=fe), 7)
    bench("BM_AdamWStep1M", lambda ps, fe: torch.optim.AdamW(ps, foreach=fe), 7)
    bench("BM_SGDMomentumStep1M", lambda ps, fe: torch.optim.SGD(ps, lr=1e-3, momentum=0.9, foreach=fe), 5)
    ps = params_with_grads()
    t = median_time(lambda: torch.nn.utils.clip_grad_norm_(ps, 1e9))
    report("BM_ClipGradNorm1M", t, GBps=f"{4 * TENSORS * EACH / t / 1e9:.1f}", threads=threads)
