//! The exponential-family abstraction: g(x; θ) = h(x) exp(θᵀt(x) − ψ(θ)) (spec §1.1).

use super::tensor::{Fourth, Tensor3, Tensor4};
use crate::error::{Error, Result};
use crate::estimator::{Certificate, Stop};
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};

/// θ with ∇ψ(θ) = η, and how it was found (spec §1.1: moment matching).
#[derive(Debug, Clone)]
pub struct Projection {
    /// θ* (or θ̂).
    pub theta: DVector<f64>,
    /// Newton iterations made (0 for a closed form).
    pub iterations: usize,
    /// [`Stop::Finished`] for a closed form; [`Stop::Converged`] when Newton met its tolerance,
    /// [`Stop::Stalled`] when no decrease was representable with the residual already within
    /// 1e-9 (1 + ‖η‖∞).
    pub stop: Stop,
    /// [`Certificate::None`] for a closed form; for Newton, ‖∇ψ(θ) − η‖∞ against the tolerance
    /// it met.
    pub certificate: Certificate,
}

impl Projection {
    /// θ from a closed form.
    pub fn closed_form(theta: DVector<f64>) -> Self {
        Self {
            theta,
            iterations: 0,
            stop: Stop::Finished,
            certificate: Certificate::None,
        }
    }
}

/// Model cumulants of t under g_θ: the derivatives of ψ to fourth order.
#[derive(Debug, Clone)]
pub struct ModelCumulants {
    /// Mean parameter η = ∇ψ(θ).
    pub mean: DVector<f64>,
    /// Fisher information I = ∇²ψ(θ) = Cov_θ(t).
    pub fisher: DMatrix<f64>,
    /// Third cumulant tensor k3 = ∇³ψ(θ).
    pub k3: Tensor3,
    /// Fourth cumulant k4 = ∇⁴ψ(θ), as its double contraction.
    pub k4: Fourth,
}

impl ModelCumulants {
    /// Cumulants of t' = A t + b (A invertible): the model is the same, only its statistic is
    /// reparametrized. Only dense fourth cumulants can be transformed.
    pub fn affine(&self, a: &DMatrix<f64>, b: &DVector<f64>) -> Result<ModelCumulants> {
        let k4 = match &self.k4 {
            Fourth::Dense(t) => Fourth::Dense(t.transform(a)),
            Fourth::ClosedForm(_) => {
                return Err(Error::InvalidData(
                    "affine transform of a closed-form quartic".into(),
                ));
            }
        };
        Ok(ModelCumulants {
            mean: a * &self.mean + b,
            fisher: a * &self.fisher * a.transpose(),
            k3: self.k3.transform(a),
            k4,
        })
    }
}

/// Cumulants of t(X) under the truth g (spec §1.1): η* = E_g t, J = Cov_g t, λ3 = third joint
/// cumulant. The truth's fourth cumulant enters the risk only at O(n⁻³).
#[derive(Debug, Clone)]
pub struct TruthMoments {
    /// η* = E_g[t(X)].
    pub eta: DVector<f64>,
    /// J = Cov_g(t(X)) (TIC's K matrix).
    pub j: DMatrix<f64>,
    /// λ3_abc, the third joint cumulant of t under g.
    pub lambda3: Tensor3,
}

impl TruthMoments {
    /// The truth is the model itself at θ (correct specification: J = I, λ3 = k3).
    pub fn from_model(c: &ModelCumulants) -> Self {
        Self {
            eta: c.mean.clone(),
            j: c.fisher.clone(),
            lambda3: c.k3.clone(),
        }
    }

    /// Moments of t' = A t + b.
    pub fn affine(&self, a: &DMatrix<f64>, b: &DVector<f64>) -> Self {
        Self {
            eta: a * &self.eta + b,
            j: a * &self.j * a.transpose(),
            lambda3: self.lambda3.transform(a),
        }
    }

