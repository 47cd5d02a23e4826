"""xgrad's hierarchical VAE (models/hvae.cpp, a Ladder VAE) in PyTorch.

  --bench              one training step (forward, backward, Adam) on a batch of 64 and of 128
                       random images in [0, 1] (BM_HvaeStep/batch:64 and /batch:128, as
                       bench/models/hvae_vq_bench.cpp)
  --train --epochs N   trains on Fashion-MNIST with xgrad's defaults (batch 64, shuffled, Adam
                       2e-3 cut to a quarter every 7504 steps (after 8 epochs), KL warm-up over
                       2000 steps, 2 nats of free bits per layer), prints
                       the test negative ELBO and each layer's KL after each epoch and, at the
                       end, the IWAE bound (k = 1000) of the first 1000 test images

The same model as xgrad's: ladder 784-512-512 -> z1 (32), 512-256 -> z2 (16), 256-128 -> z3 (8);
prior nets z_i+1 -> hidden_i -> p(z_i | z_i+1); q(z_i | .) the precision-weighted merge
of the bottom-up estimate and that prior; decoder (z3, z2, z1)-512-512-784 Bernoulli logits;
PyTorch's default init, log-variances clamped to [-10, 10]; loss = mean over the batch of
BCE summed over pixels + w * sum over layers of max(2, batch-mean KL of the layer), w rising
linearly from 0 at step 0 to 1 at step 2000; Adam's rate at step t (from 0) is
2e-3 * 0.25^floor(t / 7504), set before the step (xgrad's StepLR, the `lr_schedule`
step:7504:0.25). Run with
  OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/hvae.py --train
"""
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import bench_or_train, median_time, report, setup
from vae import images

LOG2PI = math.log(2 * math.pi)


def block(*sizes):
    """Linear layers with a ReLU after every one (xgrad's MLP with activate_last)."""
    layers = []
    for i in range(len(sizes) - 1):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.ReLU()]
    return nn.Sequential(*layers)


class Gaussian(nn.Module):
    """xgrad's GaussianHead: features -> (mean, logvar clamped to [-10, 10])."""

    def __init__(self, i, o):
        super().__init__()
        self.mean, self.logvar = nn.Linear(i, o), nn.Linear(i, o)

    def forward(self, h):
        return self.mean(h), self.logvar(h).clamp(-10, 10)


def merge(a, b):
    """Precision-weighted product of N(a) and N(b) (nn::precision_weighted)."""
    (ma, la), (mb, lb) = a, b
    return mb + torch.sigmoid(lb - la) * (ma - mb), la - F.softplus(la - lb)


def log_normal(z, m, lv):
    return (-0.5 * (LOG2PI + lv + (z - m).pow(2) / lv.exp())).sum(1)


class Hvae(nn.Module):
    def __init__(self, hidden=(512, 256, 128), latent=(32, 16, 8), inp=784):
        super().__init__()
        L = len(latent)
        # Registration order as xgrad's: ladder bottom-up with its heads, prior nets, decoder.
        self.up, self.up_head = nn.ModuleList(), nn.ModuleList()
        for i in range(L):
            self.up.append(block(inp, hidden[0], hidden[0]) if i == 0 else block(hidden[i - 1], hidden[i]))
            self.up_head.append(Gaussian(hidden[i], latent[i]))
        self.down, self.down_head = nn.ModuleList(), nn.ModuleList()
        for i in range(L - 1):
            self.down.append(block(latent[i + 1], hidden[i]))
            self.down_head.append(Gaussian(hidden[i], latent[i]))
        self.decoder = nn.Sequential(block(sum(latent), hidden[0], hidden[0]), nn.Linear(hidden[0], inp))
        self.latent = latent

    def latents(self, x):
        """One top-down pass: per layer (top first) z, q = (m, lv), p = (m, lv) or None for N(0, I)."""
        h, up = x, []
        for net, head in zip(self.up, self.up_head):
            h = net(h)
            up.append(head(h))
        out, z = [], None
        for i in reversed(range(len(self.latent))):
            p = None if z is None else self.down_head[i](self.down[i](z))
            q = up[i] if p is None else merge(up[i], p)
            z = q[0] + torch.exp(0.5 * q[1]) * torch.randn_like(q[0])
            out.append((z, q, p))
        return out

    def logits(self, groups):
        """p(x | z1, z2, z3): the decoder reads every layer's draw, top first."""
        return self.decoder(torch.cat([z for z, _, _ in groups], 1))

    def terms(self, x):
        groups = self.latents(x)
        recon = F.binary_cross_entropy_with_logits(self.logits(groups), x, reduction="none").sum(1)
        kls = []
        for z, (mq, lq), p in groups:
            mp, lp = p if p is not None else (torch.zeros_like(mq), torch.zeros_like(lq))
            kls.append(0.5 * (lp - lq + (lq.exp() + (mq - mp).pow(2)) / lp.exp() - 1).sum(1))
        return recon, kls

    def log_weight(self, x):
        groups = self.latents(x)
        lw = -F.binary_cross_entropy_with_logits(self.logits(groups), x, reduction="none").sum(1)
        for z, (mq, lq), p in groups:
            mp, lp = p if p is not None else (torch.zeros_like(mq), torch.zeros_like(lq))
            lw = lw + log_normal(z, mp, lp) - log_normal(z, mq, lq)
        return lw


