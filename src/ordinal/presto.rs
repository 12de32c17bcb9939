//! PRESTO: cumulative logit with boundary-specific slopes, shrunk toward proportional odds by an
//! L1 (or L2) penalty on adjacent slope differences (Faletto & Bien 2023; spec §1.2–1.4).
//!
//! With `ψ_0 = b_0`, `ψ_k = b_k − b_{k−1}` (so `b_k = Σ_{m≤k} ψ_m`) the objective is
//!
//! ```text
//!   min_{θ, ψ}  −(1/N) Σ_i w_i log p_i,y_i  +  λ Σ_j Σ_k c_jk [ a |ψ_jk| + (1−a)/2 ψ_jk² ]
//! ```
//!
//! with unpenalized cutpoints, `c_j0 = w_1` (first block; 1 = penalized, the authors' final
//! code) and `c_jk = 1` for k ≥ 1, `a = 1` lasso and `a = 0` the "PRESTO_L2" variant.
//! With `w_1 = 1`, λ → ∞ gives the intercept-only model; with `w_1 = 0` any λ ≥ λ_max gives
//! exactly the proportional-odds MLE.
//!
//! Solver: proximal Newton. Each outer step builds the analytic gradient and Hessian of the
//! smooth part in (θ, ψ) (O(n p² K), [`super::likelihood`]), solves the penalized quadratic
//! model by cyclic coordinate descent (soft-thresholding, as ordinalNet's MIRLS inner loop), and
//! halves the step until the composite objective decreases by an Armijo fraction; a step that
//! makes any training probability ≤ 0 has objective +∞ and is halved away, so iterates stay in
//! the valid domain. Convergence is judged by the KKT residual (see [`PrestoFit::kkt`]).

use super::data::OrdinalData;
use super::likelihood::{loglik, nonparallel_derivatives};
use super::model::CumulativeLogit;
use super::proportional_odds::{ProportionalOdds, SEPARATION_LOGIT_SPAN, predictor_span};
use crate::error::{Error, Result, check};
use crate::linalg::soft_threshold;
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rayon::prelude::*;

/// PRESTO fitter (builder). Defaults: lasso (`a = 1`), first block penalized, no
/// standardization, KKT tolerance 1e-8, at most 100 proximal Newton steps.
#[derive(Debug, Clone)]
pub struct Presto {
    alpha: f64,
    penalize_first: bool,
    standardize: bool,
    tol: f64,
    max_iter: usize,
}

impl Default for Presto {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            penalize_first: true,
            standardize: false,
            tol: 1e-9,
            max_iter: 200,
        }
    }
}

/// One PRESTO fit.
#[derive(Debug, Clone)]
pub struct PrestoFit {
    /// The model on the original scale of x (polr sign).
    pub model: CumulativeLogit,
    /// Differences ψ on the original scale, (K−1) × p: row 0 is b_0, row k is b_k − b_{k−1}.
    pub psi: DMatrix<f64>,
    /// λ.
    pub lambda: f64,
    /// Weighted log-likelihood.
    pub loglik: f64,
    /// Objective value on the fitting scale (standardized x when standardization is on).
    pub objective: f64,
    /// KKT residual on the fitting scale: max over cutpoints of |∂f|, over nonzero ψ of
    /// |∂f + λ c a sign ψ|, over zero ψ of (|∂f| − λ c a)₊, f the smooth part.
    pub kkt: f64,
    /// Proximal Newton steps.
    pub n_iter: usize,
    /// Whether `kkt` ≤ the tolerance.
    pub converged: bool,
}

/// A λ path with warm starts.
#[derive(Debug, Clone)]
pub struct PrestoPath {
    /// λ_max (the smallest λ at which every penalized ψ is zero).
    pub lambda_max: f64,
    /// λ values, decreasing.
    pub lambdas: Vec<f64>,
    /// One fit per λ.
    pub fits: Vec<PrestoFit>,
}

