"""veristat's Python API against the Python peers, through Python, in one run.

Cases (each: the same data, the same folds, the same settings for both; CPU and wall time of
the whole `fit` call, the median over repeats, and the ratio peer / veristat):
  enetcv-442x10     ElasticNetCV(l1_ratio=0.5, 100 alphas, 5-fold KFold) on datasets/diabetes.csv
                    vs scikit-learn's ElasticNetCV; also the Python layer's own overhead (the fit
                    minus the one Rust call it makes).
  enetcv-10000x2000 the same on a Gaussian design with 20 nonzero coefficients (seed 0).
  po-winequality    ProportionalOdds on the red wine data (quality 3..8, 11 covariates)
                    vs statsmodels' OrderedModel(distr="logit").fit(method="bfgs").

CPU time is the process's (all threads); wall time is elapsed. The machine's other load shows in
the wall column; the CPU column is what each fit consumed.

Usage (from the repository root, in a venv with `pip install ./python scikit-learn statsmodels`):
  python benches/peers/python_api.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def timed(fn, repeats):
    """(median CPU seconds, median wall seconds, last result) over `repeats` calls."""
    cpu, wall, out = [], [], None
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall), out


def row(case, peer, ours, theirs, note=""):
    (c1, w1, _), (c2, w2, _) = ours, theirs
    print(
        f"| {case} | {peer} | {w1:.4f} | {c1:.4f} | {w2:.4f} | {c2:.4f} "
        f"| {w2 / w1:.2f}x | {c2 / c1:.2f}x | {note} |"
    )


def enetcv(X, y, repeats, label):
    import sklearn.linear_model as skl
    from sklearn.model_selection import KFold

    import veristat.linear_model as vl

    cv = KFold(5, shuffle=True, random_state=0)
    kw = dict(l1_ratio=0.5, cv=cv, tol=1e-4, max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = timed(lambda: vl.ElasticNetCV(**kw).fit(X, y), repeats)
        theirs = timed(lambda: skl.ElasticNetCV(**kw).fit(X, y), repeats)
    a, b = ours[2], theirs[2]
    note = f"alpha_ {a.alpha_:.4g} vs {b.alpha_:.4g}"
    row(label, "scikit-learn ElasticNetCV", ours, theirs, note)
    return ours


def python_overhead(X, y, repeats):
    """The fit's time minus its one Rust call's (same arguments, arrays already validated)."""
    from sklearn.model_selection import KFold

    import veristat.linear_model as vl
    from veristat import _core

    cv = KFold(5, shuffle=True, random_state=0)
    Xa, ya = np.ascontiguousarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ids = np.empty(len(ya), dtype=np.int64)
    for f, (_, test) in enumerate(cv.split(Xa)):
        ids[test] = f
    ids = ids.tolist()
    fit = timed(lambda: vl.ElasticNetCV(l1_ratio=0.5, cv=cv).fit(X, y), repeats)
    core = timed(
        lambda: _core.enet_cv(Xa, ya, ids, 0.5, 1e-3, 100, None, True, False, 1e-4, 1000, "auto", None),
        repeats,
    )
    return fit[1] - core[1], fit[1]


def proportional_odds(repeats):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    import veristat.ordinal as vo

    df = pd.read_csv(os.path.join(ROOT, "datasets", "winequality-red.csv"), sep=";")
    X = df.drop(columns="quality")
    X = (X - X.mean()) / X.std()
    y = df["quality"].to_numpy() - df["quality"].min()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = timed(lambda: vo.ProportionalOdds().fit(X, y), repeats)
        theirs = timed(
            lambda: OrderedModel(y, X, distr="logit").fit(method="bfgs", maxiter=5000, disp=False),
            repeats,
        )
    ll_ours, ll_theirs = ours[2].loglik_, theirs[2].llf
    row(
        "po-winequality 1599x11, 6 classes",
        "statsmodels OrderedModel",
        ours,
        theirs,
        f"loglik {ll_ours:.6f} vs {ll_theirs:.6f}",
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats, smaller big case")
    args = ap.parse_args()
    from threadpoolctl import threadpool_info

    import sklearn
    import statsmodels

    import veristat

    print(
        f"veristat {veristat.__version__}, scikit-learn {sklearn.__version__}, "
        f"statsmodels {statsmodels.__version__}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    print("BLAS:", ", ".join(f"{i['internal_api']} {i.get('architecture', '')} "
                             f"{i['num_threads']} threads" for i in threadpool_info()))
    print()
    print("| case | peer | veristat wall s | veristat CPU s | peer wall s | peer CPU s "
          "| wall ratio (peer/veristat) | CPU ratio | check |")
    print("|---|---|---|---|---|---|---|---|---|")

    df = pd.read_csv(os.path.join(ROOT, "datasets", "diabetes.csv"))
    X, y = df.drop(columns="target").to_numpy(), df["target"].to_numpy()
    enetcv(X, y, 5 if args.quick else 20, "enetcv 442x10")

    rng = np.random.default_rng(0)
    n, d = (2000, 400) if args.quick else (10000, 2000)
    Xb = rng.standard_normal((n, d))
    w = np.zeros(d)
    w[rng.choice(d, 20, replace=False)] = rng.uniform(-2, 2, 20)
    yb = Xb @ w + rng.standard_normal(n)
    enetcv(Xb, yb, 1, f"enetcv {n}x{d}")

    proportional_odds(3 if args.quick else 10)

    over, total = python_overhead(X, y, 5 if args.quick else 20)
    print()
    print(
        f"Python layer overhead on the 442x10 ElasticNetCV fit: {over * 1e3:.2f} ms of "
        f"{total * 1e3:.2f} ms (validate_data, fold assignment, the 1-SE arithmetic)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
