"""xgrad's VQ-VAE (models/vq_vae.cpp) in PyTorch: one training step (BM_VqVaeStep).

Same model as xgrad's defaults: encoder conv 4x4/2 1->32, ReLU, conv 4x4/2 32->64, two
residual blocks (x + conv1x1(relu(conv3x3(relu(x)))), 32 inside), ReLU, conv 1x1 64->64;
a codebook of K = 128 codes of D = 64 (U(-1/K, 1/K)), nearest code by one GEMM of
distances, the straight-through gradient; decoder conv 3x3 64->64, two residual blocks,
ReLU, convT 4x4/2 64->32, ReLU, convT 4x4/2 32->1 Bernoulli logits. Loss = mean over the
batch of BCE summed over pixels + 49 x (codebook + 0.25 commitment, each the per-code
mean of the squared distance summed over D); Adam 1e-3, batch 128 random images in [0, 1].
Run with
  OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/vq_vae.py
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import median_time, report, setup


class Residual(nn.Module):
    def __init__(self, channels, hidden):
        super().__init__()
        self.conv3 = nn.Conv2d(channels, hidden, 3, 1, 1)
        self.conv1 = nn.Conv2d(hidden, channels, 1)

    def forward(self, x):
        return x + self.conv1(F.relu(self.conv3(F.relu(x))))


class VqVae(nn.Module):
    def __init__(self, codes=128, dim=64, hidden=64, residual=32, beta=0.25):
        super().__init__()
        h = hidden
        self.encoder = nn.Sequential(nn.Conv2d(1, h // 2, 4, 2, 1), nn.ReLU(), nn.Conv2d(h // 2, h, 4, 2, 1),
                                     Residual(h, residual), Residual(h, residual), nn.ReLU(), nn.Conv2d(h, dim, 1))
        self.codebook = nn.Parameter(torch.empty(codes, dim).uniform_(-1 / codes, 1 / codes))
        self.decoder = nn.Sequential(nn.Conv2d(dim, h, 3, 1, 1), Residual(h, residual), Residual(h, residual), nn.ReLU(),
                                     nn.ConvTranspose2d(h, h // 2, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(h // 2, 1, 4, 2, 1))
        self.beta = beta

    def loss(self, x):
        z = self.encoder(x.view(-1, 1, 28, 28))
        b, d = z.shape[0], z.shape[1]
        rows = z.permute(0, 2, 3, 1).reshape(-1, d)
        dist = rows.pow(2).sum(1, keepdim=True) - 2 * rows @ self.codebook.t() + self.codebook.pow(2).sum(1)
        codes = dist.argmin(1)
        e = self.codebook[codes]
        vq = ((e - rows.detach()).pow(2).sum(1).mean() + self.beta * (rows - e.detach()).pow(2).sum(1).mean()) * 49
        z_q = rows + (e - rows).detach()
        counts = torch.bincount(codes, minlength=self.codebook.shape[0]).float() / codes.numel()
        self.perplexity = torch.exp(-(counts * torch.log(counts + 1e-10)).sum()).item()
        logits = self.decoder(z_q.view(b, 7, 7, d).permute(0, 3, 1, 2)).flatten(1)
        return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1).mean() + vq


def step(model, opt, x):
    opt.zero_grad()
    loss = model.loss(x)
    loss.backward()
    opt.step()
    return loss.item()


def bench_step():
    """BM_VqVaeStep's step on 128 random images (also peak_memory.py's)."""
    x = torch.rand(128, 784)
    model = VqVae()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return lambda: step(model, opt, x)


if __name__ == "__main__":
    threads = setup()
    report("BM_VqVaeStep", median_time(bench_step()), threads=threads)
