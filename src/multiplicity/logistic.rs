//! The baseline: L2-regularized, optionally weighted logistic regression fitted by Newton's method.
//!
//! Objective (spec §1, the paper's training loss with a ridge penalty):
//!
//!   J(θ) = (1/W) Σ_i ω_i log(1 + exp(−ỹ_i a_iᵀθ)) + (λ/2) ‖w‖²,   θ = (w, b), a_i = (x_i, 1),
//!
//! with W = Σ ω_i, ỹ_i = 2y_i − 1 and the intercept b unpenalized. sklearn's
//! `LogisticRegression(C)` is λ = 1/(C n).

use crate::error::{Error, Result, check};
use crate::estimator::{
    Certificate, Diagnostics, Fit, Fitted, ParamGuard, Predict, RegressionData, Stop, seconds_since,
};
use crate::linalg::{Cholesky, log1pexp, sigmoid, sym_eigen};
use faer::{MatMut, MatRef, Par};
use nalgebra::{DMatrix, DVector};

/// Gradient tolerance the baseline must reach (‖∇J‖_∞), per the issue.
pub const GRADIENT_TOLERANCE: f64 = 1e-10;
const MAX_NEWTON: usize = 100;

/// Parameters of the baseline fit (builder; unchecked).
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticParams {
    lambda: f64,
    weights: Option<Vec<f64>>,
    standardize: bool,
    feature_names: Option<Vec<String>>,
}

/// Checked [`LogisticParams`]: [`Fit`] on [`RegressionData`] (a design and 0/1 labels).
#[derive(Debug, Clone, PartialEq)]
pub struct Logistic {
    lambda: f64,
    weights: Option<Vec<f64>>,
    standardize: bool,
    feature_names: Option<Vec<String>>,
}

impl LogisticParams {
    /// Ridge strength λ of J (λ = 0: plain maximum likelihood, checked for separation).
    pub fn new(lambda: f64) -> Self {
        Self {
            lambda,
            weights: None,
            standardize: false,
            feature_names: None,
        }
    }

    /// Observation weights ω_i (finite, ≥ 0, positive total; one per row of the data). The loss
    /// is normalized by W = Σ ω_i, so integer weights are equivalent to duplicating rows.
    pub fn weights(mut self, w: Vec<f64>) -> Self {
        self.weights = Some(w);
        self
    }

    /// Standardize each feature by its (weighted) mean and population SD before fitting, as
    /// sklearn's `StandardScaler` does; new points are transformed the same way.
    pub fn standardize(mut self, yes: bool) -> Self {
        self.standardize = yes;
        self
    }

    /// Feature names, used only to name a degenerate column in an error.
    pub fn feature_names(mut self, names: Vec<String>) -> Self {
        self.feature_names = Some(names);
        self
    }
}

impl ParamGuard for LogisticParams {
    type Checked = Logistic;
    fn check(&self) -> Result<Logistic> {
        check::non_negative("l2", self.lambda)?;
        if let Some(w) = &self.weights {
            if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(Error::param(
                    "weights",
                    format!("{} at row {i}", w[i]),
                    "must be finite and >= 0",
                ));
            }
            let total: f64 = w.iter().sum();
            if total <= 0.0 {
                return Err(Error::param(
                    "weights",
                    total,
                    "the total weight must be > 0",
                ));
            }
        }
        Ok(Logistic {
            lambda: self.lambda,
            weights: self.weights.clone(),
            standardize: self.standardize,
            feature_names: self.feature_names.clone(),
        })
    }
}

impl Fit<RegressionData> for Logistic {
    type Fitted = LogisticFit;
    /// Fit θ* = argmin J on the design x (n × p) and labels y (0/1).
    fn fit(&self, data: &RegressionData) -> Result<LogisticFit> {
        let start = std::time::Instant::now();
        let obj = self.objective(data.x(), data.y())?;
        newton_fit(&obj, start)
    }
}

impl Logistic {
    fn name(&self, j: usize) -> String {
        match &self.feature_names {
            Some(v) if j < v.len() => format!("`{}` (column {j})", v[j]),
            _ => format!("column {j}"),
        }
    }

