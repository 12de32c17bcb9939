//! Likelihood-ratio inference around a proportional-odds fit (Christensen 2019, Sec. 4.2–4.4 and
//! 5.2): tests of dropping features (clm's `anova` on nested fits), tests of making one feature
//! nominal, i.e. giving it boundary-specific slopes (partial proportional odds, clm's
//! `nominal_test`), the test against the fully non-proportional model (PRESTO at λ = 0), and
//! profile-likelihood confidence intervals for the slopes (clm's `confint`, here with the
//! profile's roots solved exactly instead of spline-interpolated).
//!
//! Partial models are fitted by Newton in free parameters φ that map affinely into the
//! boundary-specific layout ψ = (θ, b_0, …, b_{K−2}) = Z φ + c: the gradient and Hessian are
//! Zᵀ∇ and ZᵀHZ of [`nonparallel_derivatives`]. A nominal feature has one free slope per
//! boundary; a profiled slope is fixed through c.

use super::data::OrdinalData;
use super::inference::{LrTest, lr_test};
use super::likelihood::{loglik, nonparallel_derivatives};
use super::link::Link;
use super::presto::PrestoParams;
use super::proportional_odds::{ProportionalOddsFit, ProportionalOddsParams, newton_step};
use crate::error::{Error, Result, check};
use crate::estimator::Fit;
use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// The boundary-specific parameters as an affine map of the free ones, ψ = Z φ + c.
struct Restriction {
    z: DMatrix<f64>,
    c: DVector<f64>,
    k1: usize,
    p: usize,
}

impl Restriction {
    /// Proportional odds in every feature except the `nominal` ones (one slope per boundary),
    /// with feature `fixed.0` held at `fixed.1`. φ = (θ, common slopes in feature order, then
    /// the K−1 slopes of each nominal feature).
    fn partial(k1: usize, p: usize, nominal: &[usize], fixed: Option<(usize, f64)>) -> Self {
        let d = k1 * (1 + p);
        let common: Vec<usize> = (0..p)
            .filter(|j| !nominal.contains(j) && fixed.is_none_or(|(f, _)| f != *j))
            .collect();
        let n_phi = k1 + common.len() + k1 * nominal.len();
        let mut z = DMatrix::zeros(d, n_phi);
        let mut c = DVector::zeros(d);
        for k in 0..k1 {
            z[(k, k)] = 1.0;
        }
        for (m, &j) in common.iter().enumerate() {
            for k in 0..k1 {
                z[(k1 + k * p + j, k1 + m)] = 1.0;
            }
        }
        for (m, &j) in nominal.iter().enumerate() {
            for k in 0..k1 {
                z[(k1 + k * p + j, k1 + common.len() + m * k1 + k)] = 1.0;
            }
        }
        if let Some((j, v)) = fixed {
            for k in 0..k1 {
                c[k1 + k * p + j] = v;
            }
        }
        Self { z, c, k1, p }
    }

    /// (θ, B) with B p × (K−1), column k = b_k, as the likelihood takes them.
    fn unpack(&self, phi: &DVector<f64>) -> (Vec<f64>, DMatrix<f64>) {
        let psi = &self.z * phi + &self.c;
        let (k1, p) = (self.k1, self.p);
        let theta = psi.rows(0, k1).iter().copied().collect();
        (theta, DMatrix::from_fn(p, k1, |j, k| psi[k1 + k * p + j]))
    }

    /// φ of a proportional-odds fit (its cutpoints and common slopes; each nominal feature
    /// starts at its common slope).
    fn start(&self, po: &ProportionalOddsFit) -> DVector<f64> {
        // Least squares on the PO point ψ₀ − c is exact here: Z has orthogonal 0/1 columns.
        let (k1, p) = (self.k1, self.p);
        let psi0 = DVector::from_fn(k1 * (1 + p), |i, _| {
            if i < k1 {
                po.cutpoints[i]
            } else {
                po.coef[(i - k1) % p]
            }
        });
        let counts = self.z.row_sum().transpose();
        let mut phi = self.z.tr_mul(&(psi0 - &self.c));
        for (v, n) in phi.iter_mut().zip(counts.iter()) {
            *v /= n.max(1.0);
        }
        phi
    }
}

/// A restricted fit: the free parameters, the log-likelihood and the observed information in φ.
struct RestrictedFit {
    phi: DVector<f64>,
    loglik: f64,
}