/// How rows are split into CV folds.
#[derive(Debug, Clone, PartialEq)]
pub enum Folds {
    /// `k` folds from a random permutation dealt round-robin (the authors' `split(sample(n),
    /// rep(1:k, length.out = n))`).
    Random(usize),
    /// Fold id per row (any integers; each distinct value is a fold).
    Given(Vec<i64>),
}

/// Result of K-fold cross-validation on the multiclass Brier score.
#[derive(Debug, Clone)]
pub struct PrestoCv {
    /// The full-data path (it fixes the λ grid).
    pub path: PrestoPath,
    /// Mean held-out multiclass Brier score per λ.
    pub cv_brier: Vec<f64>,
    /// Its standard error over folds.
    pub cv_se: Vec<f64>,
    /// Index of the chosen λ: the largest λ among those with minimal mean Brier.
    pub best_index: usize,
    /// Refit on all rows at the chosen λ, started from the intercept-only model.
    pub fit: PrestoFit,
    /// Fold of each row.
    pub fold_of_row: Vec<usize>,
}

/// The optimization problem on the fitting scale.
struct Problem {
    data: OrdinalData,
    /// Penalty weight per coordinate of z = (θ, ψ_0, …, ψ_{K−2}); 0 for θ.
    c: DVector<f64>,
    a: f64,
    n_w: f64,
    means: Vec<f64>,
    sds: Vec<f64>,
    k1: usize,
    p: usize,
}

struct Solution {
    z: DVector<f64>,
    ll: f64,
    objective: f64,
    kkt: f64,
    n_iter: usize,
}

/// Suffix sums over the K−1 slope blocks of a vector laid out as (θ, blocks): the transpose of
/// the map ψ ↦ b, b_k = Σ_{m≤k} ψ_m.
fn suffix_blocks_vec(v: &mut DVector<f64>, k1: usize, p: usize) {
    for m in (0..k1.saturating_sub(1)).rev() {
        for j in 0..p {
            v[k1 + m * p + j] += v[k1 + (m + 1) * p + j];
        }
    }
}

fn suffix_blocks_mat(h: &mut DMatrix<f64>, k1: usize, p: usize) {
    let d = h.nrows();
    for m in (0..k1.saturating_sub(1)).rev() {
        for j in 0..p {
            for r in 0..d {
                h[(r, k1 + m * p + j)] += h[(r, k1 + (m + 1) * p + j)];
            }
        }
    }
    for m in (0..k1.saturating_sub(1)).rev() {
        for j in 0..p {
            for r in 0..d {
                h[(k1 + m * p + j, r)] += h[(k1 + (m + 1) * p + j, r)];
            }
        }
    }
}

impl Problem {
    fn new(data: &OrdinalData, penalize_first: bool, a: f64, standardize: bool) -> Self {
        let (n, p, k1) = (data.n_rows(), data.n_features(), data.n_classes() - 1);
        let (mut means, mut sds) = (vec![0.0; p], vec![1.0; p]);
        let data = if standardize {
            let x = data.x();
            let mut xs = x.clone();
            for j in 0..p {
                let m = x.column(j).sum() / n as f64;
                let v = x.column(j).iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64;
                // Population SD as ordinalNet; a constant column keeps SD 1 (its coefficient is 0).
                let s = if v > 0.0 { v.sqrt() } else { 1.0 };
                xs.column_mut(j).iter_mut().for_each(|e| *e = (*e - m) / s);
                means[j] = m;
                sds[j] = s;
            }
            data.with_x(xs)
        } else {
            data.clone()
        };
        let d = k1 * (p + 1);
        let c = DVector::from_fn(d, |i, _| {
            if i < k1 {
                0.0
            } else if i < k1 + p {
                if penalize_first { 1.0 } else { 0.0 }
            } else {
                1.0
            }
        });
        let n_w = data.total_weight();
        Self {
            data,
            c,
            a: a.clamp(0.0, 1.0),
            n_w,
            means,
            sds,
            k1,
            p,
        }
    }

