"""PyTorch VRNN (Chung et al. 2015) with exactly the layout of models/vrnn.cpp.

  phi_x   series Linear(D,h)+ReLU, Linear(h,h)+ReLU; text Embedding(256,h)+ReLU, Linear(h,h)+ReLU
  phi_z   Linear(z,h)+ReLU
  prior   Linear(h,h)+ReLU -> mean Linear(h,z), logvar Linear(h,z)
  encoder [phi_x(x_t), h] -> Linear(2h,h)+ReLU -> Linear(h,h)+ReLU -> mean, logvar heads
  decoder [phi_z(z_t), h] -> Linear(2h,h)+ReLU -> Linear(h,h)+ReLU -> series: mean, logvar
          Linear(h,D) each; text: logits Linear(h,256)
  cell    GRUCell(2h, h) on [phi_x(x_t), phi_z(z_t)]
Log-variances clamped to [-10, 10] (as models/common's heads). Loss: sum over time
of -log p(x_t|z_t,h) + KL(q_t || p_t), mean over the batch; Adam 1e-3; PyTorch
default init. Text models labels[:, 1:] of (B, 65) sequences, x_t predicted from z_t, h.

Run with /usr/bin/python3 and OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1:
  --bench   one train step of each benchmark config: BM_VrnnSeriesStep, BM_VrnnTextStep
  --train   the 500-step co2 and fortunes runs, with held-out per-step negative ELBO
            (same data protocol as the "[.][experiment]" tests in tests/models/vrnn_experiment_test.cpp);
            --seed s (init s, batch draws s + 1, as VRNN_SEED there), --only co2|fortunes
"""
import argparse
import math
import os
import sys

import torch
import torch.nn as tnn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

LV_MIN, LV_MAX = -10.0, 10.0


