"""Time glmnet-style lasso GLM paths (issue 16, item 9): veristat (its Python extension, the
optimized `wheel` build), R glmnet 4.1-6 (`Rscript`, timed inside R), skglm (`ProxNewton`,
warm-started along the grid) and scikit-learn (`LogisticRegression(solver="saga",
l1_ratio=1)`, warm-started; scikit-learn has no L1-penalized Poisson regression, so it is not
run for poisson), on the same seeded data and the same grid, and report every tool's worst KKT
residual over alpha, recomputed here in numpy from the returned coefficients on one
standardization (population-SD scaled columns; with the unpenalized intercept, centring changes
only the intercept).

    python benches/peers/glm.py --case binomial [--n 10000 --d 2000] [--core PATH]
    python benches/peers/glm.py --case sparse-binomial [--n 20000 --d 50000 --density 0.001]

Data (numpy default_rng(0)): dense X iid N(0, 1); sparse X with `density` nonzeros, values
N(0, 1) at uniformly random positions (scipy.sparse.random); 20 nonzero coefficients
N(0, 0.25) (on the first 20 columns); binomial y ~ Bernoulli(logistic(X b)), poisson
y ~ Poisson(exp(0.3 + X b / 2)).

Every tool fits the lasso path with an intercept on glmnet's grid (100 alphas,
lambda.min.ratio 1e-4 when n > d, else 1e-2, glmnet's early stops): veristat and glmnet on the
raw X with their standardization on; skglm and scikit-learn (which do not standardize) on X
divided by the column SDs (not centred, so sparse stays sparse), at the alphas veristat's path
produced (its grid equals glmnet's to 1e-9). glmnet is run at its default `thresh = 1e-7` and
at tighter thresholds, to find the precision veristat certifies; skglm at `tol = 1e-7 alpha`
(its KKT-type stopping criterion, absolute); scikit-learn at `tol = 1e-8` with `max_iter` cap.
Prints, per tool and setting: CPU seconds (process time; R's user + sys), wall seconds, path
length, worst KKT / alpha, and the machine's load average. `--core` names veristat's compiled
extension (`target/wheel/lib_core.so`) when the installed package is not the one to time.
"""
import os

# Every tool single-threaded: numpy's BLAS threads would otherwise spin in this process's CPU
# time between the numpy calls (veristat, skglm and scikit-learn's saga are single-threaded;
# glmnet's Fortran is).
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import importlib.machinery
import importlib.util
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp

ap = argparse.ArgumentParser()
ap.add_argument("--case", default="binomial",
                choices=["binomial", "poisson", "sparse-binomial", "sparse-poisson"])
ap.add_argument("--n", type=int)
ap.add_argument("--d", type=int)
ap.add_argument("--density", type=float, default=0.001)
ap.add_argument("--core", help="path of veristat's _core extension to load")
ap.add_argument("--thresh", default="1e-7,1e-10,1e-13",
                help="glmnet thresholds to run (comma-separated)")
ap.add_argument("--skip", default="", help="tools to skip: glmnet,skglm,sklearn")
ap.add_argument("--sklearn-max-iter", type=int, default=1000)
ap.add_argument("--timeout", type=float, default=900, help="R's time limit, seconds")
ap.add_argument("--budget", type=float, default=900,
                help="CPU seconds after which the skglm and scikit-learn paths stop (the alphas "
                     "done so far are reported: a lower bound on their time)")
args = ap.parse_args()
sparse = args.case.startswith("sparse")
family = args.case.split("-")[-1]
n = args.n or (20_000 if sparse else 10_000)
d = args.d or (50_000 if sparse else 2_000)
skip = set(filter(None, args.skip.split(",")))

if args.core:
    loader = importlib.machinery.ExtensionFileLoader("veristat._core", args.core)
    spec = importlib.util.spec_from_file_location("veristat._core", args.core, loader=loader)
    _core = importlib.util.module_from_spec(spec)
    loader.exec_module(_core)
else:
    from veristat import _core

rng = np.random.default_rng(0)
if sparse:
    X = sp.random(n, d, density=args.density, format="csc", random_state=rng,
                  data_rvs=rng.standard_normal)
    X.sort_indices()
else:
    X = rng.standard_normal((n, d))
b = np.zeros(d)
b[:20] = 0.5 * rng.standard_normal(20)
eta = X @ b
if family == "binomial":
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
else:
    y = rng.poisson(np.exp(0.3 + eta / 2)).astype(float)

if sparse:
    m = np.asarray(X.mean(axis=0)).ravel()
    s = np.sqrt(np.asarray(X.multiply(X).mean(axis=0)).ravel() - m * m)