    fn theta_b(&self, z: &DVector<f64>) -> (Vec<f64>, DMatrix<f64>) {
        let (k1, p) = (self.k1, self.p);
        let mut b = DMatrix::zeros(p, k1);
        for k in 0..k1 {
            for j in 0..p {
                b[(j, k)] = z[k1 + k * p + j] + if k > 0 { b[(j, k - 1)] } else { 0.0 };
            }
        }
        (z.rows(0, k1).iter().copied().collect(), b)
    }

    fn l1(&self, z: &DVector<f64>, lambda: f64) -> f64 {
        lambda
            * self.a
            * z.iter()
                .zip(self.c.iter())
                .map(|(v, c)| c * v.abs())
                .sum::<f64>()
    }

    fn ridge(&self, z: &DVector<f64>, lambda: f64) -> f64 {
        0.5 * lambda
            * (1.0 - self.a)
            * z.iter()
                .zip(self.c.iter())
                .map(|(v, c)| c * v * v)
                .sum::<f64>()
    }

    /// (log-likelihood, objective); objective +∞ outside the valid domain.
    fn objective(&self, z: &DVector<f64>, lambda: f64) -> (f64, f64) {
        let (t, b) = self.theta_b(z);
        match loglik(&self.data, &t, &b) {
            Some(ll) => (
                ll,
                -ll / self.n_w + self.ridge(z, lambda) + self.l1(z, lambda),
            ),
            None => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// Gradient and Hessian of the smooth part in (θ, ψ).
    fn smooth_derivatives(
        &self,
        z: &DVector<f64>,
        lambda: f64,
    ) -> Option<(f64, DVector<f64>, DMatrix<f64>)> {
        let (t, b) = self.theta_b(z);
        let der = nonparallel_derivatives(&self.data, &t, &b)?;
        let mut g = -der.grad / self.n_w;
        let mut h = -der.hess / self.n_w;
        suffix_blocks_vec(&mut g, self.k1, self.p);
        suffix_blocks_mat(&mut h, self.k1, self.p);
        let r = lambda * (1.0 - self.a);
        for i in 0..z.len() {
            g[i] += r * self.c[i] * z[i];
            h[(i, i)] += r * self.c[i];
        }
        Some((der.ll, g, h))
    }

    fn kkt(&self, z: &DVector<f64>, g: &DVector<f64>, lambda: f64) -> f64 {
        let mut r: f64 = 0.0;
        for i in 0..z.len() {
            let t = lambda * self.a * self.c[i];
            let v = if t == 0.0 {
                g[i].abs()
            } else if z[i] != 0.0 {
                (g[i] + t * z[i].signum()).abs()
            } else {
                (g[i].abs() - t).max(0.0)
            };
            r = r.max(v);
        }
        r
    }

    /// Intercept-only start: θ_k = logit(cumulative weighted proportion), ψ = 0.
    fn intercept_only(&self) -> DVector<f64> {
        let mut z = DVector::zeros(self.k1 * (self.p + 1));
        for (k, q) in self.data.cumulative_proportions().into_iter().enumerate() {
            z[k] = (q / (1.0 - q)).ln();
        }
        z
    }

    /// The fit with every penalized coordinate at zero: intercept-only when the first block is
    /// penalized, the proportional-odds MLE when it is not.
    fn null_fit(&self) -> Result<DVector<f64>> {
        let mut z = self.intercept_only();
        if self.c.rows(self.k1, self.p).iter().all(|&c| c == 0.0) {
            let po = ProportionalOdds::new().fit(&self.data)?;
            for k in 0..self.k1 {
                z[k] = po.cutpoints[k];
            }
            for j in 0..self.p {
                z[self.k1 + j] = po.coef[j];
            }
        }
        Ok(z)
    }

    /// λ_max = max over penalized coordinates of |∂f/∂ψ_jk| / (c_jk max(a, 0.01)) at the null
    /// fit (spec §1.3).
    fn lambda_max(&self, z_null: &DVector<f64>) -> Result<f64> {
        let (_, g, _) = self
            .smooth_derivatives(z_null, 0.0)
            .ok_or_else(|| Error::Numerical("PRESTO: invalid null fit".into()))?;
        let amax = self.a.max(0.01);
        Ok((0..g.len())
            .filter(|&i| self.c[i] > 0.0)
            .map(|i| g[i].abs() / (self.c[i] * amax))
            .fold(0.0, f64::max))
    }

    /// Minimize the penalized quadratic model g'Δ + ½Δ'HΔ + Σ λ a c_j |z_j + Δ_j|.
    ///
    /// Cyclic coordinate descent (soft-thresholding) finds the sign pattern; then the model is
    /// minimized exactly on that pattern by one linear solve and accepted when the result keeps
    /// the signs and the zero coordinates satisfy their subgradient condition (an exact
    /// certificate). The ψ blocks are strongly correlated (b_k = Σ_{m≤k} ψ_m), where plain
    /// coordinate descent alone converges slowly.
    fn quadratic_step(
        &self,
        z: &DVector<f64>,
        g: &DVector<f64>,
        h: &DMatrix<f64>,
        lambda: f64,
        tol: f64,
    ) -> DVector<f64> {
        let d = z.len();
        let thr = |j: usize| lambda * self.a * self.c[j];
        let mut delta = DVector::zeros(d);
        let mut q = DVector::<f64>::zeros(d); // H Δ
        for round in 0..200 {
            let mut max_change: f64 = 0.0;
            for _sweep in 0..5 {
                max_change = 0.0;
                for j in 0..d {
                    let hjj = h[(j, j)];
                    let t = thr(j);
                    let new_delta = if hjj <= 1e-300 {
                        if t > 0.0 { -z[j] } else { delta[j] }
                    } else if t == 0.0 {
                        delta[j] - (g[j] + q[j]) / hjj
                    } else {
                        let r = g[j] + q[j] - hjj * delta[j];
                        soft_threshold(hjj * z[j] - r, t) / hjj - z[j]
                    };
                    let change = new_delta - delta[j];
                    if change != 0.0 {
                        q.axpy(change, &h.column(j), 1.0);
                        delta[j] = new_delta;
                        max_change = max_change.max(change.abs() * hjj.max(1e-300));
                    }
                }
                if max_change <= tol {
                    break;
                }
            }
            if let Some(exact) = self.sign_pattern_solve(z, g, h, &delta, lambda) {
                return exact;
            }
            if max_change <= tol && round > 0 {
                break;
            }
        }
        // Coordinates that the model puts at zero are exactly zero (not z + Δ ≈ 0 by rounding).
        for j in 0..d {
            if thr(j) > 0.0 && (z[j] + delta[j]).abs() < 1e-300 {
                delta[j] = -z[j];
            }
        }
        delta
    }

    /// Exact minimizer of the quadratic model on the sign pattern of z + Δ, if it is certified.
    fn sign_pattern_solve(
        &self,
        z: &DVector<f64>,
        g: &DVector<f64>,
        h: &DMatrix<f64>,
        delta: &DVector<f64>,
        lambda: f64,
    ) -> Option<DVector<f64>> {
        let d = z.len();
        let thr = |j: usize| lambda * self.a * self.c[j];
        let v: Vec<f64> = (0..d).map(|j| z[j] + delta[j]).collect();
        let active: Vec<usize> = (0..d).filter(|&j| thr(j) == 0.0 || v[j] != 0.0).collect();
        let mut out = DVector::zeros(d);
        for j in 0..d {
            if thr(j) > 0.0 && v[j] == 0.0 {
                out[j] = -z[j];
            }
        }
        let m = active.len();
        let mut ha = DMatrix::zeros(m, m);
        let mut rhs = DVector::zeros(m);
        for (a, &i) in active.iter().enumerate() {
            let mut r = -g[i] - thr(i) * v[i].signum() * f64::from(u8::from(thr(i) > 0.0));
            for j in 0..d {
                if !active.contains(&j) {
                    r -= h[(i, j)] * out[j];
                }
            }
            rhs[a] = r;
            for (b, &j) in active.iter().enumerate() {
                ha[(a, b)] = h[(i, j)];
            }
        }
        if m > 0 {
            let sol = crate::linalg::Cholesky::new(&ha, "PRESTO active set")
                .ok()?
                .solve(&rhs);
            for (a, &i) in active.iter().enumerate() {
                let vi = z[i] + sol[a];
                if thr(i) > 0.0 && vi * v[i] <= 0.0 {
                    return None;
                }
                out[i] = sol[a];
            }
        }
        let hd = h * &out;
        for j in 0..d {
            if thr(j) > 0.0 && v[j] == 0.0 && (g[j] + hd[j]).abs() > thr(j) * (1.0 + 1e-10) + 1e-14
            {
                return None;
            }
        }
        out.iter().all(|x| x.is_finite()).then_some(out)
    }

    fn solve(
        &self,
        lambda: f64,
        start: DVector<f64>,
        tol: f64,
        max_iter: usize,
    ) -> Result<Solution> {
        let mut z = start;
        let (mut ll, mut f) = self.objective(&z, lambda);
        if !f.is_finite() {
            z = self.intercept_only();
            (ll, f) = self.objective(&z, lambda);
        }
        let mut n_iter = 0;
        let mut kkt;
        loop {
            let (_, g, h) = self
                .smooth_derivatives(&z, lambda)
                .ok_or_else(|| Error::Numerical("PRESTO: iterate left the valid domain".into()))?;
            kkt = self.kkt(&z, &g, lambda);
            if kkt <= tol || n_iter >= max_iter {
                break;
            }
            n_iter += 1;
            // Without an L1 term the model is smooth: an exact (damped) Newton solve beats
            // coordinate descent on ill-conditioned Hessians.
            let delta = if lambda * self.a == 0.0 || self.c.iter().all(|&c| c == 0.0) {
                super::proportional_odds::newton_step(&h, &g)?
            } else {
                self.quadratic_step(&z, &g, &h, lambda, (1e-3 * kkt).max(1e-16))
            };
            let f_before = f;
            let l1_z = self.l1(&z, lambda);
            let dec = g.dot(&delta) + self.l1(&(&z + &delta), lambda) - l1_z;
            let mut t = 1.0;
            let mut accepted = false;
            for _ in 0..60 {
                let cand = &z + t * &delta;
                let (ll1, f1) = self.objective(&cand, lambda);
                if f1 <= f + 1e-4 * t * dec.min(0.0)
                    || (t == 1.0 && (f1 - f).abs() <= 1e-13 * f.abs().max(1.0))
                {
                    z = cand;
                    ll = ll1;
                    f = f1;
                    accepted = true;
                    break;
                }
                t *= 0.5;
            }
            // Stagnation at machine precision (the relative objective change ordinalNet uses,
            // at 1e-15 rather than its 1e-8): more steps cannot lower the KKT residual.
            if accepted
                && (f_before - f).abs() <= 1e-15 * f.abs().max(1.0)
                && (delta.amax() <= 1e-12)
            {
                let (_, g, _) = self
                    .smooth_derivatives(&z, lambda)
                    .expect("current iterate is valid");
                kkt = self.kkt(&z, &g, lambda);
                break;
            }
            if !accepted {
                // No decrease at machine precision: keep the previous iterate (spec §1.3).
                let (_, g, _) = self
                    .smooth_derivatives(&z, lambda)
                    .expect("current iterate is valid");
                kkt = self.kkt(&z, &g, lambda);
                break;
            }
        }
        Ok(Solution {
            z,
            ll,
            objective: f,
            kkt,
            n_iter,
        })
    }

    /// Back to the original scale of x: b_k = b_k,std / sd, θ_k = θ_k,std + Σ_j b_jk,std m_j / sd_j.
    fn to_fit(&self, s: Solution, lambda: f64, tol: f64) -> Result<PrestoFit> {
        let (theta_std, b_std) = self.theta_b(&s.z);
        let (k1, p) = (self.k1, self.p);
        if lambda == 0.0 {
            // Separation probe: at an MLE more Newton steps change nothing; under
            // (quasi-)separation the slopes keep walking off while the likelihood creeps up.
            let more = self.solve(0.0, s.z.clone(), 0.0, 10)?;
            let moved = (&more.z - &s.z).amax();
            if moved > 1.0 {
                return Err(Error::NotIdentifiable(format!(
                    "PRESTO at lambda = 0: the slopes keep growing (by {moved:.2} in 10 extra Newton steps) while the \
                     likelihood still increases; the data are (quasi-)separated and the unpenalized MLE does not exist \
                     (use lambda > 0)"
                )));
            }
            for k in 0..k1 {
                if predictor_span(self.data.x(), &b_std.column(k).into_owned())
                    > SEPARATION_LOGIT_SPAN
                {
                    return Err(Error::NotIdentifiable(format!(
                        "PRESTO at lambda = 0: boundary {k}'s linear predictor spans more than {SEPARATION_LOGIT_SPAN} \
                         log-odds; the data are (quasi-)separated and the unpenalized MLE does not exist (use lambda > 0)"
                    )));
                }
            }
        }
        if s.kkt > 1e-6 {
            return Err(Error::NotConverged {
                solver: "PRESTO proximal Newton",
                iterations: s.n_iter,
                residual: s.kkt,
            });
        }
        let coef = DMatrix::from_fn(k1, p, |k, j| b_std[(j, k)] / self.sds[j]);
        let cutpoints = (0..k1)
            .map(|k| {
                theta_std[k]
                    + (0..p)
                        .map(|j| b_std[(j, k)] * self.means[j] / self.sds[j])
                        .sum::<f64>()
            })
            .collect();
        let psi = DMatrix::from_fn(k1, p, |k, j| s.z[k1 + k * p + j] / self.sds[j]);
        Ok(PrestoFit {
            model: CumulativeLogit { cutpoints, coef },
            psi,
            lambda,
            loglik: s.ll,
            objective: s.objective,
            kkt: s.kkt,
            n_iter: s.n_iter,
            converged: s.kkt <= tol,
        })
    }
}

impl Presto {
    /// The authors' defaults (see the type docs).
    pub fn new() -> Self {
        Self::default()
    }

    /// Elastic-net mixing `a` ∈ [0, 1]: 1 = lasso (PRESTO), 0 = ridge (PRESTO_L2).
    pub fn alpha(mut self, a: f64) -> Self {
        self.alpha = a;
        self
    }

    /// Whether the first slope block ψ_0 = b_0 is penalized (w_1 = 1, the authors' default).
    pub fn penalize_first(mut self, v: bool) -> Self {
        self.penalize_first = v;
        self
    }

    /// Centre each column and divide by its population SD before fitting, as ordinalNet does
    /// (λ then refers to the standardized scale); coefficients are returned on the original scale.
    pub fn standardize(mut self, v: bool) -> Self {
        self.standardize = v;
        self
    }

    /// KKT tolerance (> 0).
    pub fn tol(mut self, v: f64) -> Self {
        self.tol = v;
        self
    }

    /// Maximum proximal Newton steps per λ (≥ 1).
    pub fn max_iter(mut self, v: usize) -> Self {
        self.max_iter = v;
        self
    }

    fn problem(&self, data: &OrdinalData) -> Result<Problem> {
        check::in_closed("alpha", self.alpha, 0.0, 1.0)?;
        check::positive("tol", self.tol)?;
        check::at_least("max_iter", self.max_iter, 1)?;
        if data.n_classes() < 3 {
            return Err(Error::param(
                "K",
                data.n_classes(),
                "PRESTO needs K >= 3 ordered classes (use proportional odds / logistic regression for K = 2)",
            ));
        }
        Ok(Problem::new(
            data,
            self.penalize_first,
            self.alpha,
            self.standardize,
        ))
    }

    /// λ_max on the fitting scale: every penalized ψ is zero at λ ≥ λ_max.
    pub fn lambda_max(&self, data: &OrdinalData) -> Result<f64> {
        let prob = self.problem(data)?;
        let z = prob.null_fit()?;
        prob.lambda_max(&z)
    }

    /// Fit at one λ ≥ 0, started from the intercept-only model.
    pub fn fit(&self, data: &OrdinalData, lambda: f64) -> Result<PrestoFit> {
        check::non_negative("lambda", lambda)?;
        let prob = self.problem(data)?;
        let s = prob.solve(lambda, prob.intercept_only(), self.tol, self.max_iter)?;
        prob.to_fit(s, lambda, self.tol)
    }

    /// Log-spaced grid λ_max · ratio^{i/(n−1)}, i = 0..n−1, fitted with warm starts.
    pub fn path(&self, data: &OrdinalData, n_lambdas: usize, ratio: f64) -> Result<PrestoPath> {
        check::at_least("n_lambdas", n_lambdas, 1)?;
        check::in_open("lambda_ratio", ratio, 0.0, 1.0)?;
        let prob = self.problem(data)?;
        let z0 = prob.null_fit()?;
        let lambda_max = prob.lambda_max(&z0)?;
        let lambdas = grid(lambda_max, n_lambdas, ratio);
        let fits = self.path_on(&prob, z0, &lambdas)?;
        Ok(PrestoPath {
            lambda_max,
            lambdas,
            fits,
        })
    }

    fn path_on(
        &self,
        prob: &Problem,
        mut z: DVector<f64>,
        lambdas: &[f64],
    ) -> Result<Vec<PrestoFit>> {
        let mut fits = Vec::with_capacity(lambdas.len());
        for &lam in lambdas {
            let s = prob.solve(lam, z, self.tol, self.max_iter)?;
            z = s.z.clone();
            fits.push(prob.to_fit(s, lam, self.tol)?);
        }
        Ok(fits)
    }

    /// K-fold cross-validation of the path on the held-out multiclass Brier score (spec §1.4):
    /// the full-data path fixes the grid; each fold refits the path on its training rows; the
    /// chosen λ is the largest with minimal mean Brier; the final model is refit on all rows.
    /// Folds run in parallel; results do not depend on the thread count.
    pub fn cv(
        &self,
        data: &OrdinalData,
        n_lambdas: usize,
        ratio: f64,
        folds: &Folds,
        rng: &mut Rng,
    ) -> Result<PrestoCv> {
        let n = data.n_rows();
        let fold_of_row = assign_folds(folds, n, rng)?;
        let n_folds = fold_of_row.iter().max().map_or(0, |m| m + 1);
        let path = self.path(data, n_lambdas, ratio)?;
        let per_fold: Vec<Result<Vec<f64>>> = (0..n_folds)
            .into_par_iter()
            .map(|f| {
                let train: Vec<usize> = (0..n).filter(|&i| fold_of_row[i] != f).collect();
                let test: Vec<usize> = (0..n).filter(|&i| fold_of_row[i] == f).collect();
                let tr = data
                    .subset(&train)
                    .map_err(|e| Error::InvalidData(format!("CV fold {f}: training rows: {e}")))?;
                let prob = self.problem(&tr)?;
                let fits = self.path_on(&prob, prob.null_fit()?, &path.lambdas)?;
                let xt = data.x().select_rows(&test);
                let yt: Vec<usize> = test.iter().map(|&i| data.y()[i]).collect();
                fits.iter()
                    .map(|fit| {
                        let p = fit.model.raw_probabilities(&xt)?;
                        let rows: Vec<Vec<f64>> = (0..p.nrows())
                            .map(|i| p.row(i).iter().copied().collect())
                            .collect();
                        crate::metrics::multiclass_brier(&yt, &rows)
                    })
                    .collect()
            })
            .collect();
        let per_fold: Vec<Vec<f64>> = per_fold.into_iter().collect::<Result<_>>()?;
        let nf = n_folds as f64;
        let cv_brier: Vec<f64> = (0..n_lambdas)
            .map(|l| per_fold.iter().map(|v| v[l]).sum::<f64>() / nf)
            .collect();
        let cv_se: Vec<f64> = (0..n_lambdas)
            .map(|l| {
                let m = cv_brier[l];
                (per_fold.iter().map(|v| (v[l] - m).powi(2)).sum::<f64>()
                    / (nf - 1.0).max(1.0)
                    / nf)
                    .sqrt()
            })
            .collect();
        let min = cv_brier.iter().copied().fold(f64::INFINITY, f64::min);
        let best_index = cv_brier.iter().position(|&v| v == min).unwrap_or(0);
        let fit = self.fit(data, path.lambdas[best_index])?;
        Ok(PrestoCv {
            path,
            cv_brier,
            cv_se,
            best_index,
            fit,
            fold_of_row,
        })
    }
}

/// λ_max · ratio^{i/(n−1)}, i = 0..n−1 (just λ_max when n = 1).
pub fn grid(lambda_max: f64, n: usize, ratio: f64) -> Vec<f64> {
    if n == 1 {
        return vec![lambda_max];
    }
    (0..n)
        .map(|i| lambda_max * ratio.powf(i as f64 / (n - 1) as f64))
        .collect()
}

/// Fold index (0..F) of each row.
pub fn assign_folds(folds: &Folds, n: usize, rng: &mut Rng) -> Result<Vec<usize>> {
    match folds {
        Folds::Random(k) => {
            check::at_least("cv", *k, 2)?;
            if *k > n {
                return Err(Error::param(
                    "cv",
                    k,
                    format!("at most the number of rows ({n})"),
                ));
            }
            let mut perm: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                let j = rng.random_range(0..=i);
                perm.swap(i, j);
            }
            let mut out = vec![0; n];
            for (pos, &row) in perm.iter().enumerate() {
                out[row] = pos % k;
            }
            Ok(out)
        }
        Folds::Given(ids) => {
            if ids.len() != n {
                return Err(Error::DimensionMismatch {
                    what: "fold ids",
                    expected: n,
                    got: ids.len(),
                });
            }
            let mut distinct = ids.clone();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() < 2 {
                return Err(Error::param(
                    "foldid",
                    distinct.len(),
                    "need at least 2 distinct fold ids",
                ));
            }
            Ok(ids
                .iter()
                .map(|v| distinct.binary_search(v).unwrap_or(0))
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_suffix_sums_are_the_transpose_of_the_cumulative_map() {
        let (k1, p) = (3, 2);
        let d = k1 * (p + 1);
        // T: z = (θ, ψ) ↦ (θ, b), b_k = Σ_{m≤k} ψ_m.
        let mut t = DMatrix::<f64>::zeros(d, d);
        for i in 0..k1 {
            t[(i, i)] = 1.0;
        }
        for k in 0..k1 {
            for m in 0..=k {
                for j in 0..p {
                    t[(k1 + k * p + j, k1 + m * p + j)] = 1.0;
                }
            }
        }
        let h = DMatrix::from_fn(d, d, |i, j| {
            ((i * 7 + j * 3) % 5) as f64 + if i == j { 9.0 } else { 0.0 }
        });
        let h = &h + h.transpose();
        let mut hs = h.clone();
        suffix_blocks_mat(&mut hs, k1, p);
        assert!((t.transpose() * &h * &t - hs).amax() < 1e-12);
        let g = DVector::from_fn(d, |i, _| i as f64 - 2.5);
        let mut gs = g.clone();
        suffix_blocks_vec(&mut gs, k1, p);
        assert!((t.transpose() * g - gs).amax() < 1e-12);
    }

    #[test]
    fn grid_is_log_spaced() {
        let g = grid(2.0, 5, 0.01);
        assert!((g[0] - 2.0).abs() < 1e-15 && (g[4] - 0.02).abs() < 1e-15);
        for w in g.windows(3) {
            assert!((w[1] * w[1] - w[0] * w[2]).abs() < 1e-12);
        }
    }
}
