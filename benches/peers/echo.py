"""Peer benchmark for the echo comb search: dynesty (numpy likelihood) vs veristat, same data.

The spec's toy (§5): 4000 bins (T = 4 s, 0-1000 Hz, white S = 1), comb with γ = 2 s⁻¹ fixed,
Δ = 20 Hz, φ = 0.37, injected at optimal SNR 15; 3 free parameters Δ ~ U(10, 40) Hz,
φ ~ U(0, 1) (periodic), A ~ U(0, 3A₀); new (per-QNM phase-marginalised) likelihood.
dynesty: static NestedSampler, nlive = 500, rwalk, multi-ellipsoid bounds, dlogz = 0.1.
veristat: the release example `echo_toy` (nlive = 500, walks = 25, dlogz = 0.1), which then
prints an importance-sampling reference for ln B (1e6 Student-t draws; not timed).

Run from the repository root:
  cargo build --release --example echo_toy && ../venv/bin/python benches/peers/echo.py
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import dynesty
import numpy as np
from scipy.special import ive

T, DF, NB = 4.0, 0.25, 4000
GAMMA, SPACING, PHASE, SNR = 2.0, 20.0, 0.37, 15.0
freq = np.arange(NB) * DF
S = np.ones(NB)


def comb(x, width, amplitude, phase, spacing, duration=T):
    u = (x - phase * spacing) / spacing
    n = np.floor(u + 0.5)
    wp = (u - n) * spacing * 2 * np.pi
    cut = min(max(np.sqrt(1 - 0.04) * width / 0.2, 6 * np.pi / duration), spacing * np.pi)
    inside = (wp > -cut) & (wp < cut)
    H = width / (width + 1j * wp) * (1 - np.exp(-width * duration + 1j * wp * duration))
    return np.where(inside, amplitude * H, 0), n.astype(np.int64)


h1, _ = comb(freq, GAMMA, 1.0, PHASE, SPACING)
A0 = SNR / np.sqrt(4 * DF * np.sum(np.abs(h1) ** 2 / S))
rng = np.random.default_rng(15)
sd = np.sqrt(S / (4 * DF))
data = A0 * h1 + sd * (rng.standard_normal(NB) + 1j * rng.standard_normal(NB))
w = 4 * DF * data / S
v = 2 * DF / S


def logi0(x):
    return np.log(ive(0, x)) + x


def loglike(theta):
    sp, ph, a = theta
    h, n = comb(freq, GAMMA, a, ph, sp)
    x = w * np.conj(h)
    e = v * np.abs(h) ** 2
    # per-tooth sums (n is sorted): bincount over tooth index
    idx = n - n[0]
    xs = np.bincount(idx, weights=x.real) + 1j * np.bincount(idx, weights=x.imag)
    return float(np.sum(logi0(np.abs(xs))) - np.sum(e))


def prior_transform(u):
    return np.array([10 + 30 * u[0], u[1], 3 * A0 * u[2]])


tmp = tempfile.mkdtemp()
csv = os.path.join(tmp, "toy.csv")
np.savetxt(csv, np.column_stack([freq, data.real, data.imag, S]), delimiter=",", header="frequency,real,imaginary,psd",
           comments="", fmt="%.17g")

# likelihood throughput (numpy)
prng = np.random.default_rng(3)
pts = [prior_transform(prng.uniform(size=3)) for _ in range(2000)]
t0 = time.perf_counter()
for p in pts:
    loglike(p)
numpy_rate = len(pts) / (time.perf_counter() - t0)

t0, c0 = time.perf_counter(), time.process_time()
sampler = dynesty.NestedSampler(loglike, prior_transform, 3, nlive=500, sample="rwalk", bound="multi", periodic=[1],
                                rstate=np.random.default_rng(1))
sampler.run_nested(dlogz=0.1, print_progress=False)
dyn_secs = time.perf_counter() - t0
dyn_cpu = time.process_time() - c0
res = sampler.results
dyn_logz, dyn_err, dyn_calls = res.logz[-1], res.logzerr[-1], int(np.sum(res.ncall))
wts = np.exp(res.logwt - res.logz[-1])
post = dynesty.utils.resample_equal(res.samples, wts / wts.sum())
dyn_med = np.median(post, axis=0)

exe = os.environ.get("ECHO_TOY_EXE", os.path.join("target", "release", "examples", "echo_toy"))
if not os.path.exists(exe):
    sys.exit("build it first: cargo build --release --no-default-features --example echo_toy (or set ECHO_TOY_EXE)")
out = subprocess.run([exe, csv, repr(float(A0)), "500", "25", "1", "1000000"], capture_output=True, text=True, check=True)
lines = [json.loads(x) for x in out.stdout.splitlines() if x.strip()]
ours, refs = lines[0], lines[1:]

print(f"toy: {NB} bins, SNR {SNR}, A0 = {A0:.4f}; dynesty {dynesty.__version__}, numpy {np.__version__}")
print(f"likelihood calls/s   numpy new: {numpy_rate:12.0f}   veristat new: {ours['new_calls_per_second']:12.0f}   "
      f"old: {ours['old_calls_per_second']:12.0f}   ratio new/numpy: {ours['new_calls_per_second'] / numpy_rate:8.1f}x")
print(f"dynesty : ln B = {dyn_logz:8.3f} ± {dyn_err:.3f}  calls = {dyn_calls:8d}  time = {dyn_secs:8.2f} s  "
      f"median spacing {dyn_med[0]:.4f} phase {dyn_med[1]:.4f} A/A0 {dyn_med[2] / A0:.4f}")
m = ours["posterior_median"]
print(f"veristat: ln B = {ours['log_bayes_factor']:8.3f} ± {ours['log_bayes_factor_err']:.3f}  calls = {ours['n_likelihood_calls']:8d}  "
      f"time = {ours['seconds']:8.2f} s  median spacing {m['spacing']:.4f} phase {m['phase']:.4f} A/A0 {m['amplitude'] / A0:.4f}  "
      f"({ours['threads']} threads)")
for r in refs:
    print(f"reference: ln B = {r['log_bayes_factor']:8.3f} ± {r['log_bayes_factor_err']:.3f}  ({r['reference']}, {r['draws']} draws, ESS {r['ess']:.0f})")
ref = refs[-1]["log_bayes_factor"]
for name, lb, err in (("veristat", ours["log_bayes_factor"], ours["log_bayes_factor_err"]), ("dynesty", dyn_logz, dyn_err)):
    print(f"{name:8s} - reference: {lb - ref:+.3f} ({(lb - ref) / err:+.2f} own sigma)")
diff = ours["log_bayes_factor"] - dyn_logz
sig = np.hypot(ours["log_bayes_factor_err"], dyn_err)
print(f"search speed-up veristat vs dynesty: {dyn_secs / ours['seconds']:.1f}x;  ln B difference {diff:+.3f} "
      f"({diff / sig:+.2f} combined sigma)")

# One JSON line for benches/peers/run-all (ECHO_BENCH_JSON names the file).
if os.environ.get("ECHO_BENCH_JSON"):
    row = {"task": "echo comb search (toy, 3 parameters)", "design": f"{NB} bins, SNR {SNR:g}",
           "peer": "dynesty", "peer_version": dynesty.__version__,
           "peer_config": "static, nlive 500, rwalk, multi, dlogz 0.1, numpy likelihood",
           "peer_cpu": dyn_cpu, "peer_wall": dyn_secs,
           "peer_accuracy": f"ln B - reference {dyn_logz - ref:+.3f} (one seed)",
           "veristat_cpu": ours["cpu_seconds"], "veristat_wall": ours["seconds"],
           "veristat_accuracy": f"ln B - reference {ours['log_bayes_factor'] - ref:+.3f} (one seed)"}
    with open(os.environ["ECHO_BENCH_JSON"], "a") as f:
        f.write(json.dumps(row) + "\n")
