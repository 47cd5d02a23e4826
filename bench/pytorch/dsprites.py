"""PyTorch reference of xgrad's beta-TCVAE and FactorVAE on the generated dSprites.

Trains one model on the same rows as `xgrad train --data dsprites --limit N` (the rows and
images of bench/pytorch/dsprites_data.py; the visiting order is torch.randperm's), with the
same network (Chen et al.'s MLP 4096-1200-1200-10, log-variance clamped to [-10, 10],
Bernoulli logits, PyTorch's default init), objective, optimizers and budget (--epochs passes,
one by default, batch 64, Adam 1e-3), and writes OUT/config.json and OUT/model.safetensors under xgrad's
parameter names, so `xgrad eval OUT` scores it with xgrad's own metric code. The objectives
follow models/beta_tcvae.cpp (minibatch-weighted sampling, N = the rows) and
models/factor_vae.cpp (the critic of 5 x 1000 leaky-ReLU units, Adam 1e-4, betas 0.5, 0.9;
TC = -mean logit of "permuted"; one batch, its dimensions permuted, for the critic).
OUT/reference.json holds the reconstruction error of the first --check-n test images, which
`xgrad eval OUT --n CHECK_N` must reproduce (tests/apps/pytorch_dsprites_reference_*.sh).
  /usr/bin/python3 bench/pytorch/dsprites.py --model beta-tcvae --limit 51200 --seed 1 --out RUN
"""
import argparse
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import dsprites_data as data
from common import mlp

LOG_2PI = math.log(2 * math.pi)


class Head(nn.Module):
    def __init__(self, hidden, latent):
        super().__init__()
        self.mean, self.logvar = nn.Linear(hidden, latent), nn.Linear(hidden, latent)


class Vae(nn.Module):
    """Names as xgrad's Vae: encoder.{0,2}, head.{mean,logvar}, decoder.{0,2,4}."""

    def __init__(self, hidden, latent):
        super().__init__()
        self.encoder = nn.Sequential(*mlp(data.SIDE * data.SIDE, *hidden), nn.ReLU())
        self.head = Head(hidden[-1], latent)
        self.decoder = mlp(latent, *reversed(hidden), data.SIDE * data.SIDE)

    def forward(self, x):
        h = self.encoder(x)
        mu, logvar = self.head.mean(h), self.head.logvar(h).clamp(-10, 10)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        recon = F.binary_cross_entropy_with_logits(self.decoder(z), x, reduction="none").sum(1)
        return mu, logvar, z, recon


def adam(params, **options):
    """Adam, fused where this torch has it on the CPU (2.4 and later; the per-tensor loop dominated
    the step on these 16.7M parameters), the same update up to rounding."""
    params = list(params)
    try:
        return torch.optim.Adam(params, fused=True, **options)
    except (RuntimeError, TypeError):
        return torch.optim.Adam(params, **options)


def log_normal(z, mu, logvar):
    return -0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / torch.exp(logvar))


def tcvae_loss(mu, logvar, z, recon, a):
    """Chen et al.'s eq. 4 with minibatch-weighted sampling, as models/common/total_correlation.cpp."""
    b = z.size(0)
    pair = log_normal(z[:, None, :], mu[None, :, :], logvar[None, :, :])  # (B, B, D): log q(z_i,d | x_j)
    log_nm = math.log(a.limit * b)
    log_qz = torch.logsumexp(pair.sum(2), 1) - log_nm
    log_prod = (torch.logsumexp(pair, 1) - log_nm).sum(1)
    log_qzx = log_normal(z, mu, logvar).sum(1)
    log_pz = log_normal(z, torch.zeros_like(z), torch.zeros_like(z)).sum(1)
    return (recon + a.alpha * (log_qzx - log_qz) + a.beta * (log_qz - log_prod) + a.gamma * (log_prod - log_pz)).mean()


def permute_dims(z):
    return torch.stack([z[torch.randperm(z.size(0)), d] for d in range(z.size(1))], 1)


class FactorStep:
    """FactorVAE's two updates per batch: the VAE with gamma TC (critic fixed), then the critic."""

    def __init__(self, model, latent, a):
        self.critic = mlp(latent, *[1000] * 5, 1, activation=lambda: nn.LeakyReLU(0.01))
        model.discriminator = self.critic
        self.gamma = a.gamma
        self.vae_params = [p for n, p in model.named_parameters() if not n.startswith("discriminator.")]
        self.opt_critic = adam(self.critic.parameters(), lr=1e-4, betas=(0.5, 0.9))

    def loss(self, mu, logvar, z, recon):
        kl = 0.5 * (mu ** 2 + torch.exp(logvar) - 1 - logvar).sum(1)
        return (recon + kl).mean() - self.gamma * self.critic(z).mean()

    def after(self, z):
        codes = z.detach()
        permuted, ones, zeros = permute_dims(codes), torch.ones(codes.size(0), 1), torch.zeros(codes.size(0), 1)
        loss = F.binary_cross_entropy_with_logits(self.critic(permuted), ones) + \
            F.binary_cross_entropy_with_logits(self.critic(codes), zeros)
        self.opt_critic.zero_grad()
        loss.backward()
        self.opt_critic.step()