    /// Validate the data and build the objective (design with intercept column, weights).
    fn objective(&self, x: &DMatrix<f64>, y: &DVector<f64>) -> Result<Objective> {
        let lambda = self.lambda;
        let (n, p) = x.shape();
        if n == 0 {
            return Err(Error::InvalidData("no rows".into()));
        }
        if p == 0 {
            return Err(Error::InvalidData("no feature columns".into()));
        }
        if y.len() != n {
            return Err(Error::DimensionMismatch {
                what: "target length vs rows of x",
                expected: n,
                got: y.len(),
            });
        }
        check::all_finite("x", x.as_slice())?;
        check::all_finite("y", y.as_slice())?;
        if let Some(i) = y.iter().position(|&v| v != 0.0 && v != 1.0) {
            return Err(Error::param(
                "y",
                format!("{} at row {i}", y[i]),
                "labels must be 0 or 1",
            ));
        }
        let omega = match &self.weights {
            None => vec![1.0; n],
            Some(w) => {
                if w.len() != n {
                    return Err(Error::DimensionMismatch {
                        what: "weights length vs rows",
                        expected: n,
                        got: w.len(),
                    });
                }
                w.clone()
            }
        };
        let total: f64 = omega.iter().sum();
        let wn: Vec<f64> = omega.iter().map(|v| v / total).collect();
        let has = |label: f64| {
            wn.iter()
                .zip(y.iter())
                .any(|(w, v)| *w > 0.0 && *v == label)
        };
        if !has(0.0) || !has(1.0) {
            let cls = if has(1.0) { 1 } else { 0 };
            return Err(Error::NotIdentifiable(format!(
                "the target has a single class (every weighted row is {cls}): the intercept diverges"
            )));
        }
        let mut center = vec![0.0; p];
        let mut scale = vec![1.0; p];
        for j in 0..p {
            let col = x.column(j);
            let m: f64 = col.iter().zip(&wn).map(|(v, w)| v * w).sum();
            let var: f64 = col
                .iter()
                .zip(&wn)
                .map(|(v, w)| w * (v - m) * (v - m))
                .sum();
            let sd = var.sqrt();
            // A zero-variance column divides by zero when standardized, and at λ = 0 it is
            // collinear with the intercept; either way it cannot be estimated.
            if sd <= 1e-12 * m.abs().max(1e-300) || sd == 0.0 {
                if self.standardize || lambda == 0.0 {
                    return Err(Error::NotIdentifiable(format!(
                        "feature {} is constant (value {m}): drop it{}",
                        self.name(j),
                        if self.standardize {
                            " (standardizing divides by its zero SD)"
                        } else {
                            ""
                        }
                    )));
                }
            } else if self.standardize {
                center[j] = m;
                scale[j] = sd;
            }
        }
        let d = p + 1;
        let a = DMatrix::from_fn(n, d, |i, j| {
            if j < p {
                (x[(i, j)] - center[j]) / scale[j]
            } else {
                1.0
            }
        });
        if lambda == 0.0 {
            let positive = wn.iter().filter(|&&w| w > 0.0).count();
            if positive <= d {
                return Err(Error::param(
                    "l2",
                    0,
                    format!(
                        "with {positive} weighted rows and {d} coefficients the optimum is not unique; use l2 > 0"
                    ),
                ));
            }
            // Collinear columns make the unpenalized Hessian singular whatever θ is: look at the
            // weighted Gram matrix of the (column-scaled) design.
            let norms: Vec<f64> = (0..d).map(|j| a.column(j).norm().max(1e-300)).collect();
            let b = DMatrix::from_fn(n, d, |i, j| {
                a[(i, j)] * wn[i].sqrt() / norms[j] * (n as f64).sqrt()
            });
            let g = b.tr_mul(&b) / n as f64;
            let (vals, vecs) = sym_eigen(&g)?;
            if vals[0] <= 1e-10 * vals[d - 1] {
                let involved: Vec<String> = (0..d)
                    .filter(|&j| vecs[(j, 0)].abs() > 0.1)
                    .map(|j| {
                        if j == p {
                            "intercept".to_string()
                        } else {
                            self.name(j)
                        }
                    })
                    .collect();
                return Err(Error::NotIdentifiable(format!(
                    "collinear features ({}): the l2 = 0 fit is not unique; drop one or use l2 > 0",
                    involved.join(", ")
                )));
            }
        }
        Ok(Objective {
            a,
            y: y.as_slice().to_vec(),
            w: wn,
            lambda,
            p,
            center,
            scale,
        })
    }
}

