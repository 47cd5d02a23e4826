"""PyTorch twins of bench/models/transformer_bench.cpp (same shapes, threads, loss, optimizer):

  BM_TransformerEncoderLayerStep   nn.TransformerEncoderLayer(128, 4, 512) (dropout 0.1, post-norm ReLU),
                                   batch-first 32 x 64, loss sum(y * w), Adam 1e-3
  BM_AttentionForwardBackward/causal:C/save_probs:1
                                   softmax(q k^T / sqrt(d) [+ causal -inf]) v on (32, 4, 256, 32), loss sum(y * w):
                                   what torch 1.13's MultiheadAttention runs (it has no fused attention);
                                   autograd keeps P, so it is the twin of save_probs:1 (and of :0)
"""
import math

import torch
import torch.nn as nn

from common import median_time, report, setup

setup()


def encoder_layer_step():
    layer = nn.TransformerEncoderLayer(128, 4, 512, dropout=0.1, batch_first=True)
    layer.train()
    x = torch.randn(32, 64, 128)
    w = torch.randn(32, 64, 128)
    opt = torch.optim.Adam(layer.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        (layer(x) * w).sum().backward()
        opt.step()
    return step


def attention(causal):
    q, k, v = (torch.randn(32, 4, 256, 32, requires_grad=True) for _ in range(3))
    w = torch.randn(32, 4, 256, 32)
    mask = torch.ones(256, 256, dtype=torch.bool).triu(1)

    def step():
        s = q @ k.transpose(-2, -1) / math.sqrt(32)
        if causal:
            s = s.masked_fill(mask, float("-inf"))
        (torch.softmax(s, -1) @ v * w).sum().backward()
        q.grad = k.grad = v.grad = None
    return step


report("BM_TransformerEncoderLayerStep", median_time(encoder_layer_step(), min_time=3.0))
for c in (0, 1):
    t = median_time(attention(c), min_time=3.0)
    for p in (0, 1):
        report(f"BM_AttentionForwardBackward/causal:{c}/save_probs:{p}", t)