/// Newton with Armijo step halving on −ℓ(Z φ + c)/N; steps that leave the valid domain (a class
/// probability ≤ 0) have objective +∞ and are halved away. Converged when max |∇ℓ|/N ≤ `tol`;
/// a line search that can no longer decrease the objective below a gradient of 1e-6 is the
/// precision floor and accepted.
fn fit_restricted(
    data: &OrdinalData,
    link: Link,
    r: &Restriction,
    start: DVector<f64>,
    tol: f64,
    max_iter: usize,
) -> Result<RestrictedFit> {
    let n_w = data.total_weight();
    let nll = |phi: &DVector<f64>| {
        let (t, b) = r.unpack(phi);
        loglik(data, &t, &b, link).map_or(f64::INFINITY, |l| -l / n_w)
    };
    let derivs = |phi: &DVector<f64>| {
        let (t, b) = r.unpack(phi);
        nonparallel_derivatives(data, &t, &b, link).map(|d| {
            let g = -(r.z.tr_mul(&d.grad)) / n_w;
            let h = -(r.z.tr_mul(&d.hess) * &r.z) / n_w;
            (d.ll, g, h)
        })
    };
    let mut phi = start;
    let invalid = || Error::Numerical("restricted cumulative link fit: invalid iterate".into());
    let (mut ll, mut g, mut h) = derivs(&phi).ok_or_else(invalid)?;
    for n_iter in 0..=max_iter {
        let gnorm = g.amax();
        if gnorm <= tol {
            return Ok(RestrictedFit { phi, loglik: ll });
        }
        if n_iter == max_iter {
            break;
        }
        let step = newton_step(&h, &g)?;
        let f0 = -ll / n_w;
        let slope = g.dot(&step).min(0.0);
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..50 {
            let cand = &phi + t * &step;
            let f1 = nll(&cand);
            // Within rounding of the objective the Armijo test is noise; Newton's local quadratic
            // convergence then carries the gradient to its precision floor (as in the
            // proportional-odds fit).
            if f1 <= f0 + 1e-4 * t * slope
                || (t == 1.0 && (f1 - f0).abs() <= 1e-13 * f0.abs().max(1.0))
            {
                accepted = Some(cand);
                break;
            }
            t *= 0.5;
        }
        match accepted {
            Some(c) => phi = c,
            None if gnorm <= 1e-6 => return Ok(RestrictedFit { phi, loglik: ll }),
            None => break,
        }
        (ll, g, h) = derivs(&phi).ok_or_else(invalid)?;
    }
    Err(Error::NotConverged {
        solver: "restricted cumulative link Newton",
        iterations: max_iter,
        residual: g.amax(),
    })
}

/// Gradient tolerance of the partial fits (per unit weight, as the proportional-odds fit's).
const TOL: f64 = 1e-10;
/// Newton steps allowed per partial fit.
const MAX_ITER: usize = 200;

/// One feature's test of proportional odds against boundary-specific slopes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NominalTest {
    /// The feature (column index).
    pub feature: usize,
    /// The LR test of the proportional-odds fit against the partial one (df = K − 2).
    pub test: LrTest,
}

/// clm's `nominal_test`: for each feature (or only `features`), the LR test of `po` against the
/// model where that feature alone has boundary-specific slopes. `data` must be the data `po`
/// was fitted to.
pub fn nominal_test(
    data: &OrdinalData,
    po: &ProportionalOddsFit,
    features: Option<&[usize]>,
) -> Result<Vec<NominalTest>> {
    let (k1, p) = (po.cutpoints.len(), po.coef.len());
    check_same(data, po)?;
    let all: Vec<usize> = (0..p).collect();
    let features = features.unwrap_or(&all);
    features
        .iter()
        .map(|&j| {
            if j >= p {
                return Err(Error::param(
                    "features",
                    j,
                    format!("column index out of range (p = {p})"),
                ));
            }
            let r = Restriction::partial(k1, p, &[j], None);
            let fit = fit_restricted(data, po.link(), &r, r.start(po), TOL, MAX_ITER)?;
            Ok(NominalTest {
                feature: j,
                test: lr_test(po.loglik, po.n_params(), fit.loglik, po.n_params() + k1 - 1)?,
            })
        })
        .collect()
}