/// The training objective J on a fixed design (intercept column appended, weights normalized to
/// sum to one). Shared by the baseline fit and the level-set solvers.
#[derive(Debug, Clone)]
pub struct Objective {
    /// n × (p+1) design a_i = (standardized x_i, 1), column-major.
    pub(crate) a: DMatrix<f64>,
    pub(crate) y: Vec<f64>,
    /// ω_i / W.
    pub(crate) w: Vec<f64>,
    pub(crate) lambda: f64,
    /// Number of penalized coordinates (the features); the last coordinate is the intercept.
    pub(crate) p: usize,
    center: Vec<f64>,
    scale: Vec<f64>,
}

/// Per-thread scratch for objective evaluations.
pub(crate) struct Workspace {
    pub s: DVector<f64>,
    pub b: DMatrix<f64>,
    pub h: DMatrix<f64>,
    pub g: DVector<f64>,
}

impl Workspace {
    pub(crate) fn new(n: usize, d: usize) -> Self {
        Self {
            s: DVector::zeros(n),
            b: DMatrix::zeros(n, d),
            h: DMatrix::zeros(d, d),
            g: DVector::zeros(d),
        }
    }
}

/// log(1 + e^x) − log(1 + e^{x0}) without cancellation when x ≈ x0:
/// (1 + e^x)/(1 + e^{x0}) = 1 + σ(x0)(e^{x−x0} − 1).
fn log1pexp_diff(x: f64, x0: f64) -> f64 {
    let dx = x - x0;
    if dx.abs() < 30.0 {
        (sigmoid(x0) * dx.exp_m1()).ln_1p()
    } else {
        log1pexp(x) - log1pexp(x0)
    }
}

impl Objective {
    /// Rows n.
    pub fn n(&self) -> usize {
        self.a.nrows()
    }

    /// Coefficients d = p + 1 (features then intercept).
    pub fn dim(&self) -> usize {
        self.a.ncols()
    }

    /// The design row a_i.
    pub fn row(&self, i: usize) -> DVector<f64> {
        self.a.row(i).transpose()
    }

    /// The full design A (n × (p+1)), intercept column last.
    pub fn design(&self) -> &DMatrix<f64> {
        &self.a
    }

    /// The design rows a_i of the listed rows (k × (p+1)).
    pub fn design_rows(&self, rows: &[usize]) -> Result<DMatrix<f64>> {
        let n = self.n();
        if let Some(&r) = rows.iter().find(|&&r| r >= n) {
            return Err(Error::param(
                "rows",
                r,
                format!("must be < {n}, the number of rows"),
            ));
        }
        Ok(DMatrix::from_fn(rows.len(), self.dim(), |k, j| {
            self.a[(rows[k], j)]
        }))
    }

    /// λ.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// Labels (0/1).
    pub fn labels(&self) -> &[f64] {
        &self.y
    }

    /// a = (standardized x, 1) for a new point on the original feature scale.
    pub fn design_row(&self, x: &[f64]) -> Result<DVector<f64>> {
        if x.len() != self.p {
            return Err(Error::DimensionMismatch {
                what: "features of a new point",
                expected: self.p,
                got: x.len(),
            });
        }
        check::all_finite("x", x)?;
        Ok(DVector::from_fn(self.p + 1, |j, _| {
            if j < self.p {
                (x[j] - self.center[j]) / self.scale[j]
            } else {
                1.0
            }
        }))
    }

    fn penalty(&self, theta: &DVector<f64>) -> f64 {
        0.5 * self.lambda * theta.rows(0, self.p).norm_squared()
    }

    /// J(θ); leaves the scores Aθ in `ws.s`.
    pub(crate) fn value(&self, theta: &DVector<f64>, ws: &mut Workspace) -> f64 {
        ws.s.gemv(1.0, &self.a, theta, 0.0);
        let mut loss = 0.0;
        for i in 0..self.n() {
            // log(1 + e^{−ỹ s}) = log1pexp(s) − y s for y ∈ {0, 1}
            let s = ws.s[i];
            let yt = 2.0 * self.y[i] - 1.0;
            loss += self.w[i] * log1pexp(-yt * s);
        }
        loss + self.penalty(theta)
    }