else:
    m, s = X.mean(axis=0), X.std(axis=0)
s_safe = np.where(s > 0, s, 1.0)
Xs = X @ sp.diags(1.0 / s_safe) if sparse else X / s_safe
if sparse:
    Xs = sp.csc_matrix(Xs)


def mean_fn(e):
    return 1 / (1 + np.exp(-e)) if family == "binomial" else np.exp(np.minimum(e, 700))


def kkt(coefs, intercepts, alphas):
    """Worst KKT residual / alpha on the standardized scale, intercept's included."""
    worst = 0.0
    for k, a in enumerate(alphas):
        e = X @ coefs[:, k] + intercepts[k]
        r = y - mean_fn(e)
        g = (X.T @ r / n - m * r.mean()) / s_safe
        bs = coefs[:, k] * s
        v = np.where(bs == 0, np.maximum(np.abs(g) - a, 0), np.abs(g - a * np.sign(bs)))
        v[s == 0] = 0
        worst = max(worst, float(v.max()) / a, abs(float(r.mean())) / a)
    return worst


rows = []
load0 = os.getloadavg()


def record(tool, setting, cpu, wall, alphas, coefs, intercepts, budgeted=False):
    k = kkt(coefs, intercepts, alphas)
    if budgeted and len(alphas) < len(grid):
        setting += f"; stopped by the {args.budget:.0f} s budget"
    rows.append((tool, setting, cpu, wall, len(alphas), k))
    print(f"  {tool} [{setting}]: CPU {cpu:.2f} s, wall {wall:.2f} s, {len(alphas)} alphas, "
          f"worst KKT/alpha {k:.1e}", flush=True)


# veristat
t, w = time.process_time(), time.perf_counter()
common = dict(family=family, l1_ratio=1.0, n_alphas=100, eps=None, alphas=None,
              fit_intercept=True, standardize=True, tol=1e-7, max_iter=100_000,
              early_stop=True)
if sparse:
    r = _core.glm_path_csc(X.indptr.astype(np.uint64).tolist(), X.indices.astype(np.uint64).tolist(),
                           X.data, X.shape, y, **common)
else:
    r = _core.glm_path(X, y, **common)
cpu_v, wall_v = time.process_time() - t, time.perf_counter() - w
alphas = np.asarray(r["alphas"])
grid = alphas
record("veristat", "tol 1e-7 (KKT/alpha)", cpu_v, wall_v, alphas, np.asarray(r["coefs"]),
       r["intercepts"])
print(f"    veristat: sweeps {sum(r['n_iter'])}, Newton steps {sum(r['n_newton'])}, "
      f"fit_seconds {r['fit_seconds']:.2f}, stop {r['stop']}", flush=True)

# R glmnet, timed inside R on data read from binary files.
if "glmnet" not in skip:
    with tempfile.TemporaryDirectory() as tmp:
        y.tofile(f"{tmp}/y.bin")
        if sparse:
            coo = X.tocoo()
            (coo.row + 1).astype(np.float64).tofile(f"{tmp}/i.bin")
            (coo.col + 1).astype(np.float64).tofile(f"{tmp}/j.bin")
            coo.data.tofile(f"{tmp}/v.bin")
            load_x = (f'nz <- {coo.nnz}; i <- readBin("{tmp}/i.bin", "double", nz); '
                      f'j <- readBin("{tmp}/j.bin", "double", nz); v <- readBin("{tmp}/v.bin", "double", nz); '
                      f'x <- Matrix::sparseMatrix(i = i, j = j, x = v, dims = c({n}, {d}))')
        else:
            X.T.tofile(f"{tmp}/x.bin")  # column-major, as R's matrix() fills
            load_x = f'x <- matrix(readBin("{tmp}/x.bin", "double", {n * d}), {n}, {d})'
        for th in args.thresh.split(","):
            script = f"""
suppressMessages({{library(glmnet); library(Matrix)}})
{load_x}
y <- readBin("{tmp}/y.bin", "double", {n})
w0 <- proc.time()[["elapsed"]]
tm <- system.time(f <- glmnet(x, y, family = "{family}", thresh = {th}, maxit = 1e8))
beta <- as.matrix(f$beta)
writeBin(as.vector(beta), "{tmp}/beta.bin"); writeBin(f$a0, "{tmp}/a0.bin")
writeBin(f$lambda, "{tmp}/lambda.bin")
cat(tm[["user.self"]] + tm[["sys.self"]], tm[["elapsed"]], length(f$lambda), "\\n")
"""
            try:
                out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True,
                                     check=True, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                print(f"  glmnet thresh {th}: over {args.timeout} s, not finished", flush=True)
                rows.append(("R glmnet 4.1-6", f"thresh {th}", float("nan"), args.timeout, 0,
                             float("nan")))
                continue
            cpu, wall, k = out.stdout.split()[-3:]
            k = int(k)
            lam = np.fromfile(f"{tmp}/lambda.bin")
            beta = np.fromfile(f"{tmp}/beta.bin").reshape((k, d)).T
            a0 = np.fromfile(f"{tmp}/a0.bin")
            record("R glmnet 4.1-6", f"thresh {th}", float(cpu), float(wall), lam, beta, a0)

