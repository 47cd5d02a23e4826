"""PyTorch figures for the workloads of xgrad_bench_core (same names)."""
from common import median_time, report, setup
import torch

threads = setup()
n = 1 << 20
a, b = torch.rand(n), torch.rand(n)
t = median_time(lambda: torch.exp(a))
report("BM_Exp/1048576", t, GBps=f"{8 * n / t / 1e9:.1f}")
t = median_time(lambda: torch.add(a, b))
report("BM_Add/1048576", t, GBps=f"{12 * n / t / 1e9:.1f}")
t = median_time(lambda: torch.sum(a))
report("BM_Sum/1048576", t, GBps=f"{4 * n / t / 1e9:.1f}")
for m in (128, 256, 512, 1024):
    x, y = torch.rand(m, m), torch.rand(m, m)
    t = median_time(lambda: torch.mm(x, y))
    report(f"BM_Sgemm/{m}", t, GFLOPs=f"{2 * m ** 3 / t / 1e9:.1f}")
x, w, bias = torch.rand(128, 784), torch.rand(400, 784), torch.rand(400)
report("BM_Linear", median_time(lambda: torch.nn.functional.linear(x, w, bias)))
img, k = torch.rand(32, 1, 28, 28), torch.rand(32, 1, 3, 3)
report("BM_Conv2d", median_time(lambda: torch.nn.functional.conv2d(img, k, padding=1)))
