"""Throughput of LDP mechanisms: veristat (release example binary) vs numpy, opendp and pure-ldp.

Run from the repository root after `cargo build --release --example ldp`:
    ../venv-ldp/bin/python benches/peers/ldp.py [N]
    $HOME/.cache/veristat-peers/bin/python benches/peers/ldp.py --batch [N ...]

`--batch` (issue 18) times the batch API (`veristat::ldp::batch`: privatize a column into a
report buffer, aggregate it with standard errors) for every mechanism at 1 and 2 rayon threads
against expert vectorized numpy (privatize, then aggregate with bincount / column sums / a
Walsh-Hadamard transform) and against multi-freq-ldpy's aggregators (GRR, OUE, SUE, OLH), which
loop in Python and are timed on a subsample (rates reported); its venv:
    python3 -m venv $HOME/.cache/veristat-peers
    $HOME/.cache/veristat-peers/bin/pip install numpy==2.4.6 scipy==1.17.1 multi-freq-ldpy==0.2.5
(venv: numpy, opendp==0.16.0, pure-ldp==1.2.0 + statsmodels; see the module's closing note).

Every number is privatized reports per second at eps = 0.5 (K = 16 categories; vector
mechanisms at d = 50), and for the NLDP estimator users per second at d = 50 with per-user
Gaussian noise on x x^T (d(d+1)/2 draws per user) and x y. numpy implementations are
vectorized over users (the fastest way to use numpy); opendp and pure-ldp privatize one report
per Python call, so they are timed on a 20 000-report subsample and reported as a rate.
"""
import json
import math
import subprocess
import sys
import time

import numpy as np

N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--batch" else 1_000_000
EPS, K, D = 0.5, 16, 50
rng = np.random.default_rng(1)


def rate(f, n):
    t = time.perf_counter()
    f(n)
    return n / (time.perf_counter() - t)


def coth_half(e):
    return 1.0 / math.tanh(e / 2)


def np_rr(n):
    p = math.exp(EPS) / (1 + math.exp(EPS))
    x = np.ones(n, dtype=bool)
    return np.where(rng.random(n) < p, x, ~x)


def np_grr(n):
    e = math.exp(EPS)
    p = e / (e + K - 1)
    v = np.full(n, 3)
    other = rng.integers(0, K - 1, n)
    other = other + (other >= v)
    return np.where(rng.random(n) < p, v, other)


def np_ue(p, q):
    def f(n):
        bits = rng.random((n, K)) < q
        bits[:, 3] = rng.random(n) < p
        return bits
    return f


def np_olh(n):
    e = math.exp(EPS)
    g = max(2, int(round(e + 1)))
    p = e / (e + g - 1)
    a = rng.integers(1, 2**31 - 1, n, dtype=np.int64)
    b = rng.integers(0, 2**31 - 1, n, dtype=np.int64)
    h = ((a * 3 + b) % (2**31 - 1)) % g
    other = rng.integers(0, g - 1, n)
    other = other + (other >= h)
    return a, b, np.where(rng.random(n) < p, h, other)


def np_duchi(n):
    b = coth_half(EPS)
    p = 0.5 + 0.3 / (2 * b)
    return np.where(rng.random(n) < p, b, -b)


