//! The sampler's settings in the contract's shape (`crate::estimator`): the unchecked builder
//! [`NestedParams`], its [`ParamGuard::check`] to the checked [`Nested`], and the
//! [`NestedSampler`] that binds the checked settings to a problem's dimension.
//!
//! The sampler takes no seed: it is a component of a Monte Carlo replicate (a claim's search or
//! toy) and draws from the replicate's own generator, passed to [`NestedSampler::run`], so its
//! draws continue that replicate's stream.

use crate::error::{Error, Result, check};
use crate::estimator::ParamGuard;

/// Settings of the sampler (builder); validated by [`ParamGuard::check`] (the dimension-free
/// rules) and [`NestedSampler::new`] (all of them, for a problem of a given dimension).
#[derive(Debug, Clone, PartialEq)]
pub struct NestedParams {
    /// Number of live points `n` (>= dimension + 1).
    pub nlive: usize,
    /// Random-walk steps per replacement (dynesty's `walks`).
    pub walks: usize,
    /// Points removed and replaced per iteration (`K`, < nlive / 2); the unit of parallel work.
    pub batch: usize,
    /// Stop when `ln(Z + L_max X) - ln Z < dlogz` (dynesty's criterion).
    pub dlogz: f64,
    /// Hard cap on likelihood calls; reaching it ends the run with `converged = false`.
    pub max_calls: u64,
    /// Volume factor (>= 1) by which each cluster's bounding ellipsoid is enlarged before
    /// uniform proposals are drawn from the union.
    pub enlarge: f64,
    /// Likelihood calls spent on uniform proposals from the ellipsoids before a replacement
    /// falls back to a random walk; 0 turns uniform proposals off (pure random walk).
    pub uniform_calls: usize,
}

impl NestedParams {
    /// Defaults: `walks = 25`, `batch = max(1, nlive / 50)`, `dlogz = 0.1`, `max_calls = 5e7`,
    /// `enlarge = 2`, `uniform_calls = 200`.
    pub fn new(nlive: usize) -> Self {
        Self {
            nlive,
            walks: 25,
            batch: (nlive / 50).max(1),
            dlogz: 0.1,
            max_calls: 50_000_000,
            enlarge: 2.0,
            uniform_calls: 200,
        }
    }
    /// Set the ellipsoids' volume enlargement.
    pub fn enlarge(mut self, enlarge: f64) -> Self {
        self.enlarge = enlarge;
        self
    }
    /// Set the uniform-proposal budget per replacement (0: random walks only).
    pub fn uniform_calls(mut self, uniform_calls: usize) -> Self {
        self.uniform_calls = uniform_calls;
        self
    }
    /// Set the random-walk length.
    pub fn walks(mut self, walks: usize) -> Self {
        self.walks = walks;
        self
    }
    /// Set the batch size `K`.
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch;
        self
    }
    /// Set the stopping tolerance.
    pub fn dlogz(mut self, dlogz: f64) -> Self {
        self.dlogz = dlogz;
        self
    }
    /// Set the likelihood-call cap.
    pub fn max_calls(mut self, max_calls: u64) -> Self {
        self.max_calls = max_calls;
        self
    }
}

impl ParamGuard for NestedParams {
    type Checked = Nested;

    /// The rules that do not depend on the problem: `walks >= 1`, `1 <= batch < nlive / 2`,
    /// `dlogz > 0`, a finite `enlarge >= 1` and `max_calls >= nlive`. `nlive >= dim + 1` is
    /// checked by [`Nested::sampler`].
    fn check(&self) -> Result<Nested> {
        check::at_least("walks", self.walks, 1)?;
        check::at_least("batch", self.batch, 1)?;
        if 2 * self.batch >= self.nlive {
            return Err(Error::param(
                "batch",
                self.batch,
                format!("must be < nlive / 2 = {}", self.nlive / 2),
            ));
        }
        check::positive("dlogz", self.dlogz)?;
        if !(self.enlarge >= 1.0 && self.enlarge.is_finite()) {
            return Err(Error::param(
                "enlarge",
                self.enlarge,
                "must be a finite volume factor >= 1",
            ));
        }
        if self.max_calls < self.nlive as u64 {
            return Err(Error::param(
                "max_calls",
                self.max_calls,
                "must be >= nlive",
            ));
        }
        Ok(Nested {
            params: self.clone(),
        })
    }
}

