"""Echo comb search against the best-configured nested samplers (issue 15 item 4).

    benches/peers/echo.py [--seeds 10] [--problems toy,benchmark] [--quick] [--json ROWS]

Two problems, the same data and the same likelihood for every tool (the per-QNM
phase-marginalised "new" likelihood ratio of spec §3.3, in numpy here, checked against veristat's
at 300 points before any timing):

- **toy** (spec §5): 4000 bins (T = 4 s, 0-1000 Hz, white S = 1), comb with γ = 2 s⁻¹ fixed,
  Δ = 20 Hz, φ = 0.37, injected at optimal SNR 15; 3 free parameters A ~ U(0, 3A₀),
  φ ~ U(0, 1) (periodic), Δ ~ U(10, 40) Hz.
- **benchmark**: the Xin et al. numerical echo spectrum `datasets/echo/w1XinN010.dat` (10
  echoes, 1384 positive-frequency bins, T = 1385 M), injected at the reference amplitude 160
  into white Gaussian noise with its exact PSD S = 2 dt (numpy seed 15); the 6-parameter prior
  of `veristat echo search` (`CombPrior::benchmark`, spec §3.2): γ ~ LogU(1/T, R̄),
  A ~ U(m/100, 10 m) with m the mean |d̃|, φ ~ U(0, 1) (periodic), Δ ~ U(R̄/4, R̄),
  f_min, f_max ~ U(0, f_RD), band constraint 0 <= f_max - f_min - 10Δ <= f_RD. veristat's
  evidence is normalised over the constrained prior; the peers' over the whole cube (dynesty
  gives the region outside the constraint zero likelihood and accounts for it in its initial
  volume, UltraNest sees a very low likelihood there), so their ln Z is converted with the
  constrained prior's mass P(C) = F/(60 (b - a)) [(1 - 10a/F)³ - (1 - 10b/F)³] (F = f_RD,
  Δ ~ U(a, b)): ln B = ln Z - ln P(C).

Samplers, each as its own documentation recommends for these dimensions (3 and 6):

- dynesty 3.1 static `NestedSampler`, defaults (nlive 500, `bound='multi'`, dlogz
  0.001 (nlive - 1) + 0.01 = 0.509 with the remaining live points added), the phase declared
  `periodic`, once with `sample='rwalk'` (walks = ndim + 20, dynesty's default) and once with
  `sample='auto'`, which dynesty's `_get_internal_sampler` resolves to uniform sampling from the
  bounds for ndim < 10 (rwalk for 10-20, rslice above; the `sample` parameter's docstring in
  `dynesty.NestedSampler`). Constraint: the likelihood returns -inf, which dynesty allows
  (`sampler._initialize_live_points` redraws such points and sets `logvol_init`).
- UltraNest 4.6.3 `ReactiveNestedSampler` with a vectorized likelihood and transform
  (`vectorized=True`, the docs' performance advice), the phase in `wrapped_params`, `run()`
  defaults (min_num_live_points 400, dlogz 0.5, frac_remain 0.01, min_ess 400) and no step
  sampler on the toy: its docs keep the default region (MLFriends) sampling for low dimensions
  and bring in step samplers for high-dimensional problems (tutorial "Higher-dimensional
  fitting"). On the benchmark region sampling stalls, and UltraNest's own warning ("Sampling
  from region seems inefficient ... use a stepsampler") and FAQ ("How can I speed up my
  problem?": use a step sampler, as in the high-d tutorial) recommend a step sampler: there it
  runs `SliceSampler(nsteps = 2 ndim, generate_direction=generate_mixture_random_direction)`.
  Constraint as its plateau warning recommends: a very low likelihood that rises towards the
  allowed region, -1e300 (1 + violation).
- veristat: the release example `echo_toy` (nlive 500, walks 25 unless `--veristat-walks`,
  dlogz 0.1; K = nlive/50 replacements per iteration run on every core, so its CPU seconds are
  all threads').

Accuracy: a reference ln B per problem by importance sampling, computed once and cached under
`$HOME/.cache/veristat-peers/` (defensive mixture proposal: 5 % uniform on the unit cube, 95 % fitted
to 20 000 posterior draws of a veristat nlive-2000 run: a Gaussian mixture (components by BIC,
up to 16; covariances inflated 1.5x for half the mass, 4x for the other half) in the continuous
parameters times histogram densities in f_min and f_max, on which the likelihood is a step
function; ln Z = ln mean(1{C} L / q) in
unit-cube coordinates, unbiased whatever the proposal; the four quarters of the draws must agree
within the reported error). Then over
`--seeds` seeds per tool on the same data: RMSE of ln B against the reference, mean likelihood
calls, CPU seconds (in-process peers: `time.process_time()`; veristat: `getrusage
(RUSAGE_CHILDREN)` of its process, start-up and CSV parsing included) and wall seconds, the
tools interleaved seed by seed so machine load hits all alike. Where a peer's RMSE is worse
than veristat's at nlive 500, veristat is also run at lower nlive (350, 250, 125, 60, 30; where
it is better, at 700, 1000, 2000) and the row's ratio uses the cheapest veristat setting whose
RMSE is no worse than the peer's.

Run from the repository root (`benches/peers/run-all --only echo` does all of this):
  cargo build --release --no-default-features --example echo_toy
  nice ~/.cache/veristat-peers/bin/python benches/peers/echo.py
"""
import argparse
import hashlib
import json
import logging
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