/// The LR test of `po` against the model with boundary-specific slopes in every feature, the
/// unpenalized PRESTO fit (λ = 0), df = (K − 2) p. Errors as PRESTO at λ = 0 does when that
/// model's MLE does not exist (separation, or crossing cumulative probabilities at the data).
pub fn nonparallel_test(data: &OrdinalData, po: &ProportionalOddsFit) -> Result<LrTest> {
    check_same(data, po)?;
    let (k1, p) = (po.cutpoints.len(), po.coef.len());
    let full = PrestoParams::new(0.0)
        .penalize_first(false)
        .link(po.link())
        .tol(1e-10)
        .fit(data)?;
    lr_test(po.loglik, po.n_params(), full.loglik, k1 * (1 + p))
}

/// The LR test of dropping the features `dropped` from `po` (refitting proportional odds with
/// the same link on the other columns).
pub fn drop_test(
    data: &OrdinalData,
    po: &ProportionalOddsFit,
    dropped: &[usize],
) -> Result<LrTest> {
    check_same(data, po)?;
    let p = po.coef.len();
    if dropped.is_empty() {
        return Err(Error::param(
            "dropped",
            "[]",
            "name at least one feature to drop",
        ));
    }
    if let Some(&j) = dropped.iter().find(|&&j| j >= p) {
        return Err(Error::param(
            "dropped",
            j,
            format!("column index out of range (p = {p})"),
        ));
    }
    let kept: Vec<usize> = (0..p).filter(|j| !dropped.contains(j)).collect();
    let reduced = ProportionalOddsParams::new()
        .link(po.link())
        .fit(&data.select_features(&kept)?)?;
    lr_test(reduced.loglik, reduced.n_params(), po.loglik, po.n_params())
}

/// Profile-likelihood interval at confidence `level` for slope `j` of `po`: the two roots of
/// 2(ℓ̂ − ℓ_p(b)) = χ²_{1,level}, ℓ_p(b) the log-likelihood maximized over the other parameters
/// with the slope held at b, each root bracketed outward in steps of the Wald standard error and
/// solved by the Illinois method to 1e-10 relative.
pub fn profile_interval(
    data: &OrdinalData,
    po: &ProportionalOddsFit,
    j: usize,
    level: f64,
) -> Result<(f64, f64)> {
    check_same(data, po)?;
    check::in_open("level", level, 0.0, 1.0)?;
    let (k1, p) = (po.cutpoints.len(), po.coef.len());
    if j >= p {
        return Err(Error::param(
            "feature",
            j,
            format!("column index out of range (p = {p})"),
        ));
    }
    let crit = ChiSquared::new(1.0)
        .map_err(|e| Error::Numerical(e.to_string()))?
        .inverse_cdf(level);
    let (bhat, se) = (po.coef[j], po.std_errors[j]);
    let deviance = |b: f64, warm: &mut Option<DVector<f64>>| -> Result<f64> {
        let r = Restriction::partial(k1, p, &[], Some((j, b)));
        let start = warm.take().unwrap_or_else(|| r.start(po));
        let fit = fit_restricted(data, po.link(), &r, start, TOL, MAX_ITER)?;
        *warm = Some(fit.phi);
        Ok(2.0 * (po.loglik - fit.loglik) - crit)
    };
    let mut ends = [0.0; 2];
    for (side, sign) in [-1.0f64, 1.0].into_iter().enumerate() {
        let mut warm = None;
        let (mut a, mut fa) = (bhat, -crit);
        let mut step = se;
        let (mut b, mut fb);
        let mut tries = 0;
        loop {
            b = bhat + sign * step;
            fb = deviance(b, &mut warm)?;
            if fb > 0.0 {
                break;
            }
            (a, fa) = (b, fb);
            step *= 2.0;
            tries += 1;
            if tries > 40 {
                return Err(Error::NotIdentifiable(format!(
                    "profile likelihood of {} does not reach the {level} level: the interval is unbounded",
                    data.feature_label(j)
                )));
            }
        }
        // Illinois (modified regula falsi) on [a, b] with f(a) < 0 < f(b).
        let mut last = 0i8;
        for _ in 0..100 {
            let m = (a * fb - b * fa) / (fb - fa);
            let fm = deviance(m, &mut warm)?;
            if fm.abs() < 1e-12 || (b - a).abs() <= 1e-10 * m.abs().max(1e-3) {
                a = m;
                break;
            }
            if fm < 0.0 {
                (a, fa) = (m, fm);
                if last == -1 {
                    fb *= 0.5;
                }
                last = -1;
            } else {
                (b, fb) = (m, fm);
                if last == 1 {
                    fa *= 0.5;
                }
                last = 1;
            }
        }
        ends[side] = a;
    }
    Ok((ends[0], ends[1]))
}

