"""Nested sampling in dynesty's calling convention (Skilling 2006), on veristat's sampler.

``NestedSampler(loglike, prior_transform, ndim, nlive=500)`` takes the same two functions as
``dynesty.NestedSampler``: ``prior_transform(u)`` maps a point of the unit cube to the
parameters and ``loglike(theta)`` returns the log-likelihood. With ``vectorized=True`` the
log-likelihood is called once per batch of points with an ``(m, ndim)`` array and returns
``m`` values. :meth:`NestedSampler.run_nested` runs the sampler (the GIL is released between
the calls into Python) and :attr:`NestedSampler.results` holds ``logz``, ``logzerr``, the
samples and their weights.

The sampler is dynesty-style (multi-ellipsoid bounds with uniform proposals, then
cluster-local random walks, ``dlogz`` stopping rule) and deterministic for a given ``seed``
whatever the number of threads.

Examples
--------
>>> import numpy as np
>>> from veristat.inference import NestedSampler
>>> def loglike(theta):  # a unit Gaussian in 2-d
...     return -0.5 * np.sum(theta**2, axis=-1) - np.log(2 * np.pi)
>>> def prior_transform(u):  # uniform on [-10, 10]^2
...     return 20.0 * u - 10.0
>>> sampler = NestedSampler(loglike, prior_transform, 2, nlive=200, vectorized=True, seed=1)
>>> sampler.run_nested()
>>> bool(abs(sampler.results.logz - np.log(1 / 400)) < 4 * sampler.results.logzerr)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from . import _core
from .exceptions import InvalidParameterError

__all__ = ["NestedSampler", "NestedResults"]


@dataclass(frozen=True)
class NestedResults:
    """The output of a nested-sampling run.

    Attributes
    ----------
    logz : float
        Log-evidence ``ln Z``.
    logzerr : float
        Its standard error ``sqrt(H / nlive)`` (Skilling 2006, eq. 17).
    samples : ndarray of shape (n_samples, ndim)
        Dead points followed by the final live points, in increasing likelihood.
    logl : ndarray of shape (n_samples,)
        Their log-likelihoods.
    logwt : ndarray of shape (n_samples,)
        Their log importance weights ``ln(L_i w_i)`` (dynesty's ``logwt``).
    weights : ndarray of shape (n_samples,)
        Normalized posterior weights ``L_i w_i / Z``.
    niter : int
        Iterations.
    ncall : int
        Likelihood evaluations.
    information : float
        The information ``H`` in nats.
    converged : bool
        Whether the ``dlogz`` criterion was met before ``maxcall``.
    """

    logz: float
    logzerr: float
    samples: NDArray[np.float64]
    logl: NDArray[np.float64]
    logwt: NDArray[np.float64]
    weights: NDArray[np.float64]
    niter: int
    ncall: int
    information: float
    converged: bool

    def importance_weights(self) -> NDArray[np.float64]:
        """The normalized posterior weights (dynesty's ``importance_weights()``)."""
        return self.weights

    def resample_equal(self, n: int | None = None, *, seed: int = 0) -> NDArray[np.float64]:
        """Equally weighted posterior draws (systematic resampling of the weighted samples).

        Parameters
        ----------
        n : int, optional
            Number of draws; the number of samples when omitted.
        seed : int, default=0
            Seed of the resampling offset.

        Returns
        -------
        ndarray of shape (n, ndim)
            Draws.
        """
        n = len(self.weights) if n is None else int(n)
        cdf = np.cumsum(self.weights / self.weights.sum())
        u = (np.random.default_rng(seed).random() + np.arange(n)) / n
        return self.samples[np.minimum(np.searchsorted(cdf, u), len(cdf) - 1)]


class NestedSampler:
    """Static nested sampler with dynesty's calling convention.

    Parameters
    ----------
    loglike : callable
        ``loglike(theta) -> float`` for ``theta`` of shape (ndim,); with ``vectorized=True``,
        ``loglike(thetas) -> array`` for ``thetas`` of shape (m, ndim). ``-inf`` outside the
        support; NaN or an exception ends the run with an error.
    prior_transform : callable
        ``prior_transform(u) -> theta`` mapping a point of the unit cube (ndim,) to parameters.
    ndim : int
        Number of parameters.
    nlive : int, default=500
        Live points (> ndim).
    walks : int, default=25
        Random-walk steps per replacement.
    batch : int, optional
        Points replaced per iteration (``max(1, nlive / 50)`` when omitted; < nlive / 2).
    enlarge : float, default=2.0
        Volume factor of the bounding ellipsoids.
    uniform_calls : int, default=200
        Uniform proposals per replacement before falling back to a random walk.
    periodic : sequence of int, optional
        Parameters (indices) that wrap around the unit cube, as dynesty's ``periodic``.
    vectorized : bool, default=False
        Whether ``loglike`` takes a batch of points.
    seed : int, default=0
        Seed; the run is a pure function of the seed and the functions.
    """

    def __init__(
        self,
        loglike: Callable[[NDArray[np.float64]], float | NDArray[np.float64]],
        prior_transform: Callable[[NDArray[np.float64]], NDArray[np.float64]],
        ndim: int,
        *,
        nlive: int = 500,
        walks: int = 25,
        batch: int | None = None,
        enlarge: float = 2.0,
        uniform_calls: int = 200,
        periodic: Sequence[int] | None = None,
        vectorized: bool = False,
        seed: int = 0,
    ) -> None:
        for name, f in (("loglike", loglike), ("prior_transform", prior_transform)):
            if not callable(f):
                raise InvalidParameterError(
                    f"`{name}` must be callable, got {type(f).__name__}",
                    param=name,
                    value=repr(f),
                    reason="must be callable",
                )
        self.loglike = loglike
        self.prior_transform = prior_transform
        self.ndim = int(ndim)
        self.nlive = int(nlive)
        self.walks = int(walks)
        self.batch = None if batch is None else int(batch)
        self.enlarge = float(enlarge)
        self.uniform_calls = int(uniform_calls)
        self.periodic = [] if periodic is None else [int(i) for i in periodic]
        self.vectorized = bool(vectorized)
        self.seed = int(seed)
        self._results: NestedResults | None = None

    def run_nested(self, dlogz: float = 0.1, maxcall: int | None = None) -> None:
        """Run until ``ln(Z + L_max X) - ln Z < dlogz`` (or ``maxcall`` evaluations).

        Parameters
        ----------
        dlogz : float, default=0.1
            Stopping tolerance on the remaining evidence.
        maxcall : int, optional
            Cap on likelihood evaluations (50 million when omitted).
        """
        out = _core.nested_run(
            self.loglike,
            self.prior_transform,
            self.ndim,
            self.nlive,
            self.walks,
            self.batch,
            float(dlogz),
            50_000_000 if maxcall is None else int(maxcall),
            self.enlarge,
            self.uniform_calls,
            self.periodic,
            self.vectorized,
            self.seed,
        )
        self._results = NestedResults(
            logz=float(out["logz"]),
            logzerr=float(out["logzerr"]),
            samples=np.asarray(out["samples"]),
            logl=np.asarray(out["logl"]),
            logwt=np.asarray(out["logwt"]),
            weights=np.asarray(out["weights"]),
            niter=int(out["niter"]),
            ncall=int(out["ncall"]),
            information=float(out["information"]),
            converged=bool(out["converged"]),
        )

    @property
    def results(self) -> NestedResults:
        """The last run's results (after :meth:`run_nested`)."""
        if self._results is None:
            raise RuntimeError("call run_nested() first")
        return self._results
