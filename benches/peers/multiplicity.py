"""Benchmark: viable prediction ranges of every breast-cancer training point at epsilon = 1% of J*
(569 points, 1138 solves), veristat against cvxpy + ECOS (one conic solve per endpoint, the
paper-style approach).

Setup (spec §4): load_breast_cancer standardized on all rows (population SD), lambda = 1/569
(sklearn C = 1), J = mean log-loss + lambda/2 ||w||^2 with a free intercept, tau = 1.01 J*.

cvxpy + ECOS takes ~0.1-0.2 s per solve, so by default it is timed on a subset of points
(--cvxpy-points, evenly spaced rows, both endpoints each) and its per-solve time is extrapolated
to all 1138 solves; the script says so when it extrapolates. Pass --cvxpy-points 569 to time
them all. Our side runs the release example (built with `cargo build --release
--no-default-features --example multiplicity`), which prints its own solve time; the process
wall time (including reading the CSV) is reported too. Both sides run with BLAS pinned to one
thread; ours uses rayon over all cores of this machine (reported below).

Run: ../venv/bin/python benches/peers/multiplicity.py [--cvxpy-points K]
"""
import argparse, os, pathlib, re, resource, subprocess, time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import cvxpy as cp
import ecos
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = pathlib.Path(__file__).resolve().parents[2]
ap = argparse.ArgumentParser()
ap.add_argument("--cvxpy-points", type=int, default=25)
ap.add_argument("--example", default=str(ROOT / "target/release/examples/multiplicity"))
args = ap.parse_args()

d = load_breast_cancer()
X = StandardScaler().fit_transform(d.data)
y = d.target.astype(float)
n, p = X.shape
lam = 1.0 / n
A = np.hstack([X, np.ones((n, 1))])
ys = 2 * y - 1


def J(th):
    return np.mean(np.logaddexp(0, -ys * (A @ th))) + lam / 2 * th[:p] @ th[:p]


t_fit = time.perf_counter()
clf = LogisticRegression(C=1.0, tol=1e-12, max_iter=10000).fit(X, y)
th = np.append(clf.coef_.ravel(), clf.intercept_[0])
P = np.diag(np.append(np.ones(p), 0.0))
for _ in range(20):
    sig = 1 / (1 + np.exp(-(A @ th)))
    g = A.T @ (sig - y) / n + lam * P @ th
    if np.max(np.abs(g)) < 1e-15:
        break
    H = A.T @ (A * (sig * (1 - sig))[:, None]) / n + lam * P
    th = th - np.linalg.solve(H, g)
t_fit = time.perf_counter() - t_fit
jstar = J(th)
tau = 1.01 * jstar

# One parametrized problem, re-solved per point (cvxpy caches the canonicalization).
t_var = cp.Variable(p + 1)
a_par = cp.Parameter(p + 1)
obj = cp.sum(cp.logistic(-cp.multiply(ys, A @ t_var))) / n + lam / 2 * cp.sum_squares(t_var[:p])
prob = cp.Problem(cp.Maximize(a_par @ t_var), [obj <= tau])

k = min(args.cvxpy_points, n)
rows = np.linspace(0, n - 1, k).round().astype(int)
ecos_ranges = {}
t0 = time.perf_counter()
c0 = time.process_time()
for i in rows:
    ends = []
    for sign in (-1.0, 1.0):
        a_par.value = sign * A[i]
        prob.solve(solver=cp.ECOS, abstol=1e-10, reltol=1e-10, feastol=1e-10, max_iters=500)
        ends.append(float(A[i] @ t_var.value))
    ecos_ranges[int(i)] = ends
t_ecos = time.perf_counter() - t0
cpu_ecos = (time.process_time() - c0) / (2 * k) * 2 * n
per_solve = t_ecos / (2 * k)
ecos_total = per_solve * 2 * n + t_fit

# Ours: the release example (fit + level set + all 1138 solves), timed.
ex = pathlib.Path(args.example)
if not ex.exists():
    raise SystemExit(f"build it first: cargo build --release --no-default-features --example multiplicity ({ex} missing)")
walls, solves = [], []
ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
for _ in range(5):
    t0 = time.perf_counter()
    out = subprocess.run([str(ex), "0.01"], check=True, capture_output=True, text=True).stdout
    walls.append(time.perf_counter() - t0)
    solves.append(float(re.search(r"solve_seconds=([0-9.eE+-]+)", out).group(1)))
ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu_ours = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / 5
ours_solve = float(np.median(solves))
ours_wall = float(np.median(walls))

agree = ""
# Agreement on the cvxpy rows, through the CLI (any build; only its numbers are used).
cli = next((c for c in (ROOT / "target/release/veristat", ROOT / "target/debug/veristat") if c.exists()), None)
if cli is not None:
    import json
    res = subprocess.run([str(cli), "multiplicity", "--data", str(ROOT / "datasets/breast_cancer.csv"), "--target", "target",
                          "--epsilon", "0.01", "--relative", "--l2", repr(lam), "--standardize",
                          "--rows", ",".join(str(int(i)) for i in rows)], check=True, capture_output=True, text=True)
    pts = json.loads(res.stdout)["points"]
    err = max(max(abs(pt["s_min"] - ecos_ranges[pt["row"]][0]), abs(pt["s_max"] - ecos_ranges[pt["row"]][1])) for pt in pts)
    agree = f"max |score difference| veristat vs ECOS on those {k} points: {err:.2e}\n"

print(f"machine: {os.cpu_count()} logical CPUs; cvxpy {cp.__version__}, ECOS {ecos.__version__}")
print(f"J* = {jstar:.15f}; eps = 1% relative; {n} points, {2 * n} solves")
extrap = "" if k == n else f" (timed on {k} evenly spaced points = {2 * k} solves, EXTRAPOLATED to {2 * n})"
print(f"cvxpy+ECOS: {per_solve * 1e3:.1f} ms per solve; total {ecos_total:.1f} s{extrap}")
print(f"veristat:   {ours_solve:.3f} s for fit + all {2 * n} certified solves (median of 5; process wall {ours_wall:.3f} s)")
print(f"ratio (cvxpy+ECOS / veristat): {ecos_total / ours_solve:.0f}x on solve time, {ecos_total / ours_wall:.0f}x on process wall time")
print(f"CPU time (immune to other load on the machine): cvxpy+ECOS {cpu_ecos:.1f} s (extrapolated like the wall time), "
      f"veristat {cpu_ours:.3f} s per run (all threads, whole process); ratio {cpu_ecos / cpu_ours:.0f}x")
print(agree, end="")