fn check_same(data: &OrdinalData, po: &ProportionalOddsFit) -> Result<()> {
    if data.n_features() != po.coef.len() || data.n_classes() != po.cutpoints.len() + 1 {
        return Err(Error::DimensionMismatch {
            what: "data vs proportional-odds fit (features)",
            expected: po.coef.len(),
            got: data.n_features(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small data set with a clear non-proportional effect of feature 1.
    fn data() -> OrdinalData {
        let n = 300;
        let x = DMatrix::from_fn(n, 2, |i, j| {
            let u = ((i * 37 + j * 11) % 101) as f64 / 50.0 - 1.0;
            if j == 0 {
                u
            } else {
                ((i * 13) % 7) as f64 / 3.0 - 1.0
            }
        });
        let y: Vec<f64> = (0..n)
            .map(|i| {
                let s = 1.2 * x[(i, 0)] + ((i * 29) % 17) as f64 / 8.0 - 1.0;
                let c = if s < -0.5 {
                    0.0
                } else if s < 0.4 {
                    1.0
                } else {
                    2.0
                };
                if x[(i, 1)] > 0.5 && c == 1.0 { 2.0 } else { c }
            })
            .collect();
        OrdinalData::from_labels(x, &y, None).unwrap()
    }

    #[test]
    fn all_nominal_restricted_fit_equals_unpenalized_presto() {
        let d = data();
        for link in [Link::Logit, Link::Probit, Link::Cloglog] {
            let po = ProportionalOddsParams::new().link(link).fit(&d).unwrap();
            let r = Restriction::partial(2, 2, &[0, 1], None);
            let fit = fit_restricted(&d, link, &r, r.start(&po), TOL, MAX_ITER).unwrap();
            let t = nonparallel_test(&d, &po).unwrap();
            assert!(
                (t.loglik_full - fit.loglik).abs() < 1e-8,
                "{link}: {} vs {}",
                t.loglik_full,
                fit.loglik
            );
            assert_eq!(t.df, 2);
            // Nothing nominal: the restricted fit is proportional odds again.
            let r0 = Restriction::partial(2, 2, &[], None);
            let f0 = fit_restricted(&d, link, &r0, r0.start(&po), TOL, MAX_ITER).unwrap();
            assert!((f0.loglik - po.loglik).abs() < 1e-9);
        }
    }

    #[test]
    fn profile_interval_brackets_the_estimate_and_hits_the_level() {
        let d = data();
        let po = ProportionalOddsParams::new().fit(&d).unwrap();
        let (lo, hi) = profile_interval(&d, &po, 0, 0.95).unwrap();
        assert!(lo < po.coef[0] && po.coef[0] < hi);
        // The LR statistic at each end is the χ²₁ 95% quantile.
        for b in [lo, hi] {
            let r = Restriction::partial(2, 2, &[], Some((0, b)));
            let f = fit_restricted(&d, Link::Logit, &r, r.start(&po), TOL, MAX_ITER).unwrap();
            let stat = 2.0 * (po.loglik - f.loglik);
            assert!((stat - 3.841_458_820_694_124).abs() < 1e-7, "{stat}");
        }
        // Wald and profile intervals agree to first order.
        let (w, _) = po.wald(0.95).unwrap();
        assert!((lo - w[0].lower).abs() < 0.2 * po.std_errors[0]);
        assert!(profile_interval(&d, &po, 5, 0.95).is_err());
    }

    #[test]
    fn drop_and_nominal_tests_have_their_degrees_of_freedom() {
        let d = data();
        let po = ProportionalOddsParams::new().fit(&d).unwrap();
        let t = drop_test(&d, &po, &[1]).unwrap();
        assert_eq!(t.df, 1);
        assert!(t.statistic >= 0.0 && t.p_value <= 1.0);
        let nt = nominal_test(&d, &po, None).unwrap();
        assert_eq!(nt.len(), 2);
        assert!(nt.iter().all(|t| t.test.df == 1));
        // Feature 1 moves rows from class 1 to 2 only: clearly non-proportional.
        assert!(nt[1].test.p_value < 1e-3, "{:?}", nt[1]);
        assert!(drop_test(&d, &po, &[]).is_err());
        assert!(nominal_test(&d, &po, Some(&[7])).is_err());
    }
}
