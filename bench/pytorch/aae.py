"""PyTorch figure for bench/models/aae_bench.cpp (same name): one AAE training
step at the benchmark spec's sizes — encoder 784-512-512-8 (deterministic),
decoder 8-512-512-784 (Bernoulli logits), discriminator 8-512-512-1, batch 128 —
running the three phases as xgrad's models::Aae does:
  1. reconstruction: Adam(1e-3) on encoder + decoder, BCE summed over pixels, mean over the batch;
  2. discriminator: Adam(2e-4, betas (0.5, 0.999)), prior draws N(0, I) -> 1, codes -> 0;
  3. generator: Adam(2e-4, betas (0.5, 0.999)) on the encoder, codes -> 1.
The codes are encoded once after phase 1 and serve phases 2 (detached) and 3, and
the discriminator's weights need no gradient in phase 3, as on the xgrad side.
"""
import torch
import torch.nn.functional as F

from common import median_time, mlp, report, setup

threads = setup()
B, X, H, Z = 128, 784, 512, 8


encoder, decoder, disc = mlp(X, H, H, Z), mlp(Z, H, H, X), mlp(Z, H, H, 1)
recon_opt = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=1e-3)
disc_opt = torch.optim.Adam(disc.parameters(), lr=2e-4, betas=(0.5, 0.999))
gen_opt = torch.optim.Adam(encoder.parameters(), lr=2e-4, betas=(0.5, 0.999))
x = torch.rand(B, X)
ones, zeros = torch.ones(B, 1), torch.zeros(B, 1)


def step():
    recon_opt.zero_grad()
    recon = F.binary_cross_entropy_with_logits(decoder(encoder(x)), x, reduction="sum") / B
    recon.backward()
    recon_opt.step()

    z = encoder(x)
    disc_opt.zero_grad()
    d_loss = F.binary_cross_entropy_with_logits(disc(torch.randn(B, Z)), ones) + \
        F.binary_cross_entropy_with_logits(disc(z.detach()), zeros)
    d_loss.backward()
    disc_opt.step()

    gen_opt.zero_grad()
    for p in disc.parameters():
        p.requires_grad_(False)
    g_loss = F.binary_cross_entropy_with_logits(disc(z), ones)
    g_loss.backward()
    gen_opt.step()
    for p in disc.parameters():
        p.requires_grad_(True)
    return recon.item(), d_loss.item(), g_loss.item()


if __name__ == "__main__":  # imported by peak_memory.py for its step alone
    step()  # creates the optimizers' state
    report("BM_AaeStep", median_time(step), threads=threads)