class GaussianHead(tnn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.mean, self.logvar = tnn.Linear(i, o), tnn.Linear(i, o)

    def forward(self, f):
        return self.mean(f), self.logvar(f).clamp(LV_MIN, LV_MAX)


def gauss_lp(x, mu, lv):
    return -0.5 * (math.log(2 * math.pi) + lv + (x - mu) ** 2 * torch.exp(-lv))


def kl_gauss(mq, lq, mp, lp):
    return 0.5 * (lp - lq + (torch.exp(lq) + (mq - mp) ** 2) * torch.exp(-lp) - 1)


class Vrnn(tnn.Module):
    def __init__(self, text, h, z, x_dim=1, classes=256):
        super().__init__()
        self.text, self.h = text, h
        self.phi_x1 = tnn.Embedding(classes, h) if text else tnn.Linear(x_dim, h)
        self.phi_x2 = tnn.Linear(h, h)
        self.phi_z = tnn.Linear(z, h)
        self.prior = tnn.Linear(h, h)
        self.prior_head = GaussianHead(h, z)
        self.enc1, self.enc2 = tnn.Linear(2 * h, h), tnn.Linear(h, h)
        self.enc_head = GaussianHead(h, z)
        self.dec1, self.dec2 = tnn.Linear(2 * h, h), tnn.Linear(h, h)
        self.out = tnn.Linear(h, classes) if text else GaussianHead(h, x_dim)
        self.rnn = tnn.GRUCell(2 * h, h)

    def forward(self, seq):
        """seq: text (B, L) ids, series (B, L, D). Returns per-sequence (recon nll, kl), each (B)."""
        B, L = seq.shape[0], seq.shape[1]
        h = torch.zeros(B, self.h)
        hs, qm, ql, dec = [], [], [], []
        for t in range(L):
            fx = F.relu(self.phi_x2(F.relu(self.phi_x1(seq[:, t]))))
            mq, lq = self.enc_head(F.relu(self.enc2(F.relu(self.enc1(torch.cat([fx, h], 1))))))
            zt = mq + torch.exp(0.5 * lq) * torch.randn_like(mq)
            fz = F.relu(self.phi_z(zt))
            dec.append(F.relu(self.dec2(F.relu(self.dec1(torch.cat([fz, h], 1))))))
            hs.append(h), qm.append(mq), ql.append(lq)
            h = self.rnn(torch.cat([fx, fz], 1), h)
        mp, lp = self.prior_head(F.relu(self.prior(torch.stack(hs, 1))))
        kl = kl_gauss(torch.stack(qm, 1), torch.stack(ql, 1), mp, lp).sum((1, 2))
        d = torch.stack(dec, 1)
        if self.text:
            nll = F.cross_entropy(self.out(d).reshape(B * L, -1), seq.reshape(-1), reduction="none").reshape(B, L).sum(1)
        else:
            mu, lv = self.out(d)
            nll = -gauss_lp(seq, mu, lv).sum((1, 2))
        return nll, kl


class RnnLm(tnn.Module):
    """The baseline without latents (models/rnn_lm.cpp)."""

    def __init__(self, text, h, x_dim=1, classes=256):
        super().__init__()
        self.text, self.h = text, h
        self.phi_x1 = tnn.Embedding(classes, h) if text else tnn.Linear(x_dim, h)
        self.phi_x2 = tnn.Linear(h, h)
        self.dec = tnn.Linear(h, h)
        self.out = tnn.Linear(h, classes) if text else GaussianHead(h, x_dim)
        self.rnn = tnn.GRUCell(h, h)

    def forward(self, seq):
        B, L = seq.shape[0], seq.shape[1]
        h = torch.zeros(B, self.h)
        hs = []
        for t in range(L):
            hs.append(h)
            h = self.rnn(F.relu(self.phi_x2(F.relu(self.phi_x1(seq[:, t])))), h)
        d = F.relu(self.dec(torch.stack(hs, 1)))
        if self.text:
            nll = F.cross_entropy(self.out(d).reshape(B * L, -1), seq.reshape(-1), reduction="none").reshape(B, L).sum(1)
        else:
            mu, lv = self.out(d)
            nll = -gauss_lp(seq, mu, lv).sum((1, 2))
        return nll, torch.zeros(B)


def train_step(model, opt, seq):
    opt.zero_grad()
    nll, kl = model(seq)
    loss = (nll + kl).mean()
    loss.backward()
    opt.step()
    return loss.item(), nll.mean().item(), kl.mean().item()


def bench_step(text, steps=64, batch=32):
    """The timed step of BM_VrnnTextStep (text) or BM_VrnnSeriesStep, at `steps` x `batch`."""
    m = Vrnn(text, 128 if text else 64, 16)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    data = torch.randint(32, 127, (batch, steps)) if text else torch.randn(batch, steps, 1)
    return lambda: train_step(m, opt, data)


# ---- data, the same protocol as tests/models/vrnn_experiment_test.cpp ----
CO2 = "/usr/lib/python3/dist-packages/statsmodels/datasets/co2/co2.csv"
FORTUNES = "/usr/share/games/fortunes"


def co2_windows(L=64):
    vals = []
    with open(CO2) as f:
        next(f)
        for line in f:
            v = line.strip().split(",")[1]
            vals.append(float(v) if v else None)
    known = [i for i, v in enumerate(vals) if v is not None]
    out = []
    for i, v in enumerate(vals):  # linear interpolation, nearest value at the ends
        if v is not None:
            out.append(v)
            continue
        lo = max((k for k in known if k < i), default=None)
        hi = min((k for k in known if k > i), default=None)
        if lo is None:
            out.append(vals[hi])
        elif hi is None:
            out.append(vals[lo])
        else:
            out.append(vals[lo] + (vals[hi] - vals[lo]) * (i - lo) / (hi - lo))
    mean = sum(out) / len(out)
    std = math.sqrt(sum((v - mean) ** 2 for v in out) / len(out))
    z = torch.tensor([(v - mean) / std for v in out], dtype=torch.float32)
    w = torch.stack([z[i:i + L] for i in range(0, len(z) - L + 1)]).unsqueeze(-1)
    held = torch.arange(len(w)) % 10 == 9  # every tenth window is held out
    tr_w, te_w = w[~held], w[held]
    return tr_w, te_w


def fortune_sequences(L=64, n_test=256):
    files = sorted(f for f in os.listdir(FORTUNES)
                   if not f.endswith((".dat", ".u8")) and os.path.isfile(os.path.join(FORTUNES, f)))
    data = b"".join(open(os.path.join(FORTUNES, f), "rb").read() for f in files)
    toks = torch.tensor(list(data), dtype=torch.long)
    n_train = int(len(toks) * 0.9)
    seqs = lambda t: torch.stack([t[i:i + L + 1] for i in range(0, len(t) - L, L)])  # noqa: E731
    return seqs(toks[:n_train]), seqs(toks[n_train:])[:n_test]


def evaluate(model, windows, text, batch=32):
    torch.manual_seed(123)
    tot_nll = tot_kl = 0.0
    steps = 0
    with torch.no_grad():
        for i in range(0, len(windows), batch):
            w = windows[i:i + batch]
            seq = w[:, 1:] if text else w
            nll, kl = model(seq)
            tot_nll += nll.sum().item()
            tot_kl += kl.sum().item()
            steps += seq.shape[0] * seq.shape[1]
    return tot_nll / steps, tot_kl / steps


def run(name, model, train_w, test_w, text, seed=0, steps=500, batch=32):
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(seed + 1)
    first = last = None
    for s in range(steps):
        idx = torch.randint(0, len(train_w), (batch,), generator=g)
        w = train_w[idx]
        loss, _, _ = train_step(model, opt, w[:, 1:] if text else w)
        first = loss if first is None else first
        last = loss
    nll, kl = evaluate(model, test_w, text)
    per = nll + kl
    extra = f" = {per / math.log(2):.3f} bits/char" if text else ""
    print(f"{name}: train loss {first:.2f} -> {last:.2f}; held-out per step: -ELBO {per:.4f} nats{extra}, "
          f"recon {nll:.4f}, KL {kl:.4f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0, help="init seed s, batch draws s + 1 (VRNN_SEED on the xgrad side)")
    ap.add_argument("--only", choices=["co2", "fortunes"], default=None, help="run one data set")
    a = ap.parse_args()
    common.setup(a.threads)
    if a.bench:
        common.report("BM_VrnnSeriesStep", common.median_time(bench_step(False), min_time=3.0))
        common.report("BM_VrnnTextStep", common.median_time(bench_step(True), min_time=3.0))
    if a.train:
        sd = a.seed
        if a.only in (None, "co2"):
            tr, te = co2_windows()
            torch.manual_seed(sd)
            run("co2 VRNN GRU h=64 z=16", Vrnn(False, 64, 16), tr, te, False, sd)
            torch.manual_seed(sd)
            run("co2 GRU baseline h=64", RnnLm(False, 64), tr, te, False, sd)
        if a.only in (None, "fortunes"):
            tr, te = fortune_sequences()
            torch.manual_seed(sd)
            run("fortunes VRNN GRU h=128 z=16", Vrnn(True, 128, 16), tr, te, True, sd)
            torch.manual_seed(sd)
            run("fortunes GRU baseline h=128", RnnLm(True, 128), tr, te, True, sd)

if __name__ == "__main__":
    main()