    /// Sample estimates from rows of statistics (one row per observation): t̄, the sample
    /// covariance (divisor n − 1) and the unbiased third k-statistic
    /// n/((n−1)(n−2)) Σ (t−t̄)^{⊗3} (spec §1.4).
    pub fn from_statistics(t: &DMatrix<f64>) -> Result<Self> {
        let (n, p) = (t.nrows(), t.ncols());
        if n < 3 {
            return Err(Error::InvalidData(format!(
                "{n} observations: need at least 3 for third cumulants"
            )));
        }
        let nf = n as f64;
        let eta = DVector::from_fn(p, |a, _| t.column(a).sum() / nf);
        let mut c = t.clone();
        for a in 0..p {
            let m = eta[a];
            c.column_mut(a).add_scalar_mut(-m);
        }
        let j = c.tr_mul(&c) / (nf - 1.0);
        let mut lambda3 = Tensor3::zeros(p);
        let mut row = vec![0.0; p];
        for i in 0..n {
            for (a, r) in row.iter_mut().enumerate() {
                *r = c[(i, a)];
            }
            for a in 0..p {
                for b in a..p {
                    let ab = row[a] * row[b];
                    for cc in b..p {
                        *lambda3.at(a, b, cc) += ab * row[cc];
                    }
                }
            }
        }
        let scale = nf / ((nf - 1.0) * (nf - 2.0));
        symmetrize_upper(&mut lambda3, scale);
        Ok(Self { eta, j, lambda3 })
    }
}

/// Fill a tensor whose a ≤ b ≤ c entries are set, scaling them.
pub(crate) fn symmetrize_upper(t: &mut Tensor3, scale: f64) {
    let p = t.p;
    for a in 0..p {
        for b in a..p {
            for c in b..p {
                let v = t.get(a, b, c) * scale;
                for (x, y, z) in [
                    (a, b, c),
                    (a, c, b),
                    (b, a, c),
                    (b, c, a),
                    (c, a, b),
                    (c, b, a),
                ] {
                    *t.at(x, y, z) = v;
                }
            }
        }
    }
}

/// A regular exponential family g(x; θ) = h(x) exp(θᵀt(x) − ψ(θ)).
///
/// Observations are slices of length [`obs_dim`](Self::obs_dim). Everything the risk
/// expansion needs comes from [`cumulants`](Self::cumulants); families without a closed-form
/// ψ can supply the cumulants from moments of t (e.g. [`LogLinear`](super::families::LogLinear)
/// by enumeration, or [`sample_cumulants`] from draws of g_θ), which is the paper's point that
/// the normalizer itself is never needed for c1.
pub trait ExponentialFamily: Send + Sync + std::fmt::Debug {
    /// Short name, e.g. `normal`, `gaussian-diag(d=3)`.
    fn name(&self) -> String;
    /// Number of natural parameters p.
    fn dim(&self) -> usize;
    /// Length of one observation.
    fn obs_dim(&self) -> usize;
    /// Names of the components of t.
    fn statistic_names(&self) -> Vec<String>;
    /// t(x) into `t` (length p); errors name the offending value (e.g. a negative count).
    fn sufficient_statistic(&self, x: &[f64], t: &mut [f64]) -> Result<()>;
    /// log h(x).
    fn log_base_measure(&self, x: &[f64]) -> f64;
    /// ψ(θ); an error outside the natural parameter space.
    fn log_partition(&self, theta: &DVector<f64>) -> Result<f64>;
    /// η = ∇ψ(θ).
    fn mean(&self, theta: &DVector<f64>) -> Result<DVector<f64>>;
    /// I = ∇²ψ(θ).
    fn fisher(&self, theta: &DVector<f64>) -> Result<DMatrix<f64>>;
    /// I, k3 and k4 at θ.
    fn cumulants(&self, theta: &DVector<f64>) -> Result<ModelCumulants>;
    /// One draw from g_θ into `x`.
    fn sample(&self, theta: &DVector<f64>, rng: &mut Rng, x: &mut [f64]) -> Result<()>;
    /// A point of the natural parameter space from which Newton's method starts for mean `eta`.
    fn initial_natural(&self, eta: &DVector<f64>) -> DVector<f64>;

    /// Cumulants of t under a truth from [`Truth`](super::truth::Truth) (closed forms; the
    /// correctly specified case is handled by the caller through [`TruthMoments::from_model`]).
    fn truth_moments(&self, truth: &super::truth::Truth) -> Result<TruthMoments> {
        Err(Error::InvalidData(format!(
            "the {} model has no closed-form moments under truth {}",
            self.name(),
            truth.label()
        )))
    }

