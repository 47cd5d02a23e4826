"""PyTorch figures for xgrad_bench_nn: layer forward+backward steps with the loss
sum(output), parameter gradients cleared after each step (same shapes as bench/nn)."""
from common import median_time, report, setup
import torch
import torch.nn as nn

setup()

fc = nn.Linear(784, 400)
x_fc = torch.rand(128, 784)

cell = nn.GRUCell(64, 128)
x_gru = torch.randn(32, 64)
h_gru = torch.randn(32, 128)

conv = nn.Conv2d(1, 32, 3)
x_conv = torch.rand(32, 1, 28, 28)


def step(module, *inputs):
    def run():
        module(*inputs).sum().backward()
        module.zero_grad(set_to_none=True)
    return run


report("BM_LinearForwardBackward", median_time(step(fc, x_fc)))
report("BM_GRUCellForwardBackward", median_time(step(cell, x_gru, h_gru)))
report("BM_Conv2dForwardBackward", median_time(step(conv, x_conv)))
