"""Monte Carlo replicates per second: veristat (Rust, rayon) vs a vectorized numpy implementation.

Cases (same as benches/expfam.rs):
  normal-gamma: normal model fitted to Gamma(4, 1) data, n = 100; loss KL(N(4, 4) || N(m_hat, v_hat)).
  gauss20: diagonal Gaussian model, d = 20, truth N(0, AR(1) rho = 0.5), n = 100;
           theta* = N(0, I); loss KL(N(0, I) || N(m_hat, diag v_hat)).
Runs our example binary (built with `cargo build --release --no-default-features --example expfam`)
and numpy in the same process run, and prints replicates/s for both and the ratio.

Usage: ../venv/bin/python benches/peers/expfam.py [R]
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXE = os.path.join(ROOT, "target", "release", "examples", "expfam")
N = 100


def numpy_normal_gamma(reps, rng, chunk=5000):
    out = []
    for s in range(0, reps, chunk):
        r = min(chunk, reps - s)
        x = rng.gamma(4.0, 1.0, size=(r, N))
        m = x.mean(axis=1)
        v = (x * x).mean(axis=1) - m * m
        # KL(N(4, 4) || N(m, v))
        out.append(0.5 * (np.log(v / 4.0) + (4.0 + (4.0 - m) ** 2) / v - 1.0))
    return np.concatenate(out)


def numpy_gauss20(reps, rng, chunk=1000, d=20, rho=0.5):
    idx = np.arange(d)
    cov = rho ** np.abs(idx[:, None] - idx[None, :])
    L = np.linalg.cholesky(cov)
    out = []
    for s in range(0, reps, chunk):
        r = min(chunk, reps - s)
        z = rng.standard_normal(size=(r, N, d))
        x = z @ L.T
        m = x.mean(axis=1)
        v = (x * x).mean(axis=1) - m * m
        out.append(0.5 * np.sum(1.0 / v + m * m / v - 1.0 + np.log(v), axis=1))
    return np.concatenate(out)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    if not os.path.exists(EXE):
        sys.exit(f"build first: cargo build --release --no-default-features --example expfam ({EXE} missing)")
    rng = np.random.default_rng(1)
    print(f"numpy {np.__version__}; n = {N}; replicates = {reps}; threads available to rayon = {os.cpu_count()}")
    for case, fn in [("normal-gamma", numpy_normal_gamma), ("gauss20", numpy_gauss20)]:
        t0 = time.perf_counter()
        kl = fn(reps, rng)
        t_np = time.perf_counter() - t0
        res = subprocess.run([EXE, "bench", case, str(N), str(reps)], check=True, capture_output=True, text=True)
        ours = json.loads(res.stdout)
        rps_np = reps / t_np
        rps_us = ours["replicates_per_second"]
        print(
            f"{case:13s} veristat {rps_us:12.0f} rep/s (risk {ours['risk']:.6f} ± {ours['se']:.6f})   "
            f"numpy {rps_np:12.0f} rep/s (risk {kl.mean():.6f} ± {kl.std(ddof=1) / np.sqrt(reps):.6f})   "
            f"ratio veristat/numpy = {rps_us / rps_np:.2f}"
        )


if __name__ == "__main__":
    main()
