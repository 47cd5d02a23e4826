"""PyTorch twins of bench/models/transformer_bench.cpp (same shapes, threads, loss, optimizer):

  BM_TransformerEncoderLayerStep   nn.TransformerEncoderLayer(128, 4, 512) (dropout 0.1, post-norm ReLU),
                                   batch-first 32 x 64, loss sum(y * w), Adam 1e-3
  BM_AttentionForwardBackward/causal:C/save_probs:1
                                   softmax(q k^T / sqrt(d) [+ causal -inf]) v on (32, 4, 256, 32), loss sum(y * w):
                                   what torch 1.13's MultiheadAttention runs (it has no fused attention);
                                   autograd keeps P, so it is the twin of save_probs:1 (and of :0)
  BM_TransformerVaeTextStep        models/transformer_vae.hpp on bytes: encoder Embedding(256, 128) + learned
                                   positions, 2 pre-norm GELU layers (128, 4 heads, 512, no dropout), LayerNorm,
                                   mean over positions, Linear heads to z = 16; decoder [start, bytes[:-1]] +
                                   positions + Linear(z) added, 2 causal layers, LayerNorm, Linear(128, 256);
                                   loss mean_b (CE summed over 64 steps + KL); Adam 1e-3; batch 32
"""
import math

import torch
import torch.nn as nn

from common import median_time, report, setup


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


def attention(causal, seq=256):
    q, k, v = (torch.randn(32, 4, seq, 32, requires_grad=True) for _ in range(3))
    w = torch.randn(32, 4, seq, 32)
    mask = torch.ones(seq, seq, dtype=torch.bool).triu(1)

    def step():
        s = q @ k.transpose(-2, -1) / math.sqrt(32)
        if causal:
            s = s.masked_fill(mask, float("-inf"))
        (torch.softmax(s, -1) @ v * w).sum().backward()
        q.grad = k.grad = v.grad = None
    return step


class TransformerVae(nn.Module):
    def __init__(self, d=128, heads=4, ff=512, layers=2, z=16, context=64, classes=256):
        super().__init__()

        def stack():
            return nn.ModuleList(nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation="gelu",
                                                            batch_first=True, norm_first=True) for _ in range(layers))
        self.enc_embed, self.enc_pos = nn.Embedding(classes, d), nn.Parameter(0.02 * torch.randn(context, d))
        self.enc_layers, self.enc_norm = stack(), nn.LayerNorm(d)
        self.mean, self.logvar = nn.Linear(d, z), nn.Linear(d, z)
        self.z_proj = nn.Linear(z, d)
        self.dec_embed, self.dec_pos = nn.Embedding(classes, d), nn.Parameter(0.02 * torch.randn(context, d))
        self.start = nn.Parameter(0.02 * torch.randn(d))
        self.dec_layers, self.dec_norm, self.out = stack(), nn.LayerNorm(d), nn.Linear(d, classes)
        self.register_buffer("causal", torch.ones(context, context, dtype=torch.bool).triu(1))

    def forward(self, ids):  # ids (B, L + 1); labels[:, 1:] are scored, as models/sequence_input.hpp reads them
        x = ids[:, 1:]
        B, L = x.shape
        h = self.enc_embed(x) + self.enc_pos[:L]
        for layer in self.enc_layers:
            h = layer(h)
        pooled = self.enc_norm(h).mean(1)
        mu, lv = self.mean(pooled), self.logvar(pooled).clamp(-10, 10)
        zs = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        inp = torch.cat([self.start.expand(B, 1, -1), self.dec_embed(x[:, :-1])], 1) + self.dec_pos[:L]
        h = inp + self.z_proj(zs).unsqueeze(1)
        for layer in self.dec_layers:
            h = layer(h, src_mask=self.causal[:L, :L])
        logits = self.out(self.dec_norm(h))
        nll = torch.nn.functional.cross_entropy(logits.reshape(B * L, -1), x.reshape(-1), reduction="sum") / B
        kl = 0.5 * (mu.pow(2) + lv.exp() - 1 - lv).sum() / B
        return nll + kl


def transformer_vae_step():
    model = TransformerVae()
    model.train()
    ids = torch.randint(32, 127, (32, 65))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        model(ids).backward()
        opt.step()
    return step


def main():
    setup()
    report("BM_TransformerEncoderLayerStep", median_time(encoder_layer_step(), min_time=3.0))
    report("BM_TransformerVaeTextStep", median_time(transformer_vae_step(), min_time=3.0))
    for c in (0, 1):
        t = median_time(attention(c), min_time=3.0)
        for p in (0, 1):
            report(f"BM_AttentionForwardBackward/causal:{c}/save_probs:{p}", t)


if __name__ == "__main__":  # scaling.py imports the twins
    main()
