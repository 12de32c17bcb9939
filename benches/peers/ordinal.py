"""Peer benchmark for veristat's ordinal module (run from the repository root after
`cargo build --release --no-default-features --example ordinal_bench`):

    ../venv/bin/python benches/peers/ordinal.py [--n 100000] [--p 20]

Data: the paper's sparse-differences design (Faletto & Bien 2023, Sec. 4.1) with K = 4,
intercepts (0, 3, 5), pi = 1/2, X ~ U(-1, 1)^{n x p}, numpy seed 2390812, written to a CSV.

1. Proportional odds: statsmodels OrderedModel(distr="logit").fit(method="bfgs") vs our
   `ProportionalOdds` (release example `ordinal_bench`; both times are fit only, no file I/O).
2. PRESTO, 20-lambda path + 5-fold CV on standardized x (`ordinal_bench ... presto-cv 20 5`).
   No Python package implements PRESTO (the authors' code is R, ordinalNet-based; R is not
   installed here), so the closest peer is scipy L-BFGS-B on the same objective (spec Sec. 1.2,
   psi = u - v split, the way the spec's reference values were made), timed on ONE fit at the
   lambda our CV chose, against our single fit at that lambda (`presto-lambda`).
Prints times, ratios (peer / ours) and the agreement of the optima.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
import scipy
import statsmodels
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from statsmodels.miscmodels.ordinal_model import OrderedModel

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=100_000)
ap.add_argument("--p", type=int, default=20)
ap.add_argument("--bin", default="target/release/examples/ordinal_bench")
args = ap.parse_args()
n, p, K = args.n, args.p, 4
rng = np.random.default_rng(2390812)

# --- data (paper sign: P(Y <= k) = sigmoid(alpha_k + beta_k'x)) -----------------------------
alpha = np.array([0.0, 3.0, 5.0])
while True:
    beta1 = np.where(rng.random(p) < 0.5, 0.5, 0.0)
    psi = np.where(rng.random((2, p)) < 0.5, rng.choice([-0.5, 0.5], size=(2, p)), 0.0)
    B = np.vstack([beta1, beta1 + psi[0], beta1 + psi[0] + psi[1]])  # (K-1) x p
    X = rng.uniform(-1, 1, size=(n, p))
    F = expit(alpha[None, :] + X @ B.T)
    if np.all(np.diff(F, axis=1) >= 0):
        break
u = rng.random(n)
y = (u[:, None] >= F).sum(axis=1)
cols = [f"x{j + 1}" for j in range(p)]
df = pd.DataFrame(X, columns=cols)
df["y"] = y
tmp = tempfile.mkdtemp()
csv = os.path.join(tmp, "ordinal_bench.csv")
df.to_csv(csv, index=False)
print(f"data: n={n} p={p} K={K} class counts {np.bincount(y, minlength=K).tolist()}")
print(f"versions: python {sys.version.split()[0]}, statsmodels {statsmodels.__version__}, scipy {scipy.__version__}, numpy {np.__version__}")


def ours(*extra):
    out = json.loads(subprocess.run([args.bin, csv, *extra], check=True, capture_output=True, text=True).stdout)
    return out["seconds"], out


# --- 1. proportional odds -----------------------------------------------------------------
t0 = time.perf_counter()
res = OrderedModel(y, X, distr="logit").fit(method="bfgs", disp=False, maxiter=5000)
t_sm = time.perf_counter() - t0
t_po, po = ours("po")
print(f"PO  statsmodels OrderedModel (bfgs): {t_sm:8.3f} s  loglik {res.llf:.6f}")
print(f"PO  veristat (release, fit only)   : {t_po:8.3f} s  loglik {po['loglik']:.6f}  n_iter {po['n_iter']}")
print(f"PO  ratio statsmodels / veristat   : {t_sm / t_po:8.2f}x   |loglik diff| {abs(res.llf - po['loglik']):.2e}")

# --- 2. PRESTO path + CV (ours), single-lambda peer ------------------------------------------
t_path, pr = ours("presto-cv", "20", "5")
lam = pr["lambda"]
print(f"PRESTO veristat 20-lambda path + 5-fold CV: {t_path:8.3f} s  (lambda* = {lam:.4e}, "
      f"{pr['lambdas'].index(lam) if lam in pr['lambdas'] else '?'} of 20)")
t_one, one = ours("presto-lambda", repr(lam))

Xs = (X - X.mean(0)) / X.std(0)
K1 = K - 1


def f_and_grad(z):
    a = z[:K1]
    psi_ = (z[K1:K1 + p * K1] - z[K1 + p * K1:]).reshape(K1, p)
    Bp = np.cumsum(psi_, axis=0)  # polr sign slopes, rows = boundaries
    eta = a[None, :] - Xs @ Bp.T
    G = np.zeros_like(eta)
    ll = 0.0
    idx = np.arange(n)
    for c in range(K):
        m = y == c
        if c == 0:
            e = eta[m, 0]
            ll += log_expit(e).sum()
            G[m, 0] += expit(-e)
        elif c == K - 1:
            e = eta[m, K1 - 1]
            ll += log_expit(-e).sum()
            G[m, K1 - 1] += -expit(e)
        else:
            hi, lo = eta[m, c], eta[m, c - 1]
            if np.any(hi <= lo):
                return 1e10, np.zeros_like(z)
            pr_ = expit(hi) - expit(lo)
            ll += np.log(pr_).sum()
            G[m, c] += expit(hi) * expit(-hi) / pr_
            G[m, c - 1] += -expit(lo) * expit(-lo) / pr_
    gB = -(G.T @ Xs) / n          # d(-ll/n)/dB ... sign below
    ga = -G.sum(0) / n
    gB = -gB                      # d(-ll/n)/dB_k = +X'G_k / n
    gpsi = np.cumsum(gB[::-1], axis=0)[::-1].ravel()
    f = -ll / n + lam * z[K1:].sum()
    return f, np.concatenate([ga, gpsi + lam, -gpsi + lam])


cum = np.cumsum(np.bincount(y, minlength=K))[:-1] / n
z0 = np.concatenate([np.log(cum / (1 - cum)), np.zeros(2 * p * K1)])
t0 = time.perf_counter()
r = minimize(f_and_grad, z0, jac=True, method="L-BFGS-B", bounds=[(None, None)] * K1 + [(0, None)] * (2 * p * K1),
             options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 20000, "maxfun": 50000})
t_peer = time.perf_counter() - t0
print(f"PRESTO one fit at lambda*: scipy L-BFGS-B {t_peer:8.3f} s  objective {r.fun:.10f}  ({r.nit} iterations)")
print(f"PRESTO one fit at lambda*: veristat      {t_one:8.3f} s  objective {one['objective']:.10f}  KKT {one['kkt']:.1e}")
print(f"PRESTO ratio scipy / veristat (one fit)  : {t_peer / t_one:8.2f}x   objective diff (scipy - ours) {r.fun - one['objective']:.2e}")
