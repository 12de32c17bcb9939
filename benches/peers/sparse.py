"""Time the Lasso path of scikit-learn (lasso_path) and celer (celer_path) against veristat's on
the same seeded data, in one run (spec §3 timings, §6 check 7; issue 2 acceptance 8).

    ../venv/bin/python benches/peers/sparse.py [--n 10000 --d 2000 --k 20 --repeats 3]

Data: X iid N(0,1) (n x d), w* with k N(0,1) entries on a random support, y = X w* + 0.5 N(0,1),
numpy default_rng(0); X and y are centred so that every tool solves the same problem
(veristat fits its intercept, scikit-learn's lasso_path and celer fit none). Grid: 100 alphas,
eps 1e-3, from alpha_max = max|X^T y|/n; duality-gap tol 1e-4 (relative to ||y||^2 in all three).
veristat runs as the release build of examples/sparse_lasso.rs in --bench-file mode (it times
the path inside the process, loading excluded; the Python timings exclude data generation too).
Prints each time (best of --repeats), the ratios, and the max coefficient difference.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import sklearn
from sklearn.linear_model import lasso_path

try:
    import celer
    from celer import celer_path
except ImportError:  # pragma: no cover
    celer = None

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=10_000)
ap.add_argument("--d", type=int, default=2_000)
ap.add_argument("--k", type=int, default=20)
ap.add_argument("--repeats", type=int, default=3)
ap.add_argument("--tol", type=float, default=1e-4)
args = ap.parse_args()

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
rng = np.random.default_rng(0)
n, d, k = args.n, args.d, args.k
X = rng.standard_normal((n, d))
w = np.zeros(d)
w[rng.choice(d, k, replace=False)] = rng.standard_normal(k)
y = X @ w + 0.5 * rng.standard_normal(n)
X -= X.mean(axis=0)
y -= y.mean()
X = np.asfortranarray(X)
alpha_max = np.abs(X.T @ y).max() / n
alphas = np.geomspace(alpha_max, alpha_max * 1e-3, 100)

tmp = tempfile.mkdtemp(prefix="veristat-sparse-bench-")
# 160 MB of data: removed at exit whatever happens.
import atexit  # noqa: E402

atexit.register(shutil.rmtree, tmp, ignore_errors=True)
data_file, coef_file = os.path.join(tmp, "data.bin"), os.path.join(tmp, "coefs.bin")
with open(data_file, "wb") as f:
    np.array([n, d], dtype="<f8").tofile(f)
    X.ravel(order="F").astype("<f8").tofile(f)
    y.astype("<f8").tofile(f)

subprocess.run(["cargo", "build", "--release", "--quiet", "--no-default-features", "--example", "sparse_lasso"], cwd=root, check=True)
exe = os.path.join(root, "target", "release", "examples", "sparse_lasso")


def best(fn):
    """Best wall and best CPU (process_time: all threads) seconds over the repeats."""
    walls, cpus, out = [], [], None
    for _ in range(args.repeats):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), out


def ours():
    r = subprocess.run([exe, "--bench-file", data_file, "--out", coef_file, "--tol", str(args.tol)],
                       check=True, capture_output=True, text=True)
    return json.loads(r.stdout)


runs = [ours() for _ in range(args.repeats)]
t_ours = min(r["seconds"] for r in runs)
c_ours = min(r["cpu_seconds"] for r in runs)
info = runs[0]
ours_coefs = np.fromfile(coef_file, dtype="<f8").reshape((d, -1), order="F")

t_sk, c_sk, (_, sk_coefs, _) = best(lambda: lasso_path(X, y, alphas=alphas, tol=args.tol))
print(f"data: n={n} d={d} k={k}, 100 alphas, eps=1e-3, tol={args.tol}; sklearn {sklearn.__version__}"
      + (f", celer {celer.__version__}" if celer else ""))
print(f"(best of {args.repeats}; wall seconds, and CPU seconds summed over threads, which a loaded shared machine distorts less)")
print(f"veristat lasso_path : {t_ours:8.3f} s wall {c_ours:8.3f} s CPU  (full passes {info['full_passes']}, epochs {info['epochs']}, "
      f"nnz at alpha_min {info['nnz_last']}, converged {info['converged']}, gram {info['gram']})")
print(f"sklearn lasso_path  : {t_sk:8.3f} s wall {c_sk:8.3f} s CPU  ratio sklearn/veristat = {t_sk / t_ours:.2f} wall, {c_sk / c_ours:.2f} CPU")
results = {"veristat": ours_coefs, "sklearn": sk_coefs}
if celer is not None:
    t_ce, c_ce, (_, ce_coefs, _) = best(lambda: celer_path(X, y, "lasso", alphas=alphas, tol=args.tol))
    print(f"celer celer_path    : {t_ce:8.3f} s wall {c_ce:8.3f} s CPU  ratio celer/veristat = {t_ce / t_ours:.2f} wall, {c_ce / c_ours:.2f} CPU")
    results["celer"] = ce_coefs
else:
    print("celer not installed", file=sys.stderr)

# Accuracy, untimed: each tool's duality gap recomputed here in numpy (scikit-learn's formula),
# and its distance to a tightly converged reference path (scikit-learn, tol 1e-10).
_, ref, _ = lasso_path(X, y, alphas=alphas, tol=1e-10)
scale = np.abs(ref).max()


def gap(wk, a):
    r = y - X @ wk
    lam = n * a
    cst = min(1.0, lam / np.abs(X.T @ r).max())
    return 0.5 * (r @ r) * (1 + cst ** 2) + lam * np.abs(wk).sum() - cst * (r @ y)


for name, coefs in results.items():
    g = max(gap(coefs[:, i], alphas[i]) for i in range(len(alphas))) / (y @ y)
    diff = np.abs(coefs - ref).max() / scale
    print(f"  {name:8s}: max gap/||y||^2 = {g:.2e} (tol {args.tol:g}); max|coef - tight ref| / max|ref| = {diff:.2e}")