    /// θ with ∇ψ(θ) = η (the MLE when η = t̄): closed form where the family has one, else the
    /// moment-matching Newton iteration of `projection::information_projection` (then also
    /// override [`project_mean`](Self::project_mean) to report its record).
    fn natural_from_mean(&self, eta: &DVector<f64>) -> Result<DVector<f64>>;

    /// [`natural_from_mean`](Self::natural_from_mean) with how θ was found. The default is a
    /// closed form (no iterations, no certificate); families that iterate return Newton's record.
    fn project_mean(&self, eta: &DVector<f64>) -> Result<Projection> {
        Ok(Projection::closed_form(self.natural_from_mean(eta)?))
    }

    /// KL(g_θ0 ‖ g_θ1) = ψ(θ1) − ψ(θ0) − (θ1 − θ0)ᵀ∇ψ(θ0), the Bregman divergence of ψ
    /// (spec §1.1, exact).
    fn kl(&self, theta0: &DVector<f64>, theta1: &DVector<f64>) -> Result<f64> {
        let eta0 = self.mean(theta0)?;
        Ok(
            self.log_partition(theta1)?
                - self.log_partition(theta0)?
                - (theta1 - theta0).dot(&eta0),
        )
    }

    /// Rows of t(x_i) for observations given as the rows of `x` (n × obs_dim).
    fn statistics(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        if x.ncols() != self.obs_dim() {
            return Err(Error::DimensionMismatch {
                what: "observation length",
                expected: self.obs_dim(),
                got: x.ncols(),
            });
        }
        let p = self.dim();
        let mut out = DMatrix::zeros(x.nrows(), p);
        let mut xi = vec![0.0; x.ncols()];
        let mut ti = vec![0.0; p];
        for i in 0..x.nrows() {
            for (j, v) in xi.iter_mut().enumerate() {
                *v = x[(i, j)];
                if !v.is_finite() {
                    return Err(Error::BadCell {
                        column: format!("x{j}"),
                        row: i,
                        value: v.to_string(),
                        reason: "not a finite number".into(),
                    });
                }
            }
            self.sufficient_statistic(&xi, &mut ti)
                .map_err(|e| Error::InvalidData(format!("observation {i}: {e}")))?;
            for (a, v) in ti.iter().enumerate() {
                out[(i, a)] = *v;
            }
        }
        Ok(out)
    }
}

/// Model cumulants at θ estimated from `draws` samples of g_θ (the no-normalizer route of the
/// spec §1.4: only sampling from h·exp(θᵀt) is needed, e.g. by MCMC). k3 is the k-statistic;
/// k4 is the dense sample fourth cumulant.
pub fn sample_cumulants<F: ExponentialFamily + ?Sized>(
    family: &F,
    theta: &DVector<f64>,
    draws: usize,
    rng: &mut Rng,
) -> Result<ModelCumulants> {
    let d = family.obs_dim();
    let mut x = DMatrix::zeros(draws, d);
    let mut xi = vec![0.0; d];
    for i in 0..draws {
        family.sample(theta, rng, &mut xi)?;
        for (j, v) in xi.iter().enumerate() {
            x[(i, j)] = *v;
        }
    }
    let t = family.statistics(&x)?;
    let tm = TruthMoments::from_statistics(&t)?;
    let p = t.ncols();
    let nf = draws as f64;
    let mut m4 = Tensor4::zeros(p);
    for i in 0..draws {
        let r: Vec<f64> = (0..p).map(|a| t[(i, a)] - tm.eta[a]).collect();
        for a in 0..p {
            for b in 0..p {
                for c in 0..p {
                    let abc = r[a] * r[b] * r[c];
                    for dd in 0..p {
                        *m4.at(a, b, c, dd) += abc * r[dd] / nf;
                    }
                }
            }
        }
    }
    let j = &tm.j;
    for a in 0..p {
        for b in 0..p {
            for c in 0..p {
                for dd in 0..p {
                    *m4.at(a, b, c, dd) -=
                        j[(a, b)] * j[(c, dd)] + j[(a, c)] * j[(b, dd)] + j[(a, dd)] * j[(b, c)];
                }
            }
        }
    }
    Ok(ModelCumulants {
        mean: tm.eta,
        fisher: tm.j,
        k3: tm.lambda3,
        k4: Fourth::Dense(m4),
    })
}
