"""PyTorch reference for the AAE prior-match criterion (docs/results/models-experiments.md, "Does q(z)
match the prior?"): after training, the codes of the 10000 Fashion-MNIST test images
should match N(0, I) — every per-dimension mean within +-0.1, ||cov - I||_F <= 0.2, and
a fresh discriminator trained on half of the codes vs prior draws at most 65 % accurate
on the other half.

It mirrors xgrad's models::Aae as trained by tests/models/aae_experiment_test.cpp and
the measurement in models/common/latent.cpp (code_moments, distance_from_identity,
fresh_discriminator_accuracy), so a miss on the xgrad side can be told apart from a
miss of the method at these sizes and step counts:

  encoder 784-512-512-8 (deterministic), decoder 8-512-512-784 (Bernoulli logits),
  discriminator 8-512-512-1, ReLU, torch's default init; batch 128, reshuffled every
  epoch, last partial batch kept. Per batch:
    1. reconstruction: Adam(recon_lr) with two parameter groups, 0 = encoder,
       1 = decoder, BCE-with-logits summed over pixels, mean over the batch;
    2. z = encoder(x) once; discriminator: Adam(disc_lr, betas (0.5, 0.999)),
       `--disc-steps` steps, each on fresh N(0, I) draws (label 1) vs z.detach()
       (label 0), loss = sum of the two mean BCEs;
    3. generator: Adam(gen_lr, betas (0.5, 0.999)) on the encoder, BCE(disc(z), 1) with
       the discriminator's weights frozen.
  Rate schedule (models::Aae's AaeOptions), set before every train step from the
  progress t = step / total_steps (step from 0, total = epochs * batches per epoch):
    scale = 0.1 if t >= settle_from else 1
    recon group 0 (encoder) lr = scale * (focus_encoder_lr if t >= focus_from else recon_lr)
    recon group 1 (decoder) lr = scale * recon_lr
    disc lr = scale * disc_lr;  gen lr = scale * gen_lr
  `--focus-from` (default 1 = off; xgrad 0.4), `--focus-encoder-lr` (1e-5),
  `--settle-from` (default 1 = off; xgrad 0.8). Adam moves each weight by ~lr whatever
  the loss size, so at recon 1e-3 vs gen 2e-4 the reconstruction phase outpulls the
  generator on the encoder; in the focus stage the decoder keeps following the codes
  while the adversarial phases pull q(z) onto the prior.
  `--decay-last K`: the last K epochs run every optimizer at a tenth of its rate, i.e.
  settle_from = min(settle_from, (epochs - K) / epochs).

Run with Debian's interpreter and one thread, e.g.
  OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/aae_prior_match.py
  ... --disc-steps 5 --disc-lr 5e-4
  ... --disc-steps 5 --disc-lr 5e-4 --epochs 10 --focus-from 0.4 --settle-from 0.8
      (xgrad's two-stage protocol)
  ... --sanity      (the measurement on 10000 exact N(0, I) draws instead of codes)
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import mlp

DATA = "/usr/share/datasets/fashion-mnist"
X, H, Z = 784, 512, 8


def load_images(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    rows, cols = int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows * cols)
    return torch.from_numpy(pixels.astype(np.float32) / 255.0)


def code_moments(codes):
    """Per-dimension mean and the sample covariance (n - 1), in double."""
    z = codes.double()
    mean = z.mean(0)
    c = z - mean
    cov = c.T @ c / (z.shape[0] - 1)
    return mean, cov


def distance_from_identity(cov):
    return torch.linalg.norm(cov - torch.eye(cov.shape[0], dtype=cov.dtype)).item()


def fresh_discriminator_accuracy(codes, prior_draws, epochs=20, hidden=512, batch_size=128):
    """Rows [0, n/2) of codes (label 0) and prior draws (label 1) train a fresh
    8-512-512-1 MLP, Adam(1e-3), `epochs` shuffled epochs; rows [n/2, n) test."""
    n, d = codes.shape
    half = n // 2
    train_x = torch.cat([codes[:half], prior_draws[:half]])
    train_y = torch.cat([torch.zeros(half, 1), torch.ones(half, 1)])
    test_x = torch.cat([codes[half:], prior_draws[half:]])
    test_y = torch.cat([torch.zeros(n - half, 1), torch.ones(n - half, 1)])
    disc = mlp(d, hidden, hidden, 1)
    opt = torch.optim.Adam(disc.parameters(), lr=1e-3)
    m = train_x.shape[0]
    for _ in range(epochs):
        order = torch.randperm(m)
        for start in range(0, m, batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad()
            F.binary_cross_entropy_with_logits(disc(train_x[idx]), train_y[idx]).backward()
            opt.step()
    with torch.no_grad():
        pred = disc(test_x) > 0
    return (pred == (test_y > 0.5)).double().mean().item()


def measure(codes):
    mean, cov = code_moments(codes)
    prior = torch.randn(codes.shape)
    acc = fresh_discriminator_accuracy(codes, prior)
    return mean.abs().max().item(), distance_from_identity(cov), acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--disc-steps", type=int, default=1)
    ap.add_argument("--disc-lr", type=float, default=2e-4)
    ap.add_argument("--gen-lr", type=float, default=2e-4)
    ap.add_argument("--recon-lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--decay-last", type=int, default=0)
    ap.add_argument("--focus-from", type=float, default=1.0,
                    help="progress from which the encoder's recon lr is --focus-encoder-lr (1 = off)")
    ap.add_argument("--focus-encoder-lr", type=float, default=1e-5)
    ap.add_argument("--settle-from", type=float, default=1.0,
                    help="progress from which every rate is a tenth (1 = off)")
    ap.add_argument("--gen-loss", choices=["nonsaturating", "minimax", "logit"], default="nonsaturating",
                    help="generator loss in D's logit l: -log D, log(1 - D), or -l (models::AaeGeneratorLoss)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--sanity", action="store_true",
                    help="measure 10000 exact N(0, I) draws instead of training")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    print(vars(args), flush=True)

    if args.sanity:
        t0 = time.perf_counter()
        mm, dist, acc = measure(torch.randn(10000, Z))
        print(f"sanity (exact N(0,I) draws): max|mean| {mm:.4f}  ||cov-I||_F {dist:.4f}  "
              f"fresh disc {100 * acc:.1f} %  ({time.perf_counter() - t0:.1f} s)", flush=True)
        return

    train = load_images("train-images-idx3-ubyte.gz")
    test = load_images("t10k-images-idx3-ubyte.gz")

    encoder, decoder, disc = mlp(X, H, H, Z), mlp(Z, H, H, X), mlp(Z, H, H, 1)
    # group 0 = encoder, group 1 = decoder (the schedule gives them different rates)
    recon_opt = torch.optim.Adam([{"params": encoder.parameters()}, {"params": decoder.parameters()}],
                                 lr=args.recon_lr)
    disc_opt = torch.optim.Adam(disc.parameters(), lr=args.disc_lr, betas=(0.5, 0.999))
    gen_opt = torch.optim.Adam(encoder.parameters(), lr=args.gen_lr, betas=(0.5, 0.999))

    settle_from = args.settle_from
    if args.decay_last > 0:
        settle_from = min(settle_from, (args.epochs - args.decay_last) / args.epochs)

    def set_rates(t):
        scale = 0.1 if t >= settle_from else 1.0
        enc = args.focus_encoder_lr if t >= args.focus_from else args.recon_lr
        recon_opt.param_groups[0]["lr"] = scale * enc
        recon_opt.param_groups[1]["lr"] = scale * args.recon_lr
        disc_opt.param_groups[0]["lr"] = scale * args.disc_lr
        gen_opt.param_groups[0]["lr"] = scale * args.gen_lr
        return scale, scale * enc

    n = train.shape[0]
    batches = (n + args.batch - 1) // args.batch
    total_steps = args.epochs * batches
    print(f"schedule: {batches} batches/epoch, {total_steps} steps, focus_from {args.focus_from:g} "
          f"(encoder recon lr {args.focus_encoder_lr:g}), settle_from {settle_from:g}", flush=True)
    step = 0
    t_start = time.perf_counter()
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        sums, steps = np.zeros(3), 0
        first = None
        order = torch.randperm(n)
        for start in range(0, n, args.batch):
            rates = set_rates(step / total_steps)
            first = first or rates
            step += 1
            x = train[order[start:start + args.batch]]
            b = x.shape[0]

            recon_opt.zero_grad()
            recon = F.binary_cross_entropy_with_logits(decoder(encoder(x)), x, reduction="sum") / b
            recon.backward()
            recon_opt.step()

            z = encoder(x)
            zd = z.detach()
            ones, zeros = torch.ones(b, 1), torch.zeros(b, 1)
            for _ in range(args.disc_steps):
                disc_opt.zero_grad()
                d_loss = F.binary_cross_entropy_with_logits(disc(torch.randn(b, Z)), ones) + \
                    F.binary_cross_entropy_with_logits(disc(zd), zeros)
                d_loss.backward()
                disc_opt.step()

            gen_opt.zero_grad()
            for p in disc.parameters():
                p.requires_grad_(False)
            logits = disc(z)
            if args.gen_loss == "logit":
                g_loss = -logits.mean()
            elif args.gen_loss == "minimax":
                g_loss = -F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))
            else:
                g_loss = F.binary_cross_entropy_with_logits(logits, ones)
            g_loss.backward()
            gen_opt.step()
            for p in disc.parameters():
                p.requires_grad_(True)

            sums += (recon.item(), d_loss.item(), g_loss.item())
            steps += 1
        r, d, g = sums / steps
        sched = f"lr x{rates[0]:g} enc-recon {rates[1]:g}"
        if rates != first:
            sched = f"lr x{first[0]:g} enc-recon {first[1]:g} -> " + sched
        print(f"epoch {epoch + 1}: {sched}  recon {r:.2f}  disc {d:.4f}  gen {g:.4f}  "
              f"({steps} steps, {time.perf_counter() - t0:.1f} s)", flush=True)
    train_time = time.perf_counter() - t_start

    with torch.no_grad():
        codes = encoder(test)
        test_recon = F.binary_cross_entropy_with_logits(decoder(codes), test, reduction="sum").item() / test.shape[0]
    t0 = time.perf_counter()
    mm, dist, acc = measure(codes)
    print(f"final: test recon {test_recon:.2f} nats  max|mean| {mm:.4f}  ||cov-I||_F {dist:.4f}  "
          f"fresh disc {100 * acc:.1f} %  (train {train_time:.1f} s, measure {time.perf_counter() - t0:.1f} s)",
          flush=True)
    met = mm <= 0.1 and dist <= 0.2 and acc <= 0.65
    print("criterion", "MET" if met else "NOT met", flush=True)


if __name__ == "__main__":
    main()