    /// J(θ) − J(θ0) accurate to rounding of each per-row difference (not of J itself), which is
    /// what the root in ε needs when ε_abs is many orders below J*. `s0` are the scores Aθ0.
    pub(crate) fn value_diff(
        &self,
        theta: &DVector<f64>,
        theta0: &DVector<f64>,
        s0: &DVector<f64>,
        ws: &mut Workspace,
    ) -> f64 {
        ws.s.gemv(1.0, &self.a, theta, 0.0);
        let mut d = 0.0;
        for i in 0..self.n() {
            let yt = 2.0 * self.y[i] - 1.0;
            d += self.w[i] * log1pexp_diff(-yt * ws.s[i], -yt * s0[i]);
        }
        let mut pen = 0.0;
        for j in 0..self.p {
            pen += (theta[j] - theta0[j]) * (theta[j] + theta0[j]);
        }
        d + 0.5 * self.lambda * pen
    }

    /// ∇J(θ) into `ws.g` and, if `hessian`, the lower triangle of ∇²J(θ) = Aᵀ D A + λP into
    /// `ws.h` (the strict upper triangle is left stale).
    pub(crate) fn grad_hess(&self, theta: &DVector<f64>, ws: &mut Workspace, hessian: bool) {
        let (n, d) = self.a.shape();
        ws.s.gemv(1.0, &self.a, theta, 0.0);
        // reuse s as the residual vector w_i (σ_i − y_i), b's rows as sqrt(w_i σ_i(1−σ_i)) a_i
        for i in 0..n {
            let pr = sigmoid(ws.s[i]);
            if hessian {
                let r = (self.w[i] * pr * (1.0 - pr)).sqrt();
                for j in 0..d {
                    ws.b[(i, j)] = r * self.a[(i, j)];
                }
            }
            ws.s[i] = self.w[i] * (pr - self.y[i]);
        }
        ws.g.gemv_tr(1.0, &self.a, &ws.s, 0.0);
        for j in 0..self.p {
            ws.g[j] += self.lambda * theta[j];
        }
        if hessian {
            let bv = MatRef::from_column_major_slice(ws.b.as_slice(), n, d);
            let hv = MatMut::from_column_major_slice_mut(ws.h.as_mut_slice(), d, d);
            // Only the lower triangle: the Cholesky factorizations read nothing else, and the
            // Hessian build is the dominant cost of every Newton step (spec §2.3).
            crate::linalg::gram_lower(hv, bv, Par::Seq);
            for j in 0..self.p {
                ws.h[(j, j)] += self.lambda;
            }
        }
    }

    /// ∇J(θ).
    pub fn gradient(&self, theta: &DVector<f64>) -> DVector<f64> {
        let mut ws = Workspace::new(self.n(), self.dim());
        self.grad_hess(theta, &mut ws, false);
        ws.g
    }

    /// ∇²J(θ).
    pub fn hessian(&self, theta: &DVector<f64>) -> DMatrix<f64> {
        let mut ws = Workspace::new(self.n(), self.dim());
        self.grad_hess(theta, &mut ws, true);
        ws.h.fill_upper_triangle_with_lower_triangle();
        ws.h
    }

    /// J(θ).
    pub fn objective(&self, theta: &DVector<f64>) -> f64 {
        let mut ws = Workspace::new(self.n(), self.dim());
        self.value(theta, &mut ws)
    }
}

/// The fitted baseline θ* with its diagnostics.
#[derive(Debug, Clone)]
pub struct LogisticFit {
    /// The objective the fit minimized (design, weights, λ, standardization).
    pub objective: Objective,
    /// θ* = (w*, b*) on the standardized scale when standardizing.
    pub theta: DVector<f64>,
    /// J* = J(θ*).
    pub j_star: f64,
    /// Baseline scores s0_i = a_iᵀθ* of the training rows.
    pub scores: DVector<f64>,
    /// Newton steps to the returned θ*; its certificate ‖∇J(θ*)‖_∞ against
    /// [`GRADIENT_TOLERANCE`].
    diagnostics: Diagnostics,
}