BATCH, WARMUP, FREE_BITS = 64, 2000, 2.0
LR, LR_EVERY, LR_GAMMA = 2e-3, 7504, 0.25  # Adam's rate, times LR_GAMMA every LR_EVERY steps


def lr_at(step):
    """xgrad's StepLR at this step."""
    return LR * LR_GAMMA ** (step // LR_EVERY)


def loss_at(model, x, step):
    recon, kls = model.terms(x)
    w = min(1.0, step / WARMUP)
    return recon.mean() + w * sum(torch.clamp(kl.mean(), min=FREE_BITS) for kl in kls)


def train_step(model, opt, x, step):
    for group in opt.param_groups:
        group["lr"] = lr_at(step)
    opt.zero_grad()
    loss = loss_at(model, x, step)
    loss.backward()
    opt.step()
    return loss.item()


def bench_step(batch=BATCH):
    """BM_HvaeStep's step on `batch` random images, past the KL warm-up (also peak_memory.py's)."""
    x = torch.rand(batch, 784)
    model = Hvae()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    return lambda: train_step(model, opt, x, 4000)


def bench():
    threads = setup()
    for batch in (64, 128):
        report(f"BM_HvaeStep/batch:{batch}", median_time(bench_step(batch)), threads=threads)


@torch.no_grad()
def evaluate(model, x):
    total, layers = 0.0, None
    for s in range(0, len(x), 1000):
        recon, kls = model.terms(x[s:s + 1000])
        total += (recon + sum(kls)).double().sum().item()
        sums = [kl.double().sum().item() for kl in kls]
        layers = sums if layers is None else [a + b for a, b in zip(layers, sums)]
    names = [f"z{i + 1}" for i in reversed(range(len(model.latent)))]
    return total / len(x), {n: v / len(x) for n, v in zip(names, layers)}


@torch.no_grad()
def iwae(model, x, k):
    lw = torch.stack([model.log_weight(x).double() for _ in range(k)])
    return (torch.logsumexp(lw, 0) - math.log(k)).mean().item()


def train(epochs, seed):
    setup()
    torch.manual_seed(seed)
    train_x, test_x = images("train"), images("t10k")
    model = Hvae()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    step = 0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        perm = torch.randperm(len(train_x))
        for s in range(0, len(train_x), BATCH):
            train_step(model, opt, train_x[perm[s:s + BATCH]], step)
            step += 1
        neg_elbo, kl = evaluate(model, test_x)
        kl_text = " ".join(f"{n} {v:.2f}" for n, v in kl.items())
        print(f"epoch {epoch} test_neg_elbo {neg_elbo:.2f} kl_per_layer {kl_text} ({time.perf_counter() - start:.1f} s)",
              flush=True)
    ll = sum(iwae(model, test_x[s:s + 100], 1000) * 100 for s in range(0, 1000, 100)) / 1000
    print(f"iwae_k1000_first1000 {ll:.2f}", flush=True)


if __name__ == "__main__":
    bench_or_train(__doc__, bench, train)
