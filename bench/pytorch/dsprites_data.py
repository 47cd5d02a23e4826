"""xgrad's generated dSprites in numpy, so the PyTorch reference trains on the same images.

Two ports, both checked end to end by tests/apps/pytorch_dsprites_reference_scores_in_xgrad_eval.sh
(the reference's reconstruction error on the test rows equals what `xgrad eval` measures
on its exported weights, which it cannot if a row or a pixel differs):
  - core::permutation with core::Generator (xoshiro256** seeded through splitmix64, `below`
    by Lemire's method), which pick the rows: `xgrad train --data dsprites --limit N` holds
    the first N of the permutation of all combinations drawn with seed 1, the test set the
    first ones of seed 2 (apps/image/datasets.cpp);
  - DSprites::draw (nn/data/dsprites.hpp), the rasteriser, vectorised over images.
The order in which training visits the rows is the reference's own (torch.randperm).
"""
import os

import numpy as np

M64 = (1 << 64) - 1
FACTOR_SIZES = (3, 6, 40, 32, 32)  # shape, scale, orientation, posX, posY (posY fastest)
COMBINATIONS = 3 * 6 * 40 * 32 * 32
SIDE = 64
TRAIN_SEED, TEST_SEED = 1, 2


def _seeded(seed):
    """core::Generator's state for `seed`: four splitmix64 outputs."""
    state, x = [], seed
    for _ in range(4):
        x = (x + 0x9E3779B97F4A7C15) & M64
        z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        state.append(z ^ (z >> 31))
    return state


def rows(count, seed):
    """The combination indices of `xgrad`'s dSprites of `count` rows drawn with `seed`:
    core::permutation (Fisher-Yates from the top) with core::Generator::below (Lemire's
    multiply-and-reject) on xoshiro256**, inlined because it runs 737,279 times."""
    s0, s1, s2, s3 = _seeded(seed)
    p = list(range(COMBINATIONS))
    for i in range(COMBINATIONS - 1, 0, -1):
        n, threshold = i + 1, None
        while True:
            r = (s1 * 5) & M64
            m = ((((r << 7) | (r >> 57)) & M64) * 9 & M64) * n
            t = (s1 << 17) & M64
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = ((s3 << 45) | (s3 >> 19)) & M64
            if (m & M64) >= n:
                break
            threshold = ((1 << 64) - n) % n if threshold is None else threshold
            if (m & M64) >= threshold:
                break
        j = m >> 64
        p[i], p[j] = p[j], p[i]
    return np.array(p[:count], dtype=np.int64)


def factors_of(index):
    """(n,) combination indices -> (n, 5) factor indices."""
    f = np.empty((len(index), 5), dtype=np.int64)
    rest = np.asarray(index, dtype=np.int64).copy()
    for k in range(4, -1, -1):
        f[:, k], rest = rest % FACTOR_SIZES[k], rest // FACTOR_SIZES[k]
    return f


def _inside(shape, ux, uy):
    square = np.maximum(np.abs(ux), np.abs(uy)) <= 1
    ellipse = (ux / 1.2) * (ux / 1.2) + (uy / 0.6) * (uy / 0.6) <= 1
    x, y = 1.2 * ux, 0.15 - 1.2 * uy
    r = x * x + y * y - 1
    heart = r * r * r <= x * x * y * y * y
    return np.where(shape == 0, square, np.where(shape == 1, ellipse, heart))


def render(index, chunk=1024):
    """(n,) combination indices -> (n, 4096) uint8 images in {0, 1}, as DSprites::draw."""
    out = np.empty((len(index), SIDE * SIDE), dtype=np.uint8)
    centres = np.arange(SIDE, dtype=np.float64) + 0.5
    for start in range(0, len(index), chunk):
        f = factors_of(index[start:start + chunk]).astype(np.float64)
        col = lambda v: v[:, None, None]
        scale, angle = 0.5 + 0.1 * f[:, 1], 2 * np.pi * f[:, 2] / 40.0
        cx, cy = 12 + 40.0 * f[:, 3] / 31.0, 12 + 40.0 * f[:, 4] / 31.0
        c, s = np.cos(angle) / (8 * scale), np.sin(angle) / (8 * scale)
        px, py = centres[None, None, :] - col(cx), centres[None, :, None] - col(cy)
        inside = _inside(col(f[:, 0]), col(c) * px + col(s) * py, -col(s) * px + col(c) * py)
        out[start:start + chunk] = inside.reshape(len(f), -1)
    return out


def images(count, seed, cache=None):
    """render(rows(count, seed)), kept in the directory `cache` when given (both take seconds)."""
    path = cache and os.path.join(cache, f"dsprites-seed{seed}-{count}.npy")
    if path and os.path.exists(path):
        return np.load(path)
    x = render(rows(count, seed))
    if path:
        os.makedirs(cache, exist_ok=True)
        part = f"{path}.{os.getpid()}.part"  # one per process: two runs may fill the cache at once
        with open(part, "wb") as f:
            np.save(f, x)
        os.replace(part, path)
    return x