impl Fitted for LogisticFit {
    fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

impl Predict for LogisticFit {
    type Output = DVector<f64>;
    /// Baseline probabilities σ(a(x)ᵀθ*) of new rows on the original feature scale (each row
    /// standardized as the training rows were).
    fn predict(&self, x: &DMatrix<f64>) -> Result<DVector<f64>> {
        let mut out = DVector::zeros(x.nrows());
        let mut row = vec![0.0; x.ncols()];
        for i in 0..x.nrows() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = x[(i, j)];
            }
            out[i] = sigmoid(self.objective.design_row(&row)?.dot(&self.theta));
        }
        Ok(out)
    }
}

impl LogisticFit {
    /// ‖∇J(θ*)‖_∞ (≤ [`GRADIENT_TOLERANCE`]; the certificate's norm, which is the only
    /// certificate this fit gives, so the NaN arm is never taken).
    pub fn gradient_norm(&self) -> f64 {
        match self.diagnostics.certificate {
            Certificate::GradientNorm { norm, .. } => norm,
            _ => f64::NAN,
        }
    }

    /// Baseline probabilities p0_i = σ(s0_i) of the training rows.
    pub fn probabilities(&self) -> Vec<f64> {
        self.scores.iter().map(|&s| sigmoid(s)).collect()
    }

    /// Training accuracy at threshold 0.5 (unweighted).
    pub fn accuracy(&self) -> f64 {
        let ok = self
            .scores
            .iter()
            .zip(&self.objective.y)
            .filter(|(s, y)| (**s >= 0.0) == (**y == 1.0))
            .count();
        ok as f64 / self.scores.len() as f64
    }
}

/// Damped Newton with Armijo backtracking on J, polished past the tolerance so that J* is exact
/// to rounding (ε_abs may be 1e-12 J*). At λ = 0, an iterate with every margin ỹ_i a_iᵀθ > 0 is a
/// certificate of complete separation (no maximizer of the likelihood exists).
fn newton_fit(obj: &Objective, start: std::time::Instant) -> Result<LogisticFit> {
    let (n, d) = obj.a.shape();
    let mut ws = Workspace::new(n, d);
    let mut theta = DVector::zeros(d);
    let pos: f64 = obj.w.iter().zip(&obj.y).map(|(w, y)| w * y).sum();
    theta[d - 1] = (pos / (1.0 - pos)).ln();
    let mut j = obj.value(&theta, &mut ws);
    let mut prev = f64::INFINITY;
    let mut best = (f64::INFINITY, theta.clone(), j, 0);
    for it in 0..MAX_NEWTON {
        obj.grad_hess(&theta, &mut ws, true);
        let gnorm = ws.g.amax();
        if gnorm < best.0 {
            best = (gnorm, theta.clone(), j, it);
        }
        // Polish past the tolerance until the gradient stops shrinking (rounding floor).
        if gnorm <= 1e-15 || (gnorm <= GRADIENT_TOLERANCE && gnorm >= 0.5 * prev) {
            break;
        }
        prev = gnorm;
        let chol = Cholesky::new(&ws.h, "logistic Hessian")?;
        let step = chol.solve(&ws.g);
        let dec = ws.g.dot(&step);
        if dec < 1e-8 {
            // Quadratic-convergence region: Armijo on J values that differ by less than
            // rounding would stall, so take the full step and judge it by the gradient.
            theta -= &step;
            j = obj.value(&theta, &mut ws);
        } else {
            let mut t = 1.0;
            let mut accepted = false;
            for _ in 0..60 {
                let cand = &theta - t * &step;
                let jc = obj.value(&cand, &mut ws);
                if jc <= j - 0.25 * t * dec {
                    theta = cand;
                    j = jc;
                    accepted = true;
                    break;
                }
                t *= 0.5;
            }
            if !accepted {
                break;
            }
        }
        if obj.lambda == 0.0 {
            separation_check(obj, &theta, &mut ws)?;
        }
    }
    let (gnorm, theta, j, it) = best;
    if gnorm <= GRADIENT_TOLERANCE {
        return finish(obj, theta, j, gnorm, it, &mut ws, start);
    }
    if obj.lambda == 0.0 {
        return Err(Error::NotIdentifiable(format!(
            "quasi-complete separation suspected: Newton did not reach ‖∇J‖ <= 1e-10 (got {gnorm:e}, ‖θ‖ = {:e}); \
             no maximum-likelihood estimate exists at l2 = 0, use l2 > 0",
            theta.norm()
        )));
    }
    Err(Error::NotConverged {
        solver: "logistic Newton",
        iterations: MAX_NEWTON,
        residual: gnorm,
    })
}

