"""PyTorch figures for xgrad_bench_autograd: per-op overhead and an MLP step."""
from common import median_time, report, setup
import torch

setup()
x = torch.ones(16, 16, requires_grad=True)
b = torch.full((16, 16), 0.5)
seed = torch.ones(16, 16)


def chain():
    y = x
    for _ in range(1000):
        y = y + b
    return y


def chain_no_grad():
    with torch.no_grad():
        chain()


def chain_backward():
    y = chain()
    y.backward(seed)
    x.grad = None


t = median_time(chain)
report("BM_AddChain16_Forward", t, us_per_op=f"{t * 1e3:.3f}")
t = median_time(chain_no_grad)
report("BM_AddChain16_Forward_NoGrad", t, us_per_op=f"{t * 1e3:.3f}")
t = median_time(chain_backward)
report("BM_AddChain16_ForwardBackward", t, us_per_op=f"{t * 1e3:.3f}")

xin = torch.rand(128, 784)
w1 = (torch.rand(400, 784) * 0.1 - 0.05).requires_grad_()
b1 = (torch.rand(400) * 0.1 - 0.05).requires_grad_()
w2 = (torch.rand(20, 400) * 0.1 - 0.05).requires_grad_()
b2 = (torch.rand(20) * 0.1 - 0.05).requires_grad_()


def mlp():
    h = torch.relu(torch.nn.functional.linear(xin, w1, b1))
    torch.nn.functional.linear(h, w2, b2).sum().backward()
    for p in (w1, b1, w2, b2):
        p.grad = None


report("BM_Mlp_ForwardBackward", median_time(mlp))