# skglm: ProxNewton along veristat's grid, warm-started; tol is absolute, on the scaled X.
if "skglm" not in skip:
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import Logistic, Poisson
    from skglm.penalties import L1
    from skglm.solvers import ProxNewton

    yk = 2 * y - 1 if family == "binomial" else y
    datafit = Logistic() if family == "binomial" else Poisson()
    # numba compiles on first use: warm it up on a small slice, untimed.
    warm = GeneralizedLinearEstimator(datafit, L1(alphas[0]),
                                      ProxNewton(tol=1e-4, fit_intercept=True))
    try:
        warm.fit(Xs[:200], yk[:200])
        ok = True
    except Exception as e:  # noqa: BLE001 (report what skglm refuses)
        print(f"  skglm refuses this problem: {type(e).__name__}: {e}", flush=True)
        ok = False
    if ok:
        est = GeneralizedLinearEstimator(
            datafit, L1(alphas[0]),
            ProxNewton(tol=1e-7 * alphas[0], fit_intercept=True, warm_start=True,
                       max_iter=200))
        coefs, icpts = np.zeros((d, len(alphas))), np.zeros(len(alphas))
        t, w = time.process_time(), time.perf_counter()
        done = 0
        for k, a in enumerate(alphas):
            est.penalty.alpha = a
            est.solver.tol = 1e-7 * a
            est.fit(Xs, yk)
            coefs[:, k] = est.coef_.ravel() / s_safe
            icpts[k] = float(np.ravel(est.intercept_)[0])
            done = k + 1
            if time.process_time() - t > args.budget:
                break
        cpu, wall = time.process_time() - t, time.perf_counter() - w
        coefs, icpts = coefs[:, :done], icpts[:done]
        # skglm's intercept is on the scaled, uncentred X: the same as on the raw X.
        record("skglm 0.5", "ProxNewton, tol 1e-7 alpha", cpu, wall, alphas[:done], coefs, icpts,
               budgeted=True)

# scikit-learn: saga, L1, warm-started along the grid; no L1 Poisson exists there.
if "sklearn" not in skip and family == "binomial":
    import warnings

    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    est = LogisticRegression(C=1.0, l1_ratio=1.0, solver="saga", tol=1e-8,
                             max_iter=args.sklearn_max_iter, warm_start=True)
    coefs, icpts = np.zeros((d, len(alphas))), np.zeros(len(alphas))
    t, w = time.process_time(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        done = 0
        for k, a in enumerate(alphas):
            est.C = 1.0 / (n * a)
            est.fit(Xs, y)
            coefs[:, k] = est.coef_.ravel() / s_safe
            icpts[k] = float(est.intercept_[0])
            done = k + 1
            if time.process_time() - t > args.budget:
                break
    cpu, wall = time.process_time() - t, time.perf_counter() - w
    coefs, icpts = coefs[:, :done], icpts[:done]
    record(f"scikit-learn {sklearn.__version__}",
           f"saga, tol 1e-8, max_iter {args.sklearn_max_iter}", cpu, wall, alphas[:done], coefs,
           icpts, budgeted=True)
elif "sklearn" not in skip:
    print("  scikit-learn: no L1-penalized Poisson regression (PoissonRegressor is L2 only)")

load1 = os.getloadavg()
shape = f"{n} x {d}" + (f", {X.nnz} nonzeros ({X.nnz / n / d:.2%})" if sparse else "")
print(f"\n{family} lasso path, {shape}; load average {load0[0]:.2f} before, {load1[0]:.2f} after")
print("| tool | setting | CPU s | wall s | alphas | worst KKT / alpha | CPU / veristat's |")
print("|---|---|---|---|---|---|---|")
for tool, setting, cpu, wall, k, kk in rows:
    print(f"| {tool} | {setting} | {cpu:.2f} | {wall:.2f} | {k} | {kk:.1e} | {cpu / cpu_v:.2f} |")
