"""The VAE family of xgrad in PyTorch, for the side-by-side comparison.

  --bench              one training step (forward, backward, Adam) of each model on a
                       batch of 128 random images in [0, 1]; names as bench/models/vae_bench.cpp
  --train --epochs N   trains the MLP VAE on Fashion-MNIST (batch 128, shuffled, Adam 1e-3),
                       prints the test negative ELBO per example after each epoch and, at the
                       end, the IWAE log-likelihood (k = 1000) of the first 1000 test images

Same models as xgrad (models/vae.cpp, models/cvae.cpp; the CVAE with its default learned
conditional prior p(z | y)): PyTorch's default init, the log-variance clamped to [-10, 10], Bernoulli likelihood with logits, and the loss is
the per-example MEAN over the batch of BCE summed over pixels + KL summed over latents
(PyTorch's examples/vae sums over the batch; Adam makes the two nearly equivalent, but
the mean keeps both sides identical). Run with
  OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/vae.py --bench
"""
import gzip
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import bench_or_train, median_time, report, setup

DATA = "/usr/share/datasets/fashion-mnist"


class Vae(nn.Module):
    def __init__(self, conv=False, hidden=400, latent=20, cond=0, learned_prior=True):
        super().__init__()
        self.cond = cond
        if conv:
            self.encoder = nn.Sequential(
                nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1),
                nn.ReLU(), nn.Flatten(), nn.Linear(64 * 7 * 7, hidden), nn.ReLU())
            self.decoder = nn.Sequential(
                nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 64 * 7 * 7), nn.ReLU(),
                nn.Unflatten(1, (64, 7, 7)), nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
                nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Flatten())
        else:
            self.encoder = nn.Sequential(nn.Linear(784 + cond, hidden), nn.ReLU())
            self.decoder = nn.Sequential(nn.Linear(latent + cond, hidden), nn.ReLU(), nn.Linear(hidden, 784))
        self.mean = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        if cond and learned_prior:  # xgrad's CVAE default: Sohn et al.'s conditional prior p(z | y)
            self.prior_mean = nn.Linear(cond, latent)
            self.prior_logvar = nn.Linear(cond, latent)
        self.learned_prior = bool(cond and learned_prior)

    def with_label(self, v, y):
        return torch.cat([v, F.one_hot(y, self.cond).float()], 1) if self.cond else v

    def posterior(self, x, y=None):
        h = self.encoder(self.with_label(x, y))
        return self.mean(h), self.logvar(h).clamp(-10, 10)

    def logits(self, z, y=None):
        return self.decoder(self.with_label(z, y))

    def terms(self, x, y=None):
        mu, lv = self.posterior(x, y)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        recon = F.binary_cross_entropy_with_logits(self.logits(z, y), x, reduction="none").sum(1)
        if self.learned_prior:  # KL(N(mu, e^lv) || N(pm, e^plv))
            onehot = F.one_hot(y, self.cond).float()
            pm, plv = self.prior_mean(onehot), self.prior_logvar(onehot).clamp(-10, 10)
            kl = 0.5 * (plv - lv + (lv.exp() + (mu - pm).pow(2)) / plv.exp() - 1).sum(1)
        else:
            kl = 0.5 * (mu.pow(2) + lv.exp() - 1 - lv).sum(1)
        return recon, kl


def step(model, opt, x, y=None):
    opt.zero_grad()
    recon, kl = model.terms(x, y)
    loss = (recon + kl).mean()
    loss.backward()
    opt.step()
    return loss.item()


def training_step(name="BM_VaeMlpStep", batch=128):
    """The timed step of a benchmark of vae_bench.cpp: a fresh model and Adam on `batch` random images."""
    x, y = torch.rand(batch, 784), torch.arange(batch) % 10
    model = {"BM_VaeMlpStep": lambda: Vae(), "BM_ConvVaeStep": lambda: Vae(conv=True),
             "BM_CvaeStep": lambda: Vae(cond=10)}[name]()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    labels = y if name == "BM_CvaeStep" else None
    return lambda: step(model, opt, x, labels)


def bench():
    threads = setup()
    for name in ("BM_VaeMlpStep", "BM_ConvVaeStep", "BM_CvaeStep"):
        report(name, median_time(training_step(name)), threads=threads)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def images(split):
    return torch.from_numpy(read_idx(f"{DATA}/{split}-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255)


@torch.no_grad()
def test_neg_elbo(model, x):
    total = 0.0
    for s in range(0, len(x), 1000):
        recon, kl = model.terms(x[s:s + 1000])
        total += (recon + kl).double().sum().item()
    return total / len(x)


@torch.no_grad()
def iwae(model, x, k):
    mu, lv = model.posterior(x)
    std = torch.exp(0.5 * lv)
    lw = []
    for _ in range(k):
        z = mu + std * torch.randn_like(mu)
        log_px = -F.binary_cross_entropy_with_logits(model.logits(z), x, reduction="none").sum(1)
        log_pz = (-0.5 * (math.log(2 * math.pi) + z.pow(2))).sum(1)
        log_qz = (-0.5 * (math.log(2 * math.pi) + lv + (z - mu).pow(2) / lv.exp())).sum(1)
        lw.append((log_px + log_pz - log_qz).double())
    return (torch.logsumexp(torch.stack(lw), 0) - math.log(k)).mean().item()


def train(epochs, seed):
    setup()
    torch.manual_seed(seed)
    train_x, test_x = images("train"), images("t10k")
    model = Vae()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        perm = torch.randperm(len(train_x))
        for s in range(0, len(train_x), 128):
            step(model, opt, train_x[perm[s:s + 128]])
        print(f"epoch {epoch} test_neg_elbo {test_neg_elbo(model, test_x):.2f} ({time.perf_counter() - start:.1f} s)",
              flush=True)
    print(f"iwae_k1000_first1000 {iwae(model, test_x[:1000], 1000):.2f}", flush=True)


if __name__ == "__main__":
    bench_or_train(__doc__, bench, train)
