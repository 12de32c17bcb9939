//! Categorical / log-linear models on a finite set of cells: g(c; θ) ∝ exp(θᵀf(c)), with ψ the
//! log-sum-exp over cells. Cumulants come from enumeration over cells (no closed-form ψ is
//! needed), which is how the risk terms are obtained from moments alone.

use crate::error::{Error, Result};
use crate::expfam::family::{ExponentialFamily, ModelCumulants, Projection, TruthMoments};
use crate::expfam::projection::information_projection;
use crate::expfam::tensor::{Fourth, Tensor3, Tensor4};
use crate::expfam::truth::Truth;
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};
use rand::RngExt;

/// A log-linear model: cells 0..K with feature rows f(c) ∈ R^p (a K × p matrix).
#[derive(Debug, Clone)]
pub struct LogLinear {
    name: String,
    features: DMatrix<f64>,
    names: Vec<String>,
}

impl LogLinear {
    /// A log-linear model from a K × p feature matrix of full column rank (after centring).
    pub fn new(
        name: impl Into<String>,
        features: DMatrix<f64>,
        names: Vec<String>,
    ) -> Result<Self> {
        if features.nrows() < 2 || features.ncols() == 0 || names.len() != features.ncols() {
            return Err(Error::InvalidData(
                "log-linear model needs >= 2 cells, >= 1 feature and one name per feature".into(),
            ));
        }
        crate::error::check::all_finite("features", features.as_slice())?;
        Ok(Self {
            name: name.into(),
            features,
            names,
        })
    }

    /// Saturated categorical model on K cells (p = K − 1; cell 0 is the baseline).
    pub fn categorical(k: usize) -> Result<Self> {
        crate::error::check::at_least("cells", k, 2)?;
        let f = DMatrix::from_fn(k, k - 1, |c, j| if c == j + 1 { 1.0 } else { 0.0 });
        Self::new(
            format!("categorical(K={k})"),
            f,
            (1..k).map(|j| format!("[c={j}]")).collect(),
        )
    }

    /// Independence model on an r × c contingency table (p = (r − 1) + (c − 1)); cell (i, j) has
    /// index i·c + j.
    pub fn independence(r: usize, c: usize) -> Result<Self> {
        crate::error::check::at_least("rows", r, 2)?;
        crate::error::check::at_least("columns", c, 2)?;
        let p = (r - 1) + (c - 1);
        let f = DMatrix::from_fn(r * c, p, |cell, j| {
            let (i, jj) = (cell / c, cell % c);
            let hit = if j < r - 1 {
                i == j + 1
            } else {
                jj == j - (r - 1) + 1
            };
            if hit { 1.0 } else { 0.0 }
        });
        let mut names: Vec<String> = (1..r).map(|i| format!("[row={i}]")).collect();
        names.extend((1..c).map(|j| format!("[col={j}]")));
        Self::new(format!("independence({r}x{c})"), f, names)
    }

    /// Number of cells K.
    pub fn cells(&self) -> usize {
        self.features.nrows()
    }

    /// Cell probabilities at θ.
    pub fn probabilities(&self, theta: &DVector<f64>) -> Result<Vec<f64>> {
        crate::error::check::all_finite("theta", theta.as_slice())?;
        let s = &self.features * theta;
        let lse = crate::linalg::logsumexp(s.as_slice());
        Ok(s.iter().map(|v| (v - lse).exp()).collect())
    }

    /// Moments of the features under cell probabilities `pi` (mean, covariance, third and
    /// fourth cumulants), by enumeration.
    pub fn moments(&self, pi: &[f64]) -> (DVector<f64>, DMatrix<f64>, Tensor3, Tensor4) {
        let (k, p) = (self.cells(), self.features.ncols());
        let mean = DVector::from_fn(p, |a, _| {
            (0..k).map(|c| pi[c] * self.features[(c, a)]).sum()
        });
        let mut cov = DMatrix::zeros(p, p);
        let mut k3 = Tensor3::zeros(p);
        let mut m4 = Tensor4::zeros(p);
        for c in 0..k {
            let r: Vec<f64> = (0..p).map(|a| self.features[(c, a)] - mean[a]).collect();
            for a in 0..p {
                for b in 0..p {
                    let w = pi[c] * r[a] * r[b];
                    cov[(a, b)] += w;
                    for cc in 0..p {
                        *k3.at(a, b, cc) += w * r[cc];
                        for d in 0..p {
                            *m4.at(a, b, cc, d) += w * r[cc] * r[d];
                        }
                    }
                }
            }
        }
        for a in 0..p {
            for b in 0..p {
                for cc in 0..p {
                    for d in 0..p {
                        *m4.at(a, b, cc, d) -= cov[(a, b)] * cov[(cc, d)]
                            + cov[(a, cc)] * cov[(b, d)]
                            + cov[(a, d)] * cov[(b, cc)];
                    }
                }
            }
        }
        (mean, cov, k3, m4)
    }