def np_duchi_linf(n):
    b = coth_half(EPS) * 2 ** (D - 1) / math.comb(D - 1, D // 2)
    pi = math.exp(EPS) / (1 + math.exp(EPS))
    out = np.empty((0, D))
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        v = rng.random((m, D)) < 0.5 + 0.3 / 2
        z = rng.random((m, D)) < 0.5
        dot = (v == z).sum(1) * 2 - D
        tie = rng.integers(0, D, m)
        agree = (v == z)[np.arange(m), tie]
        plus = (dot > 0) | ((dot == 0) & agree)
        flip = (rng.random(m) < pi) != plus
        out = np.where(flip[:, None], ~z, z) * 2.0 - 1.0
    return out * b


def np_duchi_l2(n):
    b = coth_half(EPS) * math.sqrt(math.pi) * math.exp(math.lgamma((D + 1) / 2) - math.lgamma(D / 2))
    pi = math.exp(EPS) / (1 + math.exp(EPS))
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        x = np.full((m, D), 0.3 / math.sqrt(D))
        nrm = np.linalg.norm(x, axis=1)
        sign = np.where(rng.random(m) < 0.5 + nrm / 2, 1.0, -1.0)
        v = x * (sign / nrm)[:, None]
        u = rng.standard_normal((m, D))
        u /= np.linalg.norm(u, axis=1)[:, None]
        flip = (rng.random(m) < pi) != ((u * v).sum(1) > 0)
        out = np.where(flip[:, None], -u, u) * b
    return out


def np_pm(n):
    eh = math.exp(EPS / 2)
    c = (eh + 1) / (eh - 1)
    x = 0.3
    lo = (c + 1) / 2 * x - (c - 1) / 2
    hi = lo + c - 1
    centre = rng.random(n) < eh / (eh + 1)
    u1 = lo + (hi - lo) * rng.random(n)
    u = (c + 1) * rng.random(n)
    u2 = np.where(u < lo + c, -c + u, hi + (u - (lo + c)))
    return np.where(centre, u1, u2)


def np_hybrid(n):
    alpha = 1 - math.exp(-EPS / 2) if EPS > 0.61 else 0.0
    pm = np_pm(n)
    du = np_duchi(n)
    return np.where(rng.random(n) < alpha, pm, du)


def np_laplace(n):
    scale = 2 * D / EPS
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        out = 0.3 + rng.laplace(0, scale, (m, D))
    return out


def np_gaussian(sigma):
    def f(n):
        for s in range(0, n, 100_000):
            m = min(100_000, n - s)
            out = 0.3 / math.sqrt(D) + sigma * rng.standard_normal((m, D))
        return out
    return f


def np_nldp(n):
    """Per-user NLDP messages and the server's soft-thresholded solve, in chunks."""
    d = D
    tri = np.triu_indices(d)
    l2 = math.log(2.5 / 1e-5)
    s1 = math.sqrt(32 * d * d * l2) / EPS
    s2 = math.sqrt(32 * d * 1.5**2 * l2) / EPS
    theta = np.zeros(d)
    theta[:5] = 0.2
    a_sum = np.zeros(len(tri[0]))
    b_sum = np.zeros(d)
    for s in range(0, n, 20_000):
        m = min(20_000, n - s)
        x = np.where(rng.random((m, d)) < 0.5, 1.0, -1.0)
        y = x @ theta + np.where(rng.random(m) < 0.5, 0.5, -0.5)
        xx = (x[:, :, None] * x[:, None, :])[:, tri[0], tri[1]]
        a_sum += (xx + s1 * rng.standard_normal(xx.shape)).sum(0)
        b_sum += (x * y[:, None] + s2 * rng.standard_normal((m, d))).sum(0)
    sig = np.zeros((d, d))
    sig[tri] = a_sum / n
    sig = sig + np.triu(sig, 1).T
    w, u = np.linalg.eigh(sig)
    w = np.maximum(w, 2 * s1 * math.sqrt(d / n))
    z = u @ ((u.T @ (b_sum / n)) / w)
    return np.sign(z) * np.maximum(np.abs(z) - 0.01, 0)


def main():
    exe = "target/release/examples/ldp"
    ours = json.loads(subprocess.run([exe, "bench", str(N)], check=True, capture_output=True, text=True).stdout)
    e = math.exp(EPS)
    eh = math.exp(EPS / 2)
    sig_classic = 2 * math.sqrt(2 * math.log(1.25 / 1e-5)) / EPS
    numpy_impl = {
        "rr": np_rr, "grr": np_grr, "oue": np_ue(0.5, 1 / (e + 1)), "sue": np_ue(eh / (eh + 1), 1 / (eh + 1)),
        "olh": np_olh, "duchi": np_duchi, "duchi-l2-d50": np_duchi_l2, "duchi-linf-d50": np_duchi_linf,
        "piecewise": np_pm, "hybrid": np_hybrid, "laplace-d50": np_laplace,
        "gaussian-d50": np_gaussian(sig_classic), "gaussian-analytic-d50": np_gaussian(sig_classic),
    }
    peers = {}
    sub = 20_000
    try:
        import opendp.prelude as dp
        dp.enable_features("contrib")
        rrb = dp.m.make_randomized_response_bool(prob=e / (1 + e))
        rrc = dp.m.make_randomized_response(categories=list(range(K)), prob=e / (e + K - 1))
        peers[("rr", "opendp")] = rate(lambda n: [rrb(True) for _ in range(n)], sub)
        peers[("grr", "opendp")] = rate(lambda n: [rrc(3) for _ in range(n)], sub)
    except Exception as ex:  # noqa: BLE001
        print(f"opendp unavailable: {ex}", file=sys.stderr)
    try:
        from pure_ldp.frequency_oracles.direct_encoding import DEClient
        from pure_ldp.frequency_oracles.unary_encoding import UEClient
        de = DEClient(epsilon=EPS, d=K)
        oue = UEClient(epsilon=EPS, d=K, use_oue=True)
        sue = UEClient(epsilon=EPS, d=K, use_oue=False)
        peers[("grr", "pure-ldp")] = rate(lambda n: [de.privatise(4) for _ in range(n)], sub)
        peers[("oue", "pure-ldp")] = rate(lambda n: [oue.privatise(4) for _ in range(n)], sub)
        peers[("sue", "pure-ldp")] = rate(lambda n: [sue.privatise(4) for _ in range(n)], sub)
    except Exception as ex:  # noqa: BLE001
        print(f"pure-ldp unavailable: {ex}", file=sys.stderr)
    print(f"N = {N}, eps = {EPS}; reports (users for nldp) per second; ratio = ours / theirs")
    print(f"{'mechanism':24} {'veristat':>12} {'numpy':>12} {'ratio':>7}   other peers")
    for name, f in list(numpy_impl.items()) + [("nldp-d50", np_nldp)]:
        theirs = rate(f, N)
        mine = ours.get(name, float("nan"))
        extra = "  ".join(f"{p}: {r:,.0f}/s (ratio {mine / r:,.0f})" for (m, p), r in peers.items() if m == name)
        print(f"{name:24} {mine:12,.0f} {theirs:12,.0f} {mine / theirs:7.2f}   {extra}")
    print("pure-ldp's OLH client fails with xxhash >= 3 ('Strings must be encoded'), so OLH has no pure-ldp time.")


# ---- batch API vs numpy and multi-freq-ldpy (issue 18) -------------------------------------

def _cats(n, k=K):
    i = np.arange(n)
    return (i * 7 + i // 5) % k


def _scalars(n):
    return 0.3 * ((np.arange(n) % 13) / 6.0 - 1.0)


def bnp_rr(n):
    p = math.exp(EPS) / (1 + math.exp(EPS))
    x = _cats(n, 2)
    y = np.where(rng.random(n) < p, x, 1 - x)
    return lambda: (y.mean() - (1 - p)) / (2 * p - 1)


def bnp_grr(n):
    e = math.exp(EPS)
    p = e / (e + K - 1)
    q = 1 / (e + K - 1)
    v = _cats(n)
    other = rng.integers(0, K - 1, n)
    other = other + (other >= v)
    y = np.where(rng.random(n) < p, v, other)
    return lambda: (np.bincount(y, minlength=K) / n - q) / (p - q)


def bnp_ue(p, q):
    def f(n):
        v = _cats(n)
        out = []
        for s in range(0, n, 1_000_000):
            m = min(1_000_000, n - s)
            bits = rng.random((m, K)) < q
            bits[np.arange(m), v[s:s + m]] = rng.random(m) < p
            out.append(np.packbits(bits, axis=1, bitorder="little"))
        packed = np.concatenate(out)
        return lambda: (np.unpackbits(packed, axis=1, count=K, bitorder="little").sum(0, dtype=np.int64) / n - q) / (p - q)
    return f


def bnp_olh(n):
    e = math.exp(EPS)
    g = max(2, int(round(e + 1)))
    p = e / (e + g - 1)
    prime = 2**31 - 1
    v = _cats(n)
    a = rng.integers(1, prime, n, dtype=np.int64)
    b = rng.integers(0, prime, n, dtype=np.int64)
    h = ((a * v + b) % prime) % g
    other = rng.integers(0, g - 1, n)
    other = other + (other >= h)
    y = np.where(rng.random(n) < p, h, other)

    def agg():
        c = np.array([(((a * u + b) % prime) % g == y).sum() for u in range(K)])
        return (c / n - 1 / g) / (p - 1 / g)
    return agg


def bnp_hr(n):
    from scipy.linalg import hadamard
    e = math.exp(EPS)
    pi = e / (e + 1)
    kk = 1 << (K + 1 - 1).bit_length()
    r = _cats(n) + 1
    want = rng.random(n) < pi
    j = rng.integers(0, kk, n)
    inside = np.bitwise_count(r & j) % 2 == 0
    y = np.where(inside != want, j ^ (r & -r), j)
    hmat = hadamard(kk)

    def agg():
        w = hmat @ np.bincount(y, minlength=kk)
        return ((n + w[1:K + 1]) / 2 / n - 0.5) / (pi - 0.5)
    return agg


def bnp_duchi(n):
    b = coth_half(EPS)
    x = _scalars(n)
    z = np.where(rng.random(n) < 0.5 + x / (2 * b), b, -b)
    return lambda: (z.mean(), z.var(ddof=1))


def bnp_scalar(f):
    def g(n):
        z = f(n)
        return lambda: (z.mean(), z.var(ddof=1))
    return g


def bnp_vector(f):
    """Privatize in chunks of 100 000 users (as the numpy functions above do) and keep running
    column sums: the aggregation cost is the sums, timed separately."""
    def g(n):
        tp = ta = 0.0
        s1 = s2 = 0.0
        for s in range(0, n, 100_000):
            t0 = time.perf_counter()
            z = f(min(100_000, n - s))
            t1 = time.perf_counter()
            s1 = s1 + z.sum(0)
            s2 = s2 + (z * z).sum(0)
            tp += t1 - t0
            ta += time.perf_counter() - t1
        return tp, ta
    g.chunked = True
    return g


def time_numpy(f, n):
    if getattr(f, "chunked", False):
        tp, ta = f(n)
        return n / tp, n / ta
    t = time.perf_counter()
    agg = f(n)
    t1 = time.perf_counter()
    agg()
    t2 = time.perf_counter()
    return n / (t1 - t), n / (t2 - t1)


def time_mfl(name, n):
    """multi-freq-ldpy aggregation rate, on a subsample of its own reports (Python loops)."""
    from multi_freq_ldpy.pure_frequency_oracles.GRR import GRR_Aggregator_MI
    from multi_freq_ldpy.pure_frequency_oracles.LH import LH_Aggregator_MI
    from multi_freq_ldpy.pure_frequency_oracles.UE import UE_Aggregator_MI
    m = min(n, 20_000 if name == "olh" else 1_000_000)
    if name == "grr":
        reports = rng.integers(0, K, m)
        f = lambda: GRR_Aggregator_MI(reports, K, EPS)  # noqa: E731
    elif name in ("oue", "sue"):
        reports = rng.random((m, K)) < 0.3
        f = lambda: UE_Aggregator_MI(reports, EPS, optimal=name == "oue")  # noqa: E731
    elif name == "olh":
        g = int(round(math.exp(EPS))) + 1
        reports = [(int(y), int(s)) for y, s in zip(rng.integers(0, g, m), rng.integers(0, 2**31, m))]
        f = lambda: LH_Aggregator_MI(reports, K, EPS)  # noqa: E731
    else:
        return None
    t = time.perf_counter()
    try:
        f()
    except TypeError as ex:  # LH_Aggregator_MI hashes str with xxhash >= 3: "Strings must be encoded"
        print(f"multi-freq-ldpy {name} aggregator fails: {ex}", file=sys.stderr)
        return None
    return m / (time.perf_counter() - t)


def batch_main(sizes):
    import os
    e = math.exp(EPS)
    eh = math.exp(EPS / 2)
    sig_classic = 2 * math.sqrt(2 * math.log(1.25 / 1e-5)) / EPS
    impl = {
        "rr": bnp_rr, "grr": bnp_grr, "oue": bnp_ue(0.5, 1 / (e + 1)), "sue": bnp_ue(eh / (eh + 1), 1 / (eh + 1)),
        "olh": bnp_olh, "hr": bnp_hr, "duchi": bnp_duchi,
        "duchi-l2-d50": bnp_vector(np_duchi_l2), "duchi-linf-d50": bnp_vector(np_duchi_linf),
        "piecewise": bnp_scalar(np_pm), "hybrid": bnp_scalar(np_hybrid),
        "laplace-d50": bnp_vector(np_laplace), "gaussian-d50": bnp_vector(np_gaussian(sig_classic)),
        "gaussian-analytic-d50": bnp_vector(np_gaussian(sig_classic)),
    }
    exe = os.environ.get("VERISTAT_LDP_EXE", "target/release/examples/ldp")
    print(f"eps = {EPS}, K = {K}, d = {D}; reports per second (M/s); ratio = veristat / numpy; "
          "numpy is single-threaded; mfl = multi-freq-ldpy aggregation")
    print("| mechanism | n | veristat privatize 1t | 2t | numpy privatize | ratio 1t | ratio 2t "
          "| veristat aggregate 1t | 2t | numpy aggregate | ratio 2t | mfl aggregate | ratio 2t vs mfl |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    mfl_rates = {}
    for n in sizes:
        ours = {}
        for t in (1, 2):
            env = dict(os.environ, RAYON_NUM_THREADS=str(t))
            ours[t] = json.loads(subprocess.run([exe, "batch", str(n)], check=True, capture_output=True,
                                                text=True, env=env).stdout)
        for name, f in impl.items():
            p_np, a_np = time_numpy(f, n)
            # multi-freq-ldpy runs on a subsample whatever n: time it once per mechanism.
            if name not in mfl_rates:
                mfl_rates[name] = time_mfl(name, n)
            mfl = mfl_rates[name]
            o1, o2 = ours[1][name], ours[2][name]
            mfl_s = f"{mfl / 1e6:.3f}" if mfl else "-"
            mfl_r = f"{o2['aggregate'] / mfl:,.0f}" if mfl else "-"
            print(f"| {name} | {n:.0e} | {o1['privatize'] / 1e6:.1f} | {o2['privatize'] / 1e6:.1f} | "
                  f"{p_np / 1e6:.1f} | {o1['privatize'] / p_np:.2f} | {o2['privatize'] / p_np:.2f} | "
                  f"{o1['aggregate'] / 1e6:.1f} | {o2['aggregate'] / 1e6:.1f} | {a_np / 1e6:.1f} | "
                  f"{o2['aggregate'] / a_np:.2f} | {mfl_s} | {mfl_r} |", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--batch":
        batch_main([int(float(a)) for a in sys.argv[2:]] or [1_000_000, 10_000_000])
    else:
        main()
