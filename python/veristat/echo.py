"""Model-independent search for the quasinormal-mode combs of gravitational-wave echoes
(Wu, Gao, Ren and Afshordi, Phys. Rev. D 108, 124006, 2023).

A comb has six parameters ``width`` (damping rate gamma), ``amplitude`` A, ``phase`` phi (a
fraction of the spacing), ``spacing`` Delta, and the band ``fmin``/``fmax``. :func:`comb` is
the template ``h(f)`` (eq. 3.1 of the spec), :func:`inject` simulates Gaussian noise with a
given PSD and adds a scaled signal, :func:`loglike` is the phase-marginalised log-likelihood
ratio ``ln Lambda`` (``kind="new"``: per QNM; ``"old"``: per bin), vectorized over parameter
rows, and :func:`search` runs the comb-vs-noise nested-sampling search and returns ``ln B``.

Series are complex numpy arrays.

Examples
--------
>>> import numpy as np
>>> from veristat import echo
>>> f = np.arange(400) * 0.25
>>> truth = dict(width=2.0, amplitude=1.0, phase=0.37, spacing=20.0, fmin=0.0, fmax=99.75)
>>> h = echo.comb(f, duration=4.0, **truth)
>>> data, psd, _ = echo.inject(f, h, psd=np.ones_like(f), seed=1)
>>> ll = echo.loglike(f, data, psd, truth)
>>> bool(np.isfinite(ll))
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from ._validation import as_f64_1d
from .exceptions import InvalidParameterError

__all__ = ["NAMES", "comb", "inject", "loglike", "search", "SearchResult"]

#: The six comb parameters, in the order of a parameter row.
NAMES: tuple[str, ...] = ("width", "amplitude", "phase", "spacing", "fmin", "fmax")

Prior = float | tuple[str, float, float]


def _parts(z: ArrayLike, name: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    a = np.asarray(z)
    if a.ndim != 1:
        raise InvalidParameterError(
            f"`{name}` must be 1-d, got shape {a.shape}",
            param=name,
            value=str(a.shape),
            reason="a one-sided frequency series",
        )
    return as_f64_1d(a.real, name), as_f64_1d(np.imag(a), name)


def _row(params: Mapping[str, float] | ArrayLike) -> NDArray[np.float64]:
    if isinstance(params, Mapping):
        missing = [n for n in NAMES if n not in params]
        if missing:
            raise InvalidParameterError(
                f"comb parameters miss {missing}",
                param=missing[0],
                value="missing",
                reason=f"give all of {NAMES}",
            )
        return np.array([float(params[n]) for n in NAMES])
    return np.asarray(params, dtype=np.float64)


def comb(
    freq: ArrayLike,
    *,
    width: float,
    amplitude: float,
    phase: float,
    spacing: float,
    duration: float,
    fmin: float | None = None,
    fmax: float | None = None,
) -> NDArray[np.complex128]:
    """The QNM comb template ``h(f)`` over ``freq``.

    Parameters
    ----------
    freq : array-like of shape (n_bins,)
        Uniform frequency grid.
    width, amplitude, phase, spacing : float
        Damping rate, peak amplitude, offset (fraction of the spacing) and tooth spacing.
    duration : float
        Segment length ``T``.
    fmin, fmax : float, optional
        Band edges (the grid's ends when omitted).

    Returns
    -------
    ndarray of complex128, shape (n_bins,)
        The template.
    """
    f = as_f64_1d(freq, "freq")
    row = [
        width,
        amplitude,
        phase,
        spacing,
        float(f[0]) if fmin is None else fmin,
        float(f[-1]) if fmax is None else fmax,
    ]
    re, im = _core.comb(f, [float(v) for v in row], float(duration))
    return re + 1j * im


def inject(
    freq: ArrayLike,
    signal: ArrayLike,
    *,
    scale: float = 1.0,
    psd: ArrayLike | None = None,
    dt: float | None = None,
    seed: int = 0,
) -> tuple[NDArray[np.complex128], NDArray[np.float64], float]:
    """Simulated data: Gaussian noise plus ``scale * signal``.

    Parameters
    ----------
    freq : array-like of shape (n_bins,)
        Uniform frequency grid.
    signal : array-like of complex, shape (n_bins,)
        The signal (e.g. :func:`comb`).
    scale : float, default=1.0
        Injection scale.
    psd : array-like of shape (n_bins,), optional
        The noise PSD per bin (also the analysis PSD).
    dt : float, optional
        Instead of ``psd``: white noise of unit-variance samples at step ``dt`` (``S = 2 dt``).
    seed : int, default=0
        Seed of the noise.

    Returns
    -------
    data : ndarray of complex128
        Noise plus signal.
    psd : ndarray of float64
        The analysis PSD.
    mean_abs_noise : float
        Mean ``|n_k|`` of the noise alone (the amplitude prior's scale).
    """
    re, im = _parts(signal, "signal")
    p = None if psd is None else as_f64_1d(psd, "psd")
    dre, dim, s, m = _core.inject(
        as_f64_1d(freq, "freq"), re, im, float(scale), p, None if dt is None else float(dt), int(seed)
    )
    return dre + 1j * dim, s, float(m)


def loglike(
    freq: ArrayLike,
    data: ArrayLike,
    psd: ArrayLike,
    params: Mapping[str, float] | ArrayLike,
    *,
    kind: Literal["new", "old"] = "new",
) -> float | NDArray[np.float64]:
    """The log-likelihood ratio ``ln Lambda`` of a comb against noise.

    Parameters
    ----------
    freq, data, psd : array-like of shape (n_bins,)
        The spectrum (data complex).
    params : mapping or array-like of shape (6,) or (m, 6)
        One comb (a dict by name, or a row in :data:`NAMES` order) or m rows.
    kind : {"new", "old"}, default="new"
        Per-QNM or per-bin phase marginalisation.

    Returns
    -------
    float or ndarray of shape (m,)
        ``ln Lambda`` per comb.
    """
    rows = _row(params)
    single = rows.ndim == 1
    rows2 = np.atleast_2d(rows)
    re, im = _parts(data, "data")
    out = _core.loglike(
        as_f64_1d(freq, "freq"), re, im, as_f64_1d(psd, "psd"), np.ascontiguousarray(rows2), kind
    )
    return float(out[0]) if single else out


@dataclass(frozen=True)
class SearchResult:
    """The outcome of :func:`search`.

    Attributes
    ----------
    log_bayes_factor : float
        ``ln B = ln Z_comb - ln Z_noise``.
    log_bayes_factor_err : float
        Its nested-sampling standard error.
    ncall : int
        Likelihood evaluations.
    posterior_median : dict
        Posterior medians of the sampled parameters.
    max_likelihood : dict
        The maximum-likelihood comb among the samples.
    max_log_likelihood : float
        Its ``ln Lambda``.
    free_names : list of str
        The sampled parameters, in column order of ``samples``.
    samples : ndarray of shape (n_samples, n_free)
        Posterior samples (dead and final live points).
    weights : ndarray of shape (n_samples,)
        Their normalized weights.
    """

    log_bayes_factor: float
    log_bayes_factor_err: float
    ncall: int
    posterior_median: dict[str, float]
    max_likelihood: dict[str, float]
    max_log_likelihood: float
    free_names: list[str]
    samples: NDArray[np.float64]
    weights: NDArray[np.float64]


def search(
    freq: ArrayLike,
    data: ArrayLike,
    psd: ArrayLike,
    prior: Mapping[str, Prior],
    *,
    min_teeth: tuple[float, float] | None = None,
    kind: Literal["new", "old"] = "new",
    nlive: int = 500,
    walks: int = 25,
    batch: int | None = None,
    dlogz: float = 0.1,
    seed: int = 0,
) -> SearchResult:
    """Nested-sampling search for a comb (spec section 4).

    Parameters
    ----------
    freq, data, psd : array-like of shape (n_bins,)
        The spectrum (data complex).
    prior : mapping
        For each of :data:`NAMES`: a number (held fixed), ``("uniform", lo, hi)`` or
        ``("log-uniform", lo, hi)``.
    min_teeth : (float, float), optional
        Band constraint ``0 <= fmax - fmin - m * spacing <= span`` as ``(m, span)``.
    kind : {"new", "old"}, default="new"
        Likelihood.
    nlive, walks, batch, dlogz
        Nested-sampler settings (see :class:`veristat.inference.NestedSampler`).
    seed : int, default=0
        Seed.

    Returns
    -------
    SearchResult
        ``ln B``, its error and the posterior.
    """
    re, im = _parts(data, "data")
    out: dict[str, Any] = _core.search(
        as_f64_1d(freq, "freq"),
        re,
        im,
        as_f64_1d(psd, "psd"),
        dict(prior),
        None if min_teeth is None else (float(min_teeth[0]), float(min_teeth[1])),
        kind,
        int(nlive),
        int(walks),
        None if batch is None else int(batch),
        float(dlogz),
        int(seed),
    )
    return SearchResult(
        log_bayes_factor=float(out["log_bayes_factor"]),
        log_bayes_factor_err=float(out["log_bayes_factor_err"]),
        ncall=int(out["ncall"]),
        posterior_median=dict(out["posterior_median"]),
        max_likelihood=dict(out["max_likelihood"]),
        max_log_likelihood=float(out["max_log_likelihood"]),
        free_names=list(out["free_names"]),
        samples=np.asarray(out["samples"]),
        weights=np.asarray(out["weights"]),
    )
