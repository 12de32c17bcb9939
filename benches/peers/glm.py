"""Time glmnet-style GLM paths: veristat (through its Python package, the optimized `wheel`
build) against R glmnet 4.1-6 (`Rscript`, timing inside R), on the same seeded data, and
report both tools' worst KKT residual over alpha (computed here, in numpy, from the returned
coefficients: the precision each tool actually reached).

    python benches/peers/glm.py [--n 10000 --d 2000 --family binomial]

Data: X iid N(0,1), 20 nonzero coefficients N(0, 0.25), numpy default_rng(0); binomial y ~
Bernoulli(logistic(X b)), poisson y ~ Poisson(exp(0.3 + X b / 2)). Both tools: glmnet's grid
(100 alphas, lambda.min.ratio 1e-4, early stops), standardize = TRUE, lasso. veristat's tol is
its KKT target (1e-7 relative to alpha); glmnet runs at its default thresh (1e-7). Prints
CPU seconds (process time; R's system.time user + sys), the ratio, path lengths and KKT.
Issue 16's skglm and scikit-learn peers are not installed here and are not run.
"""
import argparse
import os
import subprocess
import tempfile
import time

import numpy as np

from veristat import _core

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=10_000)
ap.add_argument("--d", type=int, default=2_000)
ap.add_argument("--family", default="binomial", choices=["binomial", "poisson"])
args = ap.parse_args()

rng = np.random.default_rng(0)
X = rng.standard_normal((args.n, args.d))
b = np.zeros(args.d)
b[:20] = 0.5 * rng.standard_normal(20)
eta = X @ b
if args.family == "binomial":
    y = (rng.random(args.n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
else:
    y = rng.poisson(np.exp(0.3 + eta / 2)).astype(float)


def kkt(coefs, intercepts, alphas):
    """Worst KKT residual / alpha on the standardized scale (population SD, centred)."""
    m, s = X.mean(axis=0), X.std(axis=0)
    Xs = (X - m) / s
    worst = 0.0
    for k, a in enumerate(alphas):
        e = X @ coefs[:, k] + intercepts[k]
        mu = 1 / (1 + np.exp(-e)) if args.family == "binomial" else np.exp(e)
        g = Xs.T @ (y - mu) / args.n
        bs = coefs[:, k] * s
        v = np.where(bs == 0, np.maximum(np.abs(g) - a, 0), np.abs(g - a * np.sign(bs)))
        worst = max(worst, float(v.max()) / a, abs(float(np.mean(y - mu))) / a)
    return worst


t = time.process_time()
r = _core.glm_path(X, y, args.family, 1.0, 100, None, None, True, True, 1e-7, 100000, True)
cpu_v = time.process_time() - t
kkt_v = kkt(np.asarray(r["coefs"]), r["intercepts"], r["alphas"])

with tempfile.TemporaryDirectory() as tmp:
    np.savetxt(os.path.join(tmp, "x.csv"), X, delimiter=",")
    np.savetxt(os.path.join(tmp, "y.csv"), y)
    script = f"""
suppressMessages(library(glmnet))
x <- as.matrix(read.csv("{tmp}/x.csv", header = FALSE)); y <- scan("{tmp}/y.csv", quiet = TRUE)
tm <- system.time(f <- glmnet(x, y, family = "{args.family}"))
write.table(as.matrix(f$beta), "{tmp}/beta.csv", sep = ",", row.names = FALSE, col.names = FALSE)
write(f$a0, "{tmp}/a0.txt", ncolumns = 1); write(f$lambda, "{tmp}/lambda.txt", ncolumns = 1)
cat(tm[["user.self"]] + tm[["sys.self"]], "\\n")
"""
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    cpu_r = float(out.stdout.split()[-1])
    beta = np.loadtxt(os.path.join(tmp, "beta.csv"), delimiter=",", ndmin=2)
    a0 = np.loadtxt(os.path.join(tmp, "a0.txt"))
    lam = np.loadtxt(os.path.join(tmp, "lambda.txt"))
kkt_r = kkt(beta, a0, lam)

print(f"{args.family} path, n = {args.n}, d = {args.d}")
print(f"| tool | CPU s | alphas | worst KKT / alpha |\n|---|---|---|---|")
print(f"| veristat | {cpu_v:.2f} | {len(r['alphas'])} | {kkt_v:.1e} |")
print(f"| R glmnet 4.1-6 | {cpu_r:.2f} | {len(lam)} | {kkt_r:.1e} |")
print(f"ratio glmnet / veristat CPU: {cpu_r / cpu_v:.2f}")