def train(a):
    torch.manual_seed(a.seed)
    hidden = [int(h) for h in a.hidden.split(",")]
    model = Vae(hidden, a.latent)
    factor = FactorStep(model, a.latent, a) if a.model == "factor-vae" else None
    params = factor.vae_params if factor else list(model.parameters())
    opt = adam(params, lr=a.lr)
    images = torch.from_numpy(data.images(a.limit, data.TRAIN_SEED, a.cache))
    start, loss = time.time(), float("nan")
    for _ in range(a.epochs):  # each pass in a fresh order
        order = torch.randperm(a.limit)
        for first in range(0, a.limit, a.batch):
            x = images[order[first:first + a.batch]].float()
            mu, logvar, z, recon = model(x)
            objective = factor.loss(mu, logvar, z, recon) if factor else tcvae_loss(mu, logvar, z, recon, a)
            opt.zero_grad()
            objective.backward()
            opt.step()
            if factor:
                factor.after(z)
            loss = objective.item()
    return model, loss, time.time() - start


def reconstruction_error(model, n, cache):
    """Mean squared error of decode(posterior mean) on the first n test images, as `xgrad eval`'s recon_error."""
    x = torch.from_numpy(data.images(n, data.TEST_SEED, cache)).float()
    with torch.no_grad():
        return F.mse_loss(torch.sigmoid(model.decoder(model.head.mean(model.encoder(x)))), x).item()


def write_atomic(path, blob):
    with open(path + ".part", "wb") as f:
        f.write(blob)
    os.replace(path + ".part", path)


def safetensors(state, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in state.items():
        b = t.detach().contiguous().float().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def model_config(a):
    c = {"kind": a.model, "channels": 1, "hidden": a.hidden, "input": data.SIDE * data.SIDE, "latent": a.latent, "lr": a.lr,
         "gamma": a.gamma}
    if a.model == "beta-tcvae":
        c.update(alpha=a.alpha, beta=a.beta, dataset_size=a.limit, sampling="mws")
    return c


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", choices=["beta-tcvae", "factor-vae"], required=True)
    p.add_argument("--limit", type=int, default=51200)
    p.add_argument("--epochs", type=int, default=1, help="passes over the --limit rows")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--hidden", default="1200,1200")
    p.add_argument("--latent", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--alpha", type=float, default=1)
    p.add_argument("--beta", type=float, default=6)
    p.add_argument("--gamma", type=float, help="factor-vae: TC weight (35); beta-tcvae: dimension-wise KL weight (1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--check-n", type=int, default=200)
    p.add_argument("--cache", help="a directory keeping the rendered images for the next run")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    if a.gamma is None:
        a.gamma = 35.0 if a.model == "factor-vae" else 1.0
    if not 0 < a.limit <= data.COMBINATIONS or a.batch < 1 or a.epochs < 1:
        p.error(f"--limit must be in [1, {data.COMBINATIONS}], --batch and --epochs >= 1")
    torch.set_num_threads(a.threads)
    model, loss, seconds = train(a)
    os.makedirs(a.out, exist_ok=True)
    config = model_config(a)
    run = {"command": "train", "model": config, "data": "dsprites", "limit": a.limit, "test_limit": 0, "epochs": a.epochs,
           "batch": a.batch, "seed": a.seed, "trained_by": f"bench/pytorch/dsprites.py, torch {torch.__version__}"}
    write_atomic(os.path.join(a.out, "config.json"), (json.dumps(run, indent=2) + "\n").encode())
    write_atomic(os.path.join(a.out, "model.safetensors"),
                 safetensors(model.state_dict(), {"xgrad.model": a.model, "config": json.dumps(config)}))
    ref = {"last_loss": loss, "train_seconds": seconds, "check_n": a.check_n,
           "recon_error": reconstruction_error(model, a.check_n, a.cache)}
    write_atomic(os.path.join(a.out, "reference.json"), (json.dumps(ref, indent=2) + "\n").encode())
    print(json.dumps(ref))


if __name__ == "__main__":
    main()