/// Checked settings of the sampler, for a problem of any dimension `< nlive`.
#[derive(Debug, Clone, PartialEq)]
pub struct Nested {
    params: NestedParams,
}

impl Nested {
    /// The settings.
    pub fn params(&self) -> &NestedParams {
        &self.params
    }

    /// The sampler for a `dim`-dimensional problem (`dim >= 1`, `nlive >= dim + 1`).
    pub fn sampler(&self, dim: usize) -> Result<NestedSampler> {
        check_dim(self.params.nlive, dim)?;
        Ok(NestedSampler {
            params: self.params.clone(),
            dim,
        })
    }
}

/// `dim >= 1` and `nlive >= dim + 1` (a live set must span the parameter space).
fn check_dim(nlive: usize, dim: usize) -> Result<()> {
    check::at_least("dim", dim, 1)?;
    check::at_least("nlive", nlive, dim + 1)?;
    Ok(())
}

/// A validated nested sampler for problems of a given dimension.
#[derive(Debug, Clone)]
pub struct NestedSampler {
    pub(super) params: NestedParams,
    pub(super) dim: usize,
}

impl NestedSampler {
    /// Validate `params` for a `dim`-dimensional problem: the dimension rules first, then
    /// [`ParamGuard::check`]'s.
    pub fn new(params: NestedParams, dim: usize) -> Result<Self> {
        check_dim(params.nlive, dim)?;
        params.check()?.sampler(dim)
    }

    /// The validated settings.
    pub fn params(&self) -> &NestedParams {
        &self.params
    }

    /// The problem's dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_params_are_typed_errors() {
        assert!(matches!(
            NestedSampler::new(NestedParams::new(3), 3),
            Err(Error::InvalidParameter { name: "nlive", .. })
        ));
        assert!(matches!(
            NestedSampler::new(NestedParams::new(100).walks(0), 3),
            Err(Error::InvalidParameter { name: "walks", .. })
        ));
        assert!(matches!(
            NestedSampler::new(NestedParams::new(100).dlogz(-1.0), 3),
            Err(Error::InvalidParameter { name: "dlogz", .. })
        ));
    }

    #[test]
    fn check_gives_the_dimension_free_errors_and_sampler_the_rest() {
        let bad = [
            (NestedParams::new(100).walks(0), "walks"),
            (NestedParams::new(100).batch(0), "batch"),
            (NestedParams::new(100).batch(50), "batch"),
            (NestedParams::new(100).dlogz(0.0), "dlogz"),
            (NestedParams::new(100).enlarge(0.5), "enlarge"),
            (NestedParams::new(100).enlarge(f64::INFINITY), "enlarge"),
            (NestedParams::new(100).max_calls(99), "max_calls"),
        ];
        for (p, name) in bad {
            assert!(
                matches!(p.check(), Err(Error::InvalidParameter { name: n, .. }) if n == name),
                "{p:?} should fail on {name}"
            );
            let sampler = NestedSampler::new(p, 2);
            assert!(matches!(sampler, Err(Error::InvalidParameter { name: n, .. }) if n == name));
        }
        let ok = NestedParams::new(10).check().unwrap();
        assert_eq!(ok.params(), &NestedParams::new(10));
        assert!(matches!(
            ok.sampler(10),
            Err(Error::InvalidParameter { name: "nlive", .. })
        ));
        assert!(matches!(
            ok.sampler(0),
            Err(Error::InvalidParameter { name: "dim", .. })
        ));
        let s = ok.sampler(9).unwrap();
        assert_eq!((s.dim(), s.params()), (9, &NestedParams::new(10)));
    }
}
