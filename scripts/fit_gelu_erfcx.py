#!/usr/bin/env python3
"""Fits the polynomial core/detail/simd.hpp's float GELU evaluates (gelu_cdf_and_gauss).

erfcx(a) = exp(a^2) erfc(a) ~ t Q(t), t = 1 / (1 + P a), Q of degree DEG, on a in [0, AMAX]
(past that exp(-v^2/2) underflows in float). Weighted least squares on Chebyshev nodes for
the relative error, reweighted towards minimax; then the constant term is nudged so that
Q(1) evaluates to exactly 1 in float (Phi(0) = 1/2). Prints the coefficients (lowest
first) and the largest relative error of t Q(t) evaluated in float against mpmath: here t is
a rounded float division and Horner's steps round twice, where the kernel takes t from a
reciprocal estimate with a Newton step and fuses each step (a few 1e-8 apart).

Needs numpy and mpmath (bench/.venv has both): bench/.venv/bin/python scripts/fit_gelu_erfcx.py
"""
import mpmath as mp
import numpy as np

P, DEG, AMAX = 0.5, 9, 9.5
mp.mp.dps = 30


def erfcx(a):
    return float(mp.exp(mp.mpf(a) ** 2) * mp.erfc(mp.mpf(a)))


def fit(nodes=1500, rounds=30):
    tmin = 1 / (1 + P * AMAX)
    k = np.arange(nodes)
    t = (tmin + 1) / 2 + (1 - tmin) / 2 * np.cos(np.pi * (k + 0.5) / nodes)
    q = np.array([erfcx(a) for a in (1 / t - 1) / P]) / t
    vander = np.vander(t, DEG + 1, increasing=True)
    w = 1 / q
    for r in range(rounds):
        c, *_ = np.linalg.lstsq(vander * w[:, None], q * w, rcond=None)
        err = np.abs(vander @ c - q) / q
        if r + 1 < rounds:
            w = w * np.sqrt(1 + 50 * err / err.max())
    return [np.float32(x) for x in c]


def horner32(c, t):
    q = c[-1]
    for ci in c[-2::-1]:
        q = np.float32(q * t + ci)
    return q


def main():
    c = fit()
    while horner32(c, np.float32(1)) != np.float32(1):
        up = horner32(c, np.float32(1)) < 1
        c[0] = np.nextafter(c[0], np.float32(2) if up else np.float32(-1), dtype=np.float32)
    a = np.linspace(0, AMAX, 4001)
    a32 = a.astype(np.float32)
    t = np.float32(1) / (np.float32(1) + np.float32(P) * a32)
    approx = np.array([np.float32(ti * horner32(c, ti)) for ti in t], dtype=np.float64)
    exact = np.array([erfcx(x) for x in a])
    print("coefficients:", ", ".join(np.format_float_positional(x, unique=True) + "f" for x in c))
    print(f"largest relative error of t Q(t) in float on [0, {AMAX}]: {np.max(np.abs(approx / exact - 1)):.3g}")


if __name__ == "__main__":
    main()