fn separation_check(obj: &Objective, theta: &DVector<f64>, ws: &mut Workspace) -> Result<()> {
    ws.s.gemv(1.0, &obj.a, theta, 0.0);
    let min_margin = (0..obj.n())
        .filter(|&i| obj.w[i] > 0.0)
        .map(|i| (2.0 * obj.y[i] - 1.0) * ws.s[i])
        .fold(f64::INFINITY, f64::min);
    if min_margin > 0.0 {
        return Err(Error::NotIdentifiable(format!(
            "the classes are linearly separable (a θ with every margin >= {min_margin:.3e} > 0 was found): \
             no maximum-likelihood estimate exists at l2 = 0, use l2 > 0"
        )));
    }
    Ok(())
}

fn finish(
    obj: &Objective,
    theta: DVector<f64>,
    j: f64,
    gnorm: f64,
    it: usize,
    ws: &mut Workspace,
    start: std::time::Instant,
) -> Result<LogisticFit> {
    if obj.lambda == 0.0 {
        separation_check(obj, &theta, ws)?;
    }
    let scores = &obj.a * &theta;
    Ok(LogisticFit {
        objective: obj.clone(),
        theta,
        j_star: j,
        scores,
        diagnostics: Diagnostics {
            iterations: it,
            stop: Stop::Converged,
            certificate: Certificate::GradientNorm {
                norm: gnorm,
                target: GRADIENT_TOLERANCE,
            },
            fit_seconds: seconds_since(start),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accurate_difference_matches_direct_difference() {
        for &(x, x0) in &[(0.3, 0.2), (-40.0, -39.0), (35.0, 36.0), (1.0, 50.0)] {
            let direct = log1pexp(x) - log1pexp(x0);
            assert!(
                (log1pexp_diff(x, x0) - direct).abs() <= 1e-12 * direct.abs(),
                "{x} {x0}"
            );
        }
        // For a tiny step the difference is σ(x0) dx + σ(x0)(1−σ(x0)) dx²/2 + O(dx³), which the
        // naive difference of logs would get with only ~7 correct digits.
        let x0 = -3.0_f64;
        let x = x0 + 1e-9;
        let dx = x - x0; // exact (Sterbenz)
        let s = sigmoid(x0);
        let expect = s * dx + 0.5 * s * (1.0 - s) * dx * dx;
        assert!((log1pexp_diff(x, x0) - expect).abs() <= 1e-14 * expect);
    }

    #[test]
    fn gradient_and_hessian_match_finite_differences() {
        let x = DMatrix::from_fn(30, 3, |i, j| ((i * 7 + j * 11) % 13) as f64 / 6.0 - 1.0);
        let y = DVector::from_fn(30, |i, _| ((i * 5) % 3 == 0) as u8 as f64);
        let fit = LogisticParams::new(0.05)
            .standardize(true)
            .fit(&RegressionData::new(x, y).unwrap())
            .unwrap();
        assert!(fit.gradient_norm() <= GRADIENT_TOLERANCE);
        let obj = &fit.objective;
        let th = DVector::from_vec(vec![0.3, -0.2, 0.5, 0.1]);
        let g = obj.gradient(&th);
        let h = obj.hessian(&th);
        for k in 0..4 {
            let e = DVector::from_fn(4, |j, _| if j == k { 1e-6 } else { 0.0 });
            let fd = (obj.objective(&(&th + &e)) - obj.objective(&(&th - &e))) / 2e-6;
            assert!((fd - g[k]).abs() < 1e-7, "grad {k}");
            let gd = (obj.gradient(&(&th + &e)) - obj.gradient(&(&th - &e))) / 2e-6;
            assert!((gd - h.column(k)).amax() < 1e-6, "hess {k}");
        }
    }
}