import dynesty
import numpy as np
import ultranest
import ultranest.stepsampler
from scipy.special import i0e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "veristat-peers")
CUT = 0.2  # tooth truncation level (spec §3.1)


def log(msg):
    print(f"[echo] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Problems


class Problem:
    """Data, prior and the vectorized likelihood (numpy) of one comb search.

    Full parameters are (γ, A, φ, Δ, f_min, f_max); `free` names the sampled ones, in that order.
    """

    def __init__(self, name, freq, data, psd, ranges, constraint, periodic, design, veristat_arg):
        self.name, self.design, self.veristat_arg = name, design, veristat_arg
        self.freq, self.data, self.psd = freq, data, psd
        self.df = freq[1] - freq[0]
        self.T = 1.0 / self.df
        self.ranges = ranges  # list of 6: ("fixed", v) | ("uniform", lo, hi) | ("loguniform", lo, hi)
        self.free = [i for i, r in enumerate(ranges) if r[0] != "fixed"]
        self.ndim = len(self.free)
        self.constraint = constraint  # None or (m, span)
        self.periodic = periodic  # index among the free parameters
        self.w = 4 * self.df * data / psd
        self.v = 2 * self.df / psd
        # Only bins up to the largest possible f_max can enter the band.
        fmax_hi = ranges[5][-1]
        self.nbins = int(min(len(freq), np.floor((fmax_hi - freq[0]) / self.df + 2) + 1))
        self.log_prior_mass = 0.0 if constraint is None else np.log(self.constrained_mass())
        self.ncalls = 0

    def constrained_mass(self):
        """P(f_max - f_min >= m Δ) for f_min, f_max ~ U(0, F) and Δ ~ U(a, b) (m Δ <= F)."""
        m, _ = self.constraint
        (_, a, b), (_, lo, F) = self.ranges[3], self.ranges[5]
        assert self.ranges[4][1:] == (lo, F) and lo == 0.0 and m * b <= F
        return F / (2 * 3 * m * (b - a)) * ((1 - m * a / F) ** 3 - (1 - m * b / F) ** 3)

    def transform(self, u):
        """Unit cube (N, ndim) -> free parameters (N, ndim)."""
        u = np.atleast_2d(u)
        out = np.empty_like(u)
        for j, i in enumerate(self.free):
            kind, lo, hi = self.ranges[i]
            out[:, j] = lo + u[:, j] * (hi - lo) if kind == "uniform" else lo * (hi / lo) ** u[:, j]
        return out

    def inverse(self, theta):
        out = np.empty_like(theta)
        for j, i in enumerate(self.free):
            kind, lo, hi = self.ranges[i]
            out[:, j] = (theta[:, j] - lo) / (hi - lo) if kind == "uniform" else np.log(theta[:, j] / lo) / np.log(hi / lo)
        return out

    def full(self, theta):
        theta = np.atleast_2d(theta)
        p = np.empty((theta.shape[0], 6))
        for i, r in enumerate(self.ranges):
            if r[0] == "fixed":
                p[:, i] = r[1]
        p[:, self.free] = theta
        return p

    def violation(self, p):
        """How far below the band constraint (0 where it holds)."""
        if self.constraint is None:
            return np.zeros(p.shape[0])
        m, span = self.constraint
        z = p[:, 5] - p[:, 4] - m * p[:, 3]
        return np.maximum(-z, 0) + np.maximum(z - span, 0)

    def loglike_batch(self, theta, chunk=None):
        """ln Λ_new at each row of theta (free parameters); -inf outside the band constraint."""
        theta = np.atleast_2d(theta)
        self.ncalls += theta.shape[0]
        chunk = chunk or max(1, 200_000 // self.nbins)
        if theta.shape[0] > chunk:
            return np.concatenate([self.loglike_batch(theta[i:i + chunk], chunk) for i in range(0, theta.shape[0], chunk)])
        p = self.full(theta)
        out = np.full(p.shape[0], -np.inf)
        ok = self.violation(p) == 0
        if ok.any():
            out[ok] = self._log_ratio(p[ok])
        return out

    def _log_ratio(self, p):
        g, a, ph, sp, fmin, fmax = (p[:, i:i + 1] for i in range(6))
        nb = self.nbins
        f = self.freq[None, :nb]
        f0, df, T = self.freq[0], self.df, self.T
        lo = np.clip(np.floor((fmin - f0) / df), 0, nb)
        hi = np.maximum(np.clip(np.floor((fmax - f0) / df + 2), 0, nb), lo)
        k = np.arange(nb)[None, :]
        u = (f - ph * sp) / sp
        n = np.floor(u + 0.5)
        wp = (u - n) * sp * 2 * np.pi
        cut = np.minimum(np.maximum(np.sqrt(1 - CUT * CUT) * g / CUT, 6 * np.pi / T), np.pi * sp)
        inside = (wp > -cut) & (wp < cut) & (k >= lo) & (k < hi)
        # The comb is zero outside the teeth's cuts (ln I0(0) - 0 = 0 there): evaluate h̃ only
        # inside, then sum x per (row, tooth) with one bincount.
        row, col = np.nonzero(inside)
        gi, wpi = g[row, 0], wp[row, col]
        h = a[row, 0] * gi / (gi + 1j * wpi) * (1 - np.exp(-gi * T) * np.exp(1j * wpi * T))
        x = self.w[col] * np.conj(h)
        e = np.bincount(row, weights=self.v[col] * (h.real ** 2 + h.imag ** 2), minlength=p.shape[0])
        nrel = (n[row, col] - n[row, 0]).astype(np.int64)
        width = int(nrel.max()) + 1 if len(nrel) else 1
        idx = row * width + nrel
        size = p.shape[0] * width
        xr = np.bincount(idx, weights=x.real, minlength=size)
        xi = np.bincount(idx, weights=x.imag, minlength=size)
        r = np.hypot(xr, xi).reshape(-1, width)
        return (np.log(i0e(r)) + r).sum(axis=1) - e

    def loglike_dynesty(self, theta):
        return float(self.loglike_batch(theta)[0])

    def loglike_ultranest(self, theta):
        out = self.loglike_batch(theta)
        bad = ~np.isfinite(out)
        if bad.any():
            out[bad] = -1e300 * (1 + self.violation(self.full(theta[bad])) / self.ranges[5][2])
        return out

    def prior_dynesty(self, u):
        return self.transform(u)[0]

    def write_csv(self, path):
        np.savetxt(path, np.column_stack([self.freq, self.data.real, self.data.imag, self.psd]), delimiter=",",
                   header="frequency,real,imaginary,psd", comments="", fmt="%.17g")

    def key(self):
        h = hashlib.sha256()
        for a in (self.freq, self.data.real, self.data.imag, self.psd):
            h.update(np.ascontiguousarray(a).tobytes())
        h.update(repr((self.ranges, self.constraint)).encode())
        return h.hexdigest()[:16]


def toy_problem():
    T, NB = 4.0, 4000
    gamma, spacing, phase, snr = 2.0, 20.0, 0.37, 15.0
    freq = np.arange(NB) / T
    S = np.ones(NB)
    dummy = Problem("toy", freq, np.zeros(NB, complex), S,
                    [("fixed", gamma), ("uniform", 0.0, 1.0), ("uniform", 0.0, 1.0), ("uniform", 10.0, 40.0),
                     ("fixed", 0.0), ("fixed", freq[-1])], None, 1, "", "")
    h1 = template(dummy, [gamma, 1.0, phase, spacing])
    df = freq[1] - freq[0]
    a0 = snr / np.sqrt(4 * df * np.sum(np.abs(h1) ** 2 / S))
    rng = np.random.default_rng(15)
    sd = np.sqrt(S / (4 * df))
    data = a0 * h1 + sd * (rng.standard_normal(NB) + 1j * rng.standard_normal(NB))
    return Problem("toy", freq, data, S,
                   [("fixed", gamma), ("uniform", 0.0, 3 * a0), ("uniform", 0.0, 1.0), ("uniform", 10.0, 40.0),
                    ("fixed", 0.0), ("fixed", freq[-1])], None, 1,
                   f"toy, 3 parameters: {NB} bins, SNR {snr:g}", repr(float(a0)))


def template(prob, p4):
    """The comb h̃ on the whole grid (no band), for the injection."""
    g, a, ph, sp = p4
    f = prob.freq
    u = (f - ph * sp) / sp
    n = np.floor(u + 0.5)
    wp = (u - n) * sp * 2 * np.pi
    cut = min(max(np.sqrt(1 - CUT * CUT) * g / CUT, 6 * np.pi / prob.T), np.pi * sp)
    h = a * g / (g + 1j * wp) * (1 - np.exp(-g * prob.T) * np.exp(1j * wp * prob.T))
    return np.where((wp > -cut) & (wp < cut), h, 0)


def benchmark_problem():
    path = os.path.join(ROOT, "datasets", "echo", "w1XinN010.dat")
    omega, h = [], []
    with open(path) as fh:
        for line in fh:
            if line.strip():
                a, b = line.split("\t")[:2]
                omega.append(float(a))
                h.append(complex(b.strip()))
    omega, h = np.array(omega), np.array(h)
    n = len(omega)
    df = (omega[1] - omega[0]) / (2 * np.pi)
    T = 1 / df
    dt = T / n
    nb = n // 2
    # ReferenceSpectrum::positive_half: ½[h̃_k + h̃*_{n-1-k}], conjugated (numpy's Fourier sign).
    freq = omega[:nb] / (2 * np.pi)
    hp = np.conj((h[:nb] + np.conj(h[n - 1 - np.arange(nb)])) / 2)
    S = np.full(nb, 2 * dt)
    rng = np.random.default_rng(15)
    sd = np.sqrt(S / (4 * df))
    amp = 160.0  # Benchmark::Xin.injection_amplitude()
    data = sd * (rng.standard_normal(nb) + 1j * rng.standard_normal(nb)) + amp * hp
    chi = 0.69
    rb = 0.00547 / (1 + 1 / np.sqrt(1 - chi * chi))
    frd = (1.5251 - 1.1568 * (1 - chi) ** 0.129) / (2 * np.pi)
    m = np.mean(np.abs(data))
    band = np.arange(nb)[freq <= frd]
    snr = amp * np.sqrt(4 * df * np.sum(np.abs(hp[band]) ** 2 / S[band]))
    return Problem("benchmark", freq, data, S,
                   [("loguniform", 1 / T, rb), ("uniform", m / 100, 10 * m), ("uniform", 0.0, 1.0),
                    ("uniform", rb / 4, rb), ("uniform", 0.0, frd), ("uniform", 0.0, frd)], (10.0, frd), 2,
                   f"Xin N = 10, 6 parameters: {nb} bins, SNR {snr:.1f}", "benchmark")


# ---------------------------------------------------------------------------------------------
# veristat


def veristat(exe, prob, csv, nlive, seed, extra=()):
    """Run the example; returns (its JSON lines, CPU s of the child process, wall s)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([exe, csv, prob.veristat_arg, str(nlive), str(WALKS[0]), str(seed), *extra],
                         capture_output=True,
                         text=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        sys.exit(f"{exe} failed:\n{out.stderr}")
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return [json.loads(x) for x in out.stdout.splitlines() if x.strip()], cpu, wall


def check_likelihood(exe, prob, csv, tmp):
    """numpy's ln Λ against veristat's at prior draws and near the truth."""
    rng = np.random.default_rng(7)
    theta = prob.transform(rng.uniform(size=(300, prob.ndim)))
    pts = os.path.join(tmp, f"{prob.name}-points.csv")
    np.savetxt(pts, theta, delimiter=",", fmt="%.17g")
    lines, _, _ = veristat(exe, prob, csv, 50, 1, ["--eval", pts])
    theirs = np.array([np.nan if v is None else v for v in lines[0]["eval"]])
    ours = prob.loglike_batch(theta)
    fin = np.isfinite(ours)
    if not (np.array_equal(fin, np.isfinite(theirs)) and
            np.allclose(ours[fin], theirs[fin], rtol=1e-9, atol=1e-9)):
        worst = np.nanmax(np.abs(ours[fin] - theirs[fin]))
        sys.exit(f"{prob.name}: numpy and veristat likelihoods differ (max |diff| {worst:.3g})")
    return int(fin.sum())


# ---------------------------------------------------------------------------------------------
# Reference ln B by importance sampling


def reference(exe, prob, csv, tmp, draws):
    path = os.path.join(CACHE, f"echo-reference-v3-{prob.name}-{prob.key()}-{draws}.json")
    if os.path.exists(path):
        with open(path) as fh:
            return json.load(fh)
    from sklearn.mixture import GaussianMixture
    t0 = time.perf_counter()
    post_path = os.path.join(tmp, f"{prob.name}-posterior.csv")
    lines, _, _ = veristat(exe, prob, csv, 2000, 99, ["--samples", post_path])
    u = prob.inverse(np.loadtxt(post_path, delimiter=",", ndmin=2))
    # Centre the periodic phase's posterior at 0.5 (the likelihood has period 1 in φ).
    j = prob.periodic
    c = np.angle(np.mean(np.exp(2j * np.pi * u[:, j]))) / (2 * np.pi)
    shift = 0.5 - c
    u[:, j] = np.mod(u[:, j] + shift, 1.0)
    # The band edges enter the likelihood only through which bins are in the band (a step
    # function of f_min and f_max), which a Gaussian mixture fits badly: they get histogram
    # densities (the posterior marginal on 100 equal cells, mixed with 10 % uniform), the other
    # parameters a Gaussian mixture.
    hd = [jj for jj, i in enumerate(prob.free) if i in (4, 5)]
    gd = [jj for jj in range(prob.ndim) if jj not in hd]
    best = None
    for k in range(1, 17):
        gm = GaussianMixture(k, covariance_type="full", random_state=0, reg_covar=1e-10).fit(u[:, gd])
        bic = gm.bic(u[:, gd])
        if best is None or bic < best[0]:
            best = (bic, gm)
    gm = best[1]
    cells = 100
    hists = [0.9 * np.histogram(u[:, jj], bins=cells, range=(0, 1))[0] / len(u) + 0.1 / cells for jj in hd]
    # Defensive mixture proposal: 5 % uniform on the cube, the rest the product of the Gaussian
    # mixture (covariances inflated 1.5x and 4x, half each, for the tails) and the histograms.
    nk = len(gm.weights_)
    scales = (1.5, 4.0)
    defensive = 0.05
    ng = len(gd)
    means = np.concatenate([gm.means_] * len(scales))
    covs = np.concatenate([gm.covariances_ * c for c in scales])
    mix = np.concatenate([gm.weights_ * (1 - defensive) / len(scales)] * len(scales))
    chols = np.linalg.cholesky(covs)
    logdets = 2 * np.log(np.diagonal(chols, axis1=1, axis2=2)).sum(axis=1)
    invs = np.linalg.inv(covs)
    rng = np.random.default_rng(2026)
    logw = np.empty(draws)
    done = 0
    while done < draws:
        m = min(50_000, draws - done)
        x = np.empty((m, prob.ndim))
        comp = rng.choice(len(mix), size=m, p=mix / mix.sum())
        x[:, gd] = means[comp] + np.einsum("nij,nj->ni", chols[comp], rng.standard_normal((m, ng)))
        for jj, hst in zip(hd, hists):
            cell = rng.choice(cells, size=m, p=hst / hst.sum())
            x[:, jj] = (cell + rng.uniform(size=m)) / cells
        uni = rng.uniform(size=m) < defensive
        x[uni] = rng.uniform(size=(uni.sum(), prob.ndim))
        lg = np.full(m, -np.inf)
        for c_i in range(len(mix)):
            d = x[:, gd] - means[c_i]
            q2 = np.einsum("ni,ij,nj->n", d, invs[c_i], d)
            lg = np.logaddexp(lg, np.log(mix[c_i] / (1 - defensive)) - 0.5 * (q2 + logdets[c_i] + ng * np.log(2 * np.pi)))
        for jj, hst in zip(hd, hists):
            cell = np.clip((x[:, jj] * cells).astype(int), 0, cells - 1)
            lg = lg + np.log(hst[cell] * cells)
        lq = np.logaddexp(np.log(defensive), np.log(1 - defensive) + lg)
        inside = np.all((x > 0) & (x < 1), axis=1)
        lw = np.full(m, -np.inf)
        if inside.any():
            xi = x[inside].copy()
            xi[:, j] = np.mod(xi[:, j] - shift, 1.0)
            lw[inside] = prob.loglike_batch(prob.transform(xi)) - lq[inside]
        logw[done:done + m] = lw
        done += m

    def estimate(lw):
        top = lw.max()
        wts = np.exp(lw - top)
        mean = wts.mean()
        return (float(top + np.log(mean) - prob.log_prior_mass), float(wts.std(ddof=1) / np.sqrt(len(wts)) / mean),
                float(wts.sum() ** 2 / (wts ** 2).sum()))

    lnb, se, ess = estimate(logw)
    blocks = [estimate(b)[0] for b in np.array_split(logw, 4)]
    ref = {"log_bayes_factor": lnb, "se": se, "ess": ess, "draws": draws, "components": nk,
           "blocks": blocks, "veristat_nlive2000": lines[0]["log_bayes_factor"],
           "seconds": time.perf_counter() - t0}
    if np.std(blocks, ddof=1) / 2 > 3 * se:
        log(f"warning: the importance-sampling blocks scatter more than the reported error: {ref}")
    os.makedirs(CACHE, exist_ok=True)
    with open(path, "w") as fh:
        json.dump(ref, fh, indent=1)
    return ref


# ---------------------------------------------------------------------------------------------
# Peers


class OverBudget(Exception):
    pass


def _over_budget(signum, frame):
    raise OverBudget()


def budgeted(run):
    """Run a peer under the CPU budget (`--peer-cpu-budget`, a profiling timer, which counts this
    process's CPU seconds): a run that exceeds it returns {"unfinished": True, ...} instead of
    an estimate, so one stalled sampler cannot hold the whole comparison."""
    def wrapped(prob, seed):
        prob.ncalls = 0
        t0, c0 = time.perf_counter(), time.process_time()
        signal.signal(signal.SIGPROF, _over_budget)
        signal.setitimer(signal.ITIMER_PROF, BUDGET[0])
        try:
            return run(prob, seed)
        except OverBudget:
            return {"unfinished": True, "calls": prob.ncalls, "cpu": time.process_time() - c0,
                    "wall": time.perf_counter() - t0}
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
    return wrapped


BUDGET = [600.0]
WALKS = [25]


def run_dynesty(prob, seed, sample):
    prob.ncalls = 0
    t0, c0 = time.perf_counter(), time.process_time()
    s = dynesty.NestedSampler(prob.loglike_dynesty, prob.prior_dynesty, prob.ndim, sample=sample,
                              periodic=[prob.periodic], rstate=np.random.default_rng(seed))
    s.run_nested(print_progress=False)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    return {"lnb": float(s.results.logz[-1] - prob.log_prior_mass), "err": float(s.results.logzerr[-1]),
            "calls": prob.ncalls, "cpu": cpu, "wall": wall}


def run_ultranest(prob, seed, slice_steps=None):
    prob.ncalls = 0
    np.random.seed(seed)
    names = [["width", "amplitude", "phase", "spacing", "fmin", "fmax"][i] for i in prob.free]
    t0, c0 = time.perf_counter(), time.process_time()
    s = ultranest.ReactiveNestedSampler(names, prob.loglike_ultranest, prob.transform, wrapped_params=[
        i == prob.periodic for i in range(prob.ndim)], vectorized=True)
    if slice_steps:
        s.stepsampler = ultranest.stepsampler.SliceSampler(
            nsteps=slice_steps * prob.ndim, generate_direction=ultranest.stepsampler.generate_mixture_random_direction)
    r = s.run(show_status=False, viz_callback=False)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    return {"lnb": float(r["logz"] - prob.log_prior_mass), "err": float(r["logzerr"]), "calls": prob.ncalls,
            "cpu": cpu, "wall": wall}


PEERS = {
    "dynesty-rwalk": ("dynesty", dynesty.__version__, "static NestedSampler, sample='rwalk' (walks ndim + 20), "
                      "bound='multi', nlive 500, default dlogz, numpy likelihood",
                      budgeted(lambda p, s: run_dynesty(p, s, "rwalk"))),
    "dynesty-auto": ("dynesty", dynesty.__version__, "static NestedSampler, sample='auto' (= 'unif' for ndim < 10), "
                     "bound='multi', nlive 500, default dlogz, numpy likelihood",
                     budgeted(lambda p, s: run_dynesty(p, s, "auto"))),
    "ultranest": ("UltraNest", ultranest.__version__, "ReactiveNestedSampler, vectorized=True, run() defaults "
                  "(400 live points, region sampling, no step sampler), numpy likelihood",
                  budgeted(run_ultranest)),
    "ultranest-slice": ("UltraNest", ultranest.__version__, "ReactiveNestedSampler, vectorized=True, run() defaults, "
                        "SliceSampler(nsteps = 2 ndim, generate_mixture_random_direction), numpy likelihood",
                        budgeted(lambda p, s: run_ultranest(p, s, 2))),
}
# Region sampling on the benchmark stalls (UltraNest warns "Sampling from region seems
# inefficient ... use a stepsampler"; 300 000 calls, 45 s wall, had not converged and a full run
# went past 15 minutes), so there UltraNest gets the step sampler its warning and FAQ recommend.
# On the toy region sampling did not finish within 120 CPU s either (session 8), so the toy runs
# both: UltraNest's default, and the step sampler its docs recommend when the default stalls.
DEFAULT_PEERS = {"toy": "dynesty-rwalk,dynesty-auto,ultranest,ultranest-slice",
                 "benchmark": "dynesty-rwalk,dynesty-auto,ultranest-slice"}


def summarize(runs, ref):
    if any(r.get("unfinished") for r in runs):
        # A run that hit the budget has no estimate: the row keeps the CPU it spent (a lower
        # bound on the run's cost) and the finished runs' count.
        return {"unfinished": sum(1 for r in runs if r.get("unfinished")), "seeds": len(runs),
                "calls": float(np.mean([r["calls"] for r in runs])),
                "cpu": float(np.mean([r["cpu"] for r in runs])), "wall": float(np.mean([r["wall"] for r in runs]))}
    lnb = np.array([r["lnb"] for r in runs])
    return {"rmse": float(np.sqrt(np.mean((lnb - ref) ** 2))), "bias": float(np.mean(lnb - ref)),
            "sd": float(np.std(lnb, ddof=1)) if len(lnb) > 1 else float("nan"),
            "calls": float(np.mean([r["calls"] for r in runs])), "cpu": float(np.mean([r["cpu"] for r in runs])),
            "wall": float(np.mean([r["wall"] for r in runs])), "seeds": len(runs),
            "reported_err": float(np.mean([r["err"] for r in runs]))}


def acc(s):
    if s.get("unfinished"):
        return (f"not finished: {s['unfinished']} of {s['seeds']} runs stopped at the CPU budget "
                f"({BUDGET[0]:.0f} s), {s['calls']:.3g} calls; the ratio is a lower bound")
    return (f"ln B RMSE {s['rmse']:.3f} (bias {s['bias']:+.3f}, sd {s['sd']:.3f}, {s['seeds']} seeds), "
            f"{s['calls']:.3g} calls")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds per tool")
    ap.add_argument("--peer-seeds", type=int, help="seeds per peer, if fewer than --seeds (the peers are slow)")
    ap.add_argument("--problems", default="toy,benchmark")
    ap.add_argument("--peers", help=f"comma-separated, of {', '.join(PEERS)} (default: per problem, {DEFAULT_PEERS})")
    ap.add_argument("--quick", action="store_true", help="1 seed, toy only (checks the pipeline)")
    ap.add_argument("--draws", type=int, help="importance-sampling draws of the reference (default: toy 400 000, "
                    "benchmark 1 200 000)")
    ap.add_argument("--json", default=os.environ.get("ECHO_BENCH_JSON"), help="append run-all rows here")
    ap.add_argument("--veristat-walks", type=int, default=25,
                    help="veristat's constrained random-walk steps per replacement (default 25)")
    ap.add_argument("--peer-cpu-budget", type=float, default=600.0,
                    help="CPU seconds per peer run before it is stopped and reported as unfinished (default 600; "
                         "--quick 120)")
    ap.add_argument("--exe", default=os.environ.get("ECHO_TOY_EXE",
                                                    os.path.join(ROOT, "target", "release", "examples", "echo_toy")))
    args = ap.parse_args()
    if args.quick:
        args.seeds, args.peer_seeds, args.problems = 1, 1, "toy"
        if "--peer-cpu-budget" not in sys.argv:
            args.peer_cpu_budget = 120.0
    BUDGET[0] = args.peer_cpu_budget
    WALKS[0] = args.veristat_walks
    if not os.path.exists(args.exe):
        sys.exit("build it first: cargo build --release --no-default-features --example echo_toy (or set ECHO_TOY_EXE)")
    logging.getLogger("ultranest").setLevel(logging.WARNING)
    tmp = tempfile.mkdtemp(prefix="veristat-echo-")
    rows = []
    print(f"dynesty {dynesty.__version__}, UltraNest {ultranest.__version__}, numpy {np.__version__}; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at the start")
    for name in args.problems.split(","):
        prob = toy_problem() if name == "toy" else benchmark_problem()
        peers = (args.peers or DEFAULT_PEERS[name]).split(",")
        csv = os.path.join(tmp, f"{name}.csv")
        prob.write_csv(csv)
        n_ok = check_likelihood(args.exe, prob, csv, tmp)
        log(f"{name}: numpy likelihood = veristat's at {n_ok} points (rtol 1e-9)")
        ref = reference(args.exe, prob, csv, tmp, args.draws or {"toy": 400_000, "benchmark": 1_200_000}[name])
        log(f"{name}: reference ln B {ref['log_bayes_factor']:.4f} ± {ref['se']:.4f} (ESS {ref['ess']:.0f})")
        runs = {k: [] for k in ["veristat-500", *peers]}
        for seed in range(1, args.seeds + 1):
            lines, cpu, wall = veristat(args.exe, prob, csv, 500, seed)
            runs["veristat-500"].append({"lnb": lines[0]["log_bayes_factor"], "err": lines[0]["log_bayes_factor_err"],
                                         "calls": lines[0]["n_likelihood_calls"], "cpu": cpu, "wall": wall,
                                         "own_cpu": lines[0]["cpu_seconds"]})
            for p in peers:
                if seed > (args.peer_seeds or args.seeds):
                    continue
                if runs[p] and runs[p][-1].get("unfinished"):
                    continue  # a peer over budget once is not run again
                runs[p].append(PEERS[p][3](prob, seed))
                log(f"{name} seed {seed} {p}: {json.dumps(runs[p][-1])}")
            log(f"{name} seed {seed} veristat-500: {json.dumps(runs['veristat-500'][-1])}")
        stats = {k: summarize(v, ref["log_bayes_factor"]) for k, v in runs.items()}
        # veristat at other nlive, for the peers whose RMSE differs from veristat's at nlive 500.
        def at(nlive):
            key = f"veristat-{nlive}"
            if key not in stats:
                rs = []
                for seed in range(1, args.seeds + 1):
                    lines, cpu, wall = veristat(args.exe, prob, csv, nlive, seed)
                    rs.append({"lnb": lines[0]["log_bayes_factor"], "err": lines[0]["log_bayes_factor_err"],
                               "calls": lines[0]["n_likelihood_calls"], "cpu": cpu, "wall": wall})
                stats[key] = summarize(rs, ref["log_bayes_factor"])
                log(f"{name} veristat nlive {nlive}: RMSE {stats[key]['rmse']:.3f} cpu {stats[key]['cpu']:.2f} s")
            return stats[key]

        def matching(target):
            """(nlive, stats) of the cheapest veristat run found with RMSE <= target."""
            if at(500)["rmse"] <= target:
                best = (500, at(500))
                for nlive in (350, 250, 125, 60, 30):
                    if nlive <= 2 * prob.ndim + 2 or at(nlive)["rmse"] > target:
                        break
                    best = (nlive, at(nlive))
                return best
            for nlive in (700, 1000, 2000):
                if at(nlive)["rmse"] <= target:
                    return nlive, at(nlive)
            return None, None

        v = stats["veristat-500"]
        best_ratio, lines_out = None, []
        for p in peers:
            tool, version, config, _ = PEERS[p]
            s = stats[p]
            row = {"task": "echo comb search", "design": prob.design, "peer": tool, "peer_version": version,
                   "peer_config": config, "peer_cpu": s["cpu"], "peer_wall": s["wall"], "peer_accuracy": acc(s),
                   "veristat_cpu": v["cpu"], "veristat_wall": v["wall"],
                   "veristat_accuracy": f"nlive 500, walks {WALKS[0]}: {acc(v)}",
                   "reference": f"importance sampling ln B {ref['log_bayes_factor']:.4f} ± {ref['se']:.4f}",
                   "at_peer_label": "at the peer's RMSE", "requested_label": "at nlive 500"}
            if s.get("unfinished"):
                row["lower_bound"] = True
                ratio = s["cpu"] / v["cpu"]
                best_ratio = ratio if best_ratio is None else min(best_ratio, ratio)
                rows.append(row)
                lines_out.append(f"{p:16s} CPU ratio >= {ratio:6.1f}x (peer stopped at the budget; veristat at nlive 500)")
                continue
            nl, vc = matching(s["rmse"])
            if vc is None:
                nl, vc = 2000, at(2000)
                row["at_peer_label"] = "nlive 2000, the most accurate tried, still short of the peer's RMSE"
            if nl != 500:
                row.update({"veristat_at_peer_gap_cpu": vc["cpu"], "veristat_at_peer_gap_wall": vc["wall"],
                            "veristat_at_peer_gap_accuracy": f"nlive {nl}, walks {WALKS[0]}: {acc(vc)}"})
            ratio = s["cpu"] / vc["cpu"]
            best_ratio = ratio if best_ratio is None else min(best_ratio, ratio)
            rows.append(row)
            lines_out.append(f"{p:16s} CPU ratio at equal accuracy {ratio:6.1f}x (veristat at nlive {nl})")
        print(f"\n{prob.design}: reference ln B = {ref['log_bayes_factor']:.4f} ± {ref['se']:.4f} "
              f"(importance sampling, {ref['draws']} draws, ESS {ref['ess']:.0f})")
        print(f"{'tool':16s} {'RMSE':>7s} {'bias':>7s} {'sd':>6s} {'calls':>10s} {'CPU s':>8s} {'wall s':>8s}")
        for k, s in stats.items():
            if s.get("unfinished"):
                print(f"{k:16s} {'-':>7s} {'-':>7s} {'-':>6s} {s['calls']:10.0f} {s['cpu']:8.2f} {s['wall']:8.2f} "
                      f"(stopped at the {BUDGET[0]:.0f} CPU s budget)")
                continue
            print(f"{k:16s} {s['rmse']:7.3f} {s['bias']:+7.3f} {s['sd']:6.3f} {s['calls']:10.0f} {s['cpu']:8.2f} "
                  f"{s['wall']:8.2f}")
        print("\n".join(lines_out))
        if best_ratio is not None:
            print(f"{prob.design}: against the fastest peer at equal accuracy: {best_ratio:.1f}x less CPU")
    if args.json:
        with open(args.json, "a") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