    /// Moments of t under a categorical truth given by its cell probabilities.
    pub fn moments_under(&self, truth: &Truth) -> Result<TruthMoments> {
        let Truth::Categorical(pi) = truth else {
            return Err(Error::InvalidData(format!(
                "a log-linear model needs a categorical truth, got {}",
                truth.label()
            )));
        };
        if pi.len() != self.cells() {
            return Err(Error::DimensionMismatch {
                what: "cell probabilities",
                expected: self.cells(),
                got: pi.len(),
            });
        }
        let (eta, j, lambda3, _) = self.moments(pi);
        Ok(TruthMoments { eta, j, lambda3 })
    }
}

impl ExponentialFamily for LogLinear {
    fn truth_moments(&self, truth: &Truth) -> Result<TruthMoments> {
        self.moments_under(truth)
    }
    fn name(&self) -> String {
        self.name.clone()
    }
    fn dim(&self) -> usize {
        self.features.ncols()
    }
    fn obs_dim(&self) -> usize {
        1
    }
    fn statistic_names(&self) -> Vec<String> {
        self.names.clone()
    }
    fn sufficient_statistic(&self, x: &[f64], t: &mut [f64]) -> Result<()> {
        let c = x[0];
        if !(c >= 0.0 && c.fract() == 0.0 && (c as usize) < self.cells()) {
            return Err(Error::param(
                "x",
                c,
                format!("cell index must be an integer in 0..{}", self.cells()),
            ));
        }
        for (a, v) in t.iter_mut().enumerate() {
            *v = self.features[(c as usize, a)];
        }
        Ok(())
    }
    fn log_base_measure(&self, _x: &[f64]) -> f64 {
        0.0
    }
    fn log_partition(&self, theta: &DVector<f64>) -> Result<f64> {
        crate::error::check::all_finite("theta", theta.as_slice())?;
        Ok(crate::linalg::logsumexp(
            (&self.features * theta).as_slice(),
        ))
    }
    fn mean(&self, theta: &DVector<f64>) -> Result<DVector<f64>> {
        let pi = self.probabilities(theta)?;
        Ok(self.features.tr_mul(&DVector::from_vec(pi)))
    }
    fn fisher(&self, theta: &DVector<f64>) -> Result<DMatrix<f64>> {
        let pi = self.probabilities(theta)?;
        let mean = self.features.tr_mul(&DVector::from_vec(pi.clone()));
        let p = self.dim();
        let mut cov = DMatrix::zeros(p, p);
        for (c, w) in pi.iter().enumerate() {
            let r = self.features.row(c).transpose() - &mean;
            cov += &r * r.transpose() * *w;
        }
        Ok(cov)
    }
    fn cumulants(&self, theta: &DVector<f64>) -> Result<ModelCumulants> {
        let pi = self.probabilities(theta)?;
        let (mean, fisher, k3, k4) = self.moments(&pi);
        Ok(ModelCumulants {
            mean,
            fisher,
            k3,
            k4: Fourth::Dense(k4),
        })
    }
    fn sample(&self, theta: &DVector<f64>, rng: &mut Rng, x: &mut [f64]) -> Result<()> {
        let pi = self.probabilities(theta)?;
        x[0] = crate::expfam::truth::draw_cell(&pi, rng.random::<f64>()) as f64;
        Ok(())
    }
    fn initial_natural(&self, _eta: &DVector<f64>) -> DVector<f64> {
        DVector::zeros(self.dim())
    }
    fn natural_from_mean(&self, eta: &DVector<f64>) -> Result<DVector<f64>> {
        Ok(self.project_mean(eta)?.theta)
    }
    /// Newton's moment matching: ψ has no closed-form inverse gradient.
    fn project_mean(&self, eta: &DVector<f64>) -> Result<Projection> {
        // The MLE exists iff t̄ is interior to the convex hull of the feature rows; an empty
        // margin puts it on the boundary, where Newton diverges.
        information_projection(self, eta).map_err(|e| {
            Error::NotIdentifiable(format!(
                "log-linear MLE does not exist (empty cell margin?): {e}"
            ))
        })
    }
}
