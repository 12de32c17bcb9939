//! Non-interactive LDP sparse linear regression (Zhu et al. 2024, Algorithm 1; spec §1a–1b).

use super::fit::{LdpFit, Method, check_data, check_matrix, positive, truncate};
use crate::device::Device;
use crate::device::philox::PhiloxKey;
use crate::error::{Error, Result};
use crate::estimator::{Fit, ParamGuard, RegressionData};
use crate::ldp::kernels::messages::{LdpMessages, MessageSums};
use crate::ldp::mechanisms::{analytic_gaussian_sigma, classic_gaussian_sigma};
use crate::ldp::privacy::{Privacy, check_delta, check_epsilon};
use crate::linalg::{soft_threshold, sym_eigen};
use crate::rng::{self, Rng};
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde_json::json;
use std::time::Instant;

/// How the privacy noise is produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoiseMode {
    /// Every user perturbs their own messages (the protocol as deployed).
    PerUser,
    /// Exact simulation shortcut: a sum of n iid N(0, σ²) symmetric matrices is N(0, nσ²)
    /// symmetric, so the aggregate noise is drawn once in O(d²) (spec §4). Same distribution
    /// of the released statistics as `PerUser`.
    Aggregate,
    /// **Testing only: no privacy.** The non-private elementary estimator on truncated data.
    Off,
}

/// Sufficient statistics of the truncated data: n, Σ_i x̄_i x̄_iᵀ and Σ_i x̃_i ỹ_i.
#[derive(Debug, Clone)]
pub struct Moments {
    /// Number of users.
    pub n: u64,
    /// Σ x̄ x̄ᵀ (x̄: truncated, then shrunk into the ℓ2 ball of radius r when r is set).
    pub xx: DMatrix<f64>,
    /// Σ x̃ ỹ.
    pub xy: DVector<f64>,
}

/// Non-interactive (ε, δ)-LDP sparse regression: the unchecked parameters.
///
/// Build with [`NldpParams::new`], adjust with the setters, `check()` into an [`Nldp`], then
/// fit users' data ([`Fit::fit`], [`Nldp::fit_with`], [`Nldp::fit_on`]) or sufficient
/// statistics ([`Nldp::fit_moments`]); [`NldpParams::with_public_covariates`] gives the
/// public-covariate variant.
///
/// Noise (Gaussian mechanism, per message (ε/2, δ/2), §1a step 4): the covariance message
/// lives in a set of ℓ2 (Frobenius) diameter Δ₁ = 2dτ₁² (2r² with ℓ2 shrinkage), the cross
/// moment in one of diameter Δ₂ = 2√d τ₁τ₂. Classic calibration gives
/// σ₁² = 32 d²τ₁⁴ ln(2.5/δ)/ε², σ₂² = 32 dτ₁²τ₂² ln(2.5/δ)/ε² (valid while ε/2 < 1; beyond,
/// the analytic calibration is used). The public variant spends the whole (ε, δ) on x̃ỹ.
///
/// Server: Σ̇ = U max(Λ, κ) Uᵀ (eigenvalue floor, default κ = 2σ₁√d/√n, the operator-norm
/// scale of the averaged noise), θ̂ = S_λ(Σ̇⁻¹ŝ) (§1a step 7). The default λ is the
/// high-probability bound on ‖Σ̇⁻¹ŝ − θ*‖_∞ that the analysis sets λ_n to (§1a step 8):
/// ‖N̄₁θ*‖_∞ ≤ ‖N̄₁‖_max‖θ*‖₁ and a union bound over the d(d+1)/2 entries of N̄₁ and the d
/// entries of N̄₂ give
/// λ = c·(σ₁R√(2 ln(d(d+1))) + σ₂√(2 ln 2d))/(√n λ_min(Σ̇)), c = 1, R ≥ ‖θ*‖₁,
/// so ‖θ̂ − θ*‖₂ ≤ 4√k λ = Õ(d√k/(√n ε)); the public variant has σ₁ = 0 and
/// λ = Õ(√d/(√n ε)).
#[derive(Debug, Clone)]
pub struct NldpParams {
    epsilon: f64,
    delta: f64,
    tau1: f64,
    tau2: f64,
    radius: Option<f64>,
    lambda: Option<f64>,
    lambda_scale: f64,
    l1_bound: f64,
    floor: Option<f64>,
    noise: NoiseMode,
    seed: u64,
}

/// Non-interactive (ε, δ)-LDP sparse regression with checked parameters ([`NldpParams`]).
#[derive(Debug, Clone)]
pub struct Nldp(NldpParams);

/// What the server computed (the `details` of an NLDP [`LdpFit`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct NldpDetails {
    /// Noise SD of each covariance entry per user (0 for the public variant).
    pub sigma1: f64,
    /// Noise SD of each cross-moment entry per user.
    pub sigma2: f64,
    /// `classic` or `analytic`.
    pub calibration: &'static str,
    /// Soft threshold used.
    pub lambda: f64,
    /// Eigenvalue floor κ.
    pub floor: f64,
    /// Smallest eigenvalue of Σ̂ before flooring.
    pub min_eigenvalue: f64,
    /// Eigenvalues raised to κ.
    pub floored: usize,
    /// Users.
    pub n: u64,
}

impl NldpParams {
    /// Defaults: τ₁ = 4, τ₂ = 8 (the ULDP-SL settings), no ℓ2 shrinkage, c = 1, R = 1,
    /// per-user noise, seed 0.
    pub fn new(epsilon: f64, delta: f64) -> Self {
        Self {
            epsilon,
            delta,
            tau1: 4.0,
            tau2: 8.0,
            radius: None,
            lambda: None,
            lambda_scale: 1.0,
            l1_bound: 1.0,
            floor: None,
            noise: NoiseMode::PerUser,
            seed: 0,
        }
    }
    /// Truncation levels τ₁ (covariates) and τ₂ (response).
    pub fn tau(mut self, tau1: f64, tau2: f64) -> Self {
        self.tau1 = tau1;
        self.tau2 = tau2;
        self
    }
    /// ℓ2 shrinkage radius r of x̄ in the covariance message (e.g. √(d ln n)).
    pub fn radius(mut self, r: f64) -> Self {
        self.radius = Some(r);
        self
    }
    /// A fixed soft threshold λ instead of the default rule.
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = Some(lambda);
        self
    }
    /// Constant c of the default λ rule.
    pub fn lambda_scale(mut self, c: f64) -> Self {
        self.lambda_scale = c;
        self
    }
    /// Bound R ≥ ‖θ*‖₁ used by the default λ rule.
    pub fn l1_bound(mut self, r: f64) -> Self {
        self.l1_bound = r;
        self
    }
    /// Eigenvalue floor κ.
    pub fn floor(mut self, kappa: f64) -> Self {
        self.floor = Some(kappa);
        self
    }
    /// Noise mode (per user, aggregate shortcut, or off for testing).
    pub fn noise(mut self, mode: NoiseMode) -> Self {
        self.noise = mode;
        self
    }
    /// Seed of [`Fit::fit`]'s privacy noise (stream `rng::stream(seed, Nldp::LABEL, 0)`).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// The public-covariate variant (§1b) with public unlabeled covariates `x_public` (m × d).
    pub fn with_public_covariates(self, x_public: DMatrix<f64>) -> PublicNldpParams {
        PublicNldpParams {
            nldp: self,
            x_public,
        }
    }

    fn validate(&self) -> Result<()> {
        check_epsilon(self.epsilon)?;
        check_delta(self.delta)?;
        positive("tau1", self.tau1)?;
        positive("tau2", self.tau2)?;
        if let Some(r) = self.radius {
            positive("radius", r)?;
        }
        if let Some(l) = self.lambda {
            crate::error::check::non_negative("lambda", l)?;
        }
        crate::error::check::non_negative("lambda_scale", self.lambda_scale)?;
        positive("l1_bound", self.l1_bound)?;
        if let Some(k) = self.floor {
            positive("floor", k)?;
        }
        Ok(())
    }
}

impl ParamGuard for NldpParams {
    type Checked = Nldp;
    /// Every parameter in its domain: ε > 0 (finite), δ ∈ (0, 1), τ₁, τ₂, r, R, κ > 0,
    /// λ, c ≥ 0.
    fn check(&self) -> Result<Nldp> {
        self.validate()?;
        Ok(Nldp(self.clone()))
    }
}

impl Fit<RegressionData> for Nldp {
    type Fitted = LdpFit;
    /// [`Nldp::fit_with`] on `rng::stream(seed, Nldp::LABEL, 0)`.
    fn fit(&self, data: &RegressionData) -> Result<LdpFit> {
        self.fit_with(data, &mut rng::stream(self.0.seed, Self::LABEL, 0))
    }
}

impl Nldp {
    /// The label of [`Fit::fit`]'s random stream.
    pub const LABEL: &'static str = "ldp-nldp";

    /// The checked parameters.
    pub fn params(&self) -> &NldpParams {
        &self.0
    }

    /// Per-user guarantee: two messages at (ε/2, δ/2) compose sequentially to (ε, δ); the
    /// public variant sends one message at (ε, δ).
    pub fn privacy(&self, public: bool) -> Result<Privacy> {
        let p = Privacy::approximate(self.0.epsilon, self.0.delta)?;
        if public {
            Ok(p)
        } else {
            Privacy::sequential(&[p.split(2)?, p.split(2)?])
        }
    }

    fn sigma(eps: f64, delta: f64, sensitivity: f64) -> Result<(f64, &'static str)> {
        if eps < 1.0 {
            Ok((classic_gaussian_sigma(eps, delta, sensitivity)?, "classic"))
        } else {
            Ok((
                analytic_gaussian_sigma(eps, delta, sensitivity)?,
                "analytic",
            ))
        }
    }

    /// (σ₁, σ₂, calibration) for dimension d.
    pub fn noise_scales(&self, d: usize, public: bool) -> Result<(f64, f64, &'static str)> {
        let df = d as f64;
        let d1 = 2.0
            * self
                .0
                .radius
                .map_or(df * self.0.tau1 * self.0.tau1, |r| r * r);
        let d2 = 2.0 * df.sqrt() * self.0.tau1 * self.0.tau2;
        if public {
            let (s2, c) = Self::sigma(self.0.epsilon, self.0.delta, d2)?;
            return Ok((0.0, s2, c));
        }
        let (s1, c) = Self::sigma(self.0.epsilon / 2.0, self.0.delta / 2.0, d1)?;
        let (s2, _) = Self::sigma(self.0.epsilon / 2.0, self.0.delta / 2.0, d2)?;
        Ok((s1, s2, c))
    }

    /// The truncated covariate x̃ (entries clipped at τ₁) and its shrunk version x̄.
    fn user_features(&self, x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let xt: Vec<f64> = x.iter().map(|v| truncate(*v, self.0.tau1)).collect();
        let xb = match self.0.radius {
            Some(r) => {
                let norm = xt.iter().map(|v| v * v).sum::<f64>().sqrt();
                if norm > r {
                    xt.iter().map(|v| v * r / norm).collect()
                } else {
                    xt.clone()
                }
            }
            None => xt.clone(),
        };
        (xt, xb)
    }

    /// The local randomizer run on user i's device: (upper triangle, row-major with the
    /// diagonal, of x̄x̄ᵀ + N₁; x̃ỹ + N₂). With `public` only the second message is sent (the
    /// first is empty).
    pub fn user_message(
        &self,
        x: &[f64],
        y: f64,
        public: bool,
        rng: &mut Rng,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        crate::error::check::all_finite("x", x)?;
        crate::error::check::finite("y", y)?;
        let (s1, s2, _) = self.noise_scales(x.len(), public)?;
        Ok(self.message_with(x, y, public, s1, s2, rng))
    }

    fn message_with(
        &self,
        x: &[f64],
        y: f64,
        public: bool,
        s1: f64,
        s2: f64,
        rng: &mut Rng,
    ) -> (Vec<f64>, Vec<f64>) {
        let d = x.len();
        let (xt, xb) = self.user_features(x);
        let yt = truncate(y, self.0.tau2);
        let off = self.0.noise == NoiseMode::Off;
        let mut noise = |s: f64| if off { 0.0 } else { s * gauss(rng) };
        let mut a = Vec::new();
        if !public {
            a.reserve(d * (d + 1) / 2);
            for j in 0..d {
                for l in j..d {
                    a.push(xb[j] * xb[l] + noise(s1));
                }
            }
        }
        let b: Vec<f64> = xt.iter().map(|v| v * yt + noise(s2)).collect();
        (a, b)
    }

    /// Sufficient statistics of the truncated data (no noise).
    pub fn moments(&self, x: &DMatrix<f64>, y: &DVector<f64>) -> Result<Moments> {
        check_data(x, y)?;
        let (n, d) = x.shape();
        // Users as columns (d × n) so each user's features are contiguous.
        let xr = x.transpose();
        let mut xt = DMatrix::zeros(d, n);
        let mut xb = DMatrix::zeros(d, n);
        for i in 0..n {
            let (t, b) = self.user_features(&xr.as_slice()[i * d..(i + 1) * d]);
            xt.column_mut(i).copy_from_slice(&t);
            xb.column_mut(i).copy_from_slice(&b);
        }
        let yt = y.map(|v| truncate(v, self.0.tau2));
        Ok(Moments {
            n: n as u64,
            xx: &xb * xb.transpose(),
            xy: &xt * yt,
        })
    }

    /// Fit on users' data, the privacy noise drawn from `rng` (the lower-level form of
    /// [`Fit::fit`], for callers that own the stream).
    pub fn fit_with(&self, data: &RegressionData, rng: &mut Rng) -> Result<LdpFit> {
        self.fit_inner(data.x(), data.y(), None, rng, Instant::now())
    }

    /// `public` = (Σ x̃_pub x̃_pubᵀ, m) selects the public variant.
    fn fit_inner(
        &self,
        x: &DMatrix<f64>,
        y: &DVector<f64>,
        public: Option<(&DMatrix<f64>, u64)>,
        rng: &mut Rng,
        start: Instant,
    ) -> Result<LdpFit> {
        check_data(x, y)?;
        check_public_columns(public, x.ncols())?;
        if self.0.noise != NoiseMode::PerUser {
            let m = self.moments(x, y)?;
            return self.moments_fit(&m, public, rng, start);
        }
        let (n, d) = x.shape();
        let is_public = public.is_some();
        let (s1, s2, _) = self.noise_scales(d, is_public)?;
        // Users are processed in fixed blocks, each with its own stream keyed by a master seed
        // and the block index; block sums are added in block order, so the released sums do
        // not depend on the rayon pool size.
        const BLOCK: usize = 1024;
        let master: u64 = rng.random();
        let tri = d * (d + 1) / 2;
        let xr = x.transpose();
        let blocks: Vec<(Vec<f64>, Vec<f64>)> = (0..n.div_ceil(BLOCK))
            .into_par_iter()
            .map(|b| {
                let mut r = rng::stream(master, "ldp-nldp-user", b as u64);
                let mut sa = vec![0.0; if is_public { 0 } else { tri }];
                let mut sb = vec![0.0; d];
                for i in b * BLOCK..((b + 1) * BLOCK).min(n) {
                    let row = &xr.as_slice()[i * d..(i + 1) * d];
                    let (a, bb) = self.message_with(row, y[i], is_public, s1, s2, &mut r);
                    sa.iter_mut().zip(&a).for_each(|(s, v)| *s += v);
                    sb.iter_mut().zip(&bb).for_each(|(s, v)| *s += v);
                }
                (sa, sb)
            })
            .collect();
        let mut sa = vec![0.0; if is_public { 0 } else { tri }];
        let mut sb = DVector::zeros(d);
        for (a, b) in blocks {
            sa.iter_mut().zip(&a).for_each(|(s, v)| *s += v);
            for j in 0..d {
                sb[j] += b[j];
            }
        }
        let sigma_sum = match public {
            Some((xx, m)) => xx / m as f64 * n as f64,
            None => upper_to_symmetric(&sa, d),
        };
        self.server(sigma_sum, sb, n as u64, public.map(|p| p.1), start)
    }

    /// The users' side of this estimator as the device kernels run it ([`LdpMessages`]:
    /// clipping, shrinkage and the noise scales of [`Nldp::noise_scales`]).
    pub fn messages(&self, d: usize, public: bool) -> Result<LdpMessages> {
        let (s1, s2, _) = self.noise_scales(d, public)?;
        LdpMessages::new(
            d,
            public,
            (self.0.tau1, self.0.tau2),
            self.0.radius,
            (s1, s2),
        )
    }

    /// [`Nldp::fit_with`] with the users' clipping, perturbation and the server's sums computed
    /// on `device` ([`MessageSums`]): user i's Gaussian noise is Philox stream i of `key`, so the
    /// fit is reproducible for a key on any device (the GPU and its CPU twin agree to rounding),
    /// but it is a different noise draw than [`Nldp::fit_with`]'s. Needs per-user noise (the
    /// protocol as deployed; the other modes have no per-user work to offload).
    pub fn fit_on(&self, data: &RegressionData, device: &Device, key: PhiloxKey) -> Result<LdpFit> {
        self.fit_on_inner(data.x(), data.y(), None, device, key, Instant::now())
    }

    fn fit_on_inner(
        &self,
        x: &DMatrix<f64>,
        y: &DVector<f64>,
        public: Option<(&DMatrix<f64>, u64)>,
        device: &Device,
        key: PhiloxKey,
        start: Instant,
    ) -> Result<LdpFit> {
        check_data(x, y)?;
        if self.0.noise != NoiseMode::PerUser {
            return Err(Error::param(
                "noise",
                format!("{:?}", self.0.noise),
                "device kernels run the per-user protocol only",
            ));
        }
        let (n, d) = x.shape();
        check_public_columns(public, d)?;
        let msg = self.messages(d, public.is_some())?;
        // Users as columns (d × n), so each user's features are contiguous.
        let xr = x.transpose();
        let sums = device.run(&MessageSums {
            messages: &msg,
            key,
            x: xr.as_slice(),
            y: y.as_slice(),
        })?;
        let sigma_sum = match public {
            Some((xx, m)) => xx / m as f64 * n as f64,
            None => sums.xx().ok_or_else(|| {
                Error::Numerical("the aggregated messages hold no covariance entries".into())
            })?,
        };
        self.server(sigma_sum, sums.xy(), n as u64, public.map(|p| p.1), start)
    }

    /// Fit from sufficient statistics with the aggregate-noise shortcut (or no noise).
    /// `public` = (Σ x_pub x_pubᵀ over m public rows, m) selects the public variant.
    pub fn fit_moments(
        &self,
        m: &Moments,
        public: Option<(&DMatrix<f64>, u64)>,
        rng: &mut Rng,
    ) -> Result<LdpFit> {
        self.moments_fit(m, public, rng, Instant::now())
    }

    fn moments_fit(
        &self,
        m: &Moments,
        public: Option<(&DMatrix<f64>, u64)>,
        rng: &mut Rng,
        start: Instant,
    ) -> Result<LdpFit> {
        let d = m.xy.len();
        if m.n == 0 {
            return Err(Error::param("n", 0, "need at least one user"));
        }
        if d == 0 || m.xx.shape() != (d, d) {
            return Err(Error::DimensionMismatch {
                what: "moments",
                expected: d,
                got: m.xx.nrows(),
            });
        }
        if self.0.noise == NoiseMode::PerUser {
            return Err(Error::param(
                "noise",
                "per-user",
                "sufficient statistics only support the aggregate shortcut or no noise",
            ));
        }
        let (s1, s2, _) = self.noise_scales(d, public.is_some())?;
        let off = self.0.noise == NoiseMode::Off;
        let sn = (m.n as f64).sqrt();
        let mut xy = m.xy.clone();
        if !off {
            for v in xy.iter_mut() {
                *v += s2 * sn * gauss(rng);
            }
        }
        let sigma_sum = match public {
            Some((xx, mp)) => {
                if xx.shape() != (d, d) {
                    return Err(Error::DimensionMismatch {
                        what: "public moments",
                        expected: d,
                        got: xx.nrows(),
                    });
                }
                xx / mp as f64 * m.n as f64
            }
            None => {
                let mut a = m.xx.clone();
                if !off {
                    for j in 0..d {
                        for l in j..d {
                            let z = s1 * sn * gauss(rng);
                            a[(j, l)] += z;
                            if l != j {
                                a[(l, j)] += z;
                            }
                        }
                    }
                }
                a
            }
        };
        self.server(sigma_sum, xy, m.n, public.map(|p| p.1), start)
    }

    /// Server-side post-processing (§1a steps 5–7).
    fn server(
        &self,
        sigma_sum: DMatrix<f64>,
        s_sum: DVector<f64>,
        n: u64,
        public_m: Option<u64>,
        start: Instant,
    ) -> Result<LdpFit> {
        let d = s_sum.len();
        let nf = n as f64;
        let public = public_m.is_some();
        let (s1, s2, calibration) = self.noise_scales(d, public)?;
        let off = self.0.noise == NoiseMode::Off;
        let (s1, s2) = if off { (0.0, 0.0) } else { (s1, s2) };
        let sigma_hat = sigma_sum / nf;
        let s_hat = s_sum / nf;
        let (vals, vecs) = sym_eigen(&sigma_hat)?;
        let lmax = vals.iter().copied().fold(0.0f64, f64::max);
        let kappa = self.0.floor.unwrap_or_else(|| {
            (2.0 * s1 * (d as f64).sqrt() / nf.sqrt()).max(1e-10 * lmax.max(1e-300))
        });
        let floored = vals.iter().filter(|v| **v < kappa).count();
        let inv: Vec<f64> = vals.iter().map(|v| 1.0 / v.max(kappa)).collect();
        let ut_s = vecs.tr_mul(&s_hat);
        let w = &vecs * DVector::from_fn(d, |j, _| ut_s[j] * inv[j]);
        let lmin_dot = vals
            .iter()
            .map(|v| v.max(kappa))
            .fold(f64::INFINITY, f64::min);
        let lambda = self.0.lambda.unwrap_or_else(|| {
            let df = d as f64;
            let l1 = (2.0 * (df * (df + 1.0)).ln()).sqrt();
            let l2 = (2.0 * (2.0 * df).ln()).sqrt();
            self.0.lambda_scale * (s1 * self.0.l1_bound * l1 + s2 * l2) / (nf.sqrt() * lmin_dot)
        });
        let coef = w.map(|v| soft_threshold(v, lambda));
        if coef.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical("NLDP estimate is not finite".into()));
        }
        let details = NldpDetails {
            sigma1: s1,
            sigma2: s2,
            calibration: if off { "none" } else { calibration },
            lambda,
            floor: kappa,
            min_eigenvalue: vals.iter().copied().fold(f64::INFINITY, f64::min),
            floored,
            n,
        };
        let mut dj = serde_json::to_value(&details).map_err(|e| Error::Numerical(e.to_string()))?;
        dj["tau1"] = json!(self.0.tau1);
        dj["tau2"] = json!(self.0.tau2);
        if let Some(m) = public_m {
            dj["public_rows"] = json!(m);
        }
        let privacy = if off {
            None
        } else {
            Some(self.privacy(public)?)
        };
        let method = if public { Method::Public } else { Method::Nldp };
        Ok(LdpFit::new(method, coef, privacy, dj, 0, start))
    }
}

/// NLDP with public unlabeled covariates (§1b): the unchecked parameters, made by
/// [`NldpParams::with_public_covariates`]. Σ̂ comes from the public rows (truncated at τ₁, no
/// noise); users send only the cross moment, with the whole (ε, δ).
#[derive(Debug, Clone)]
pub struct PublicNldpParams {
    nldp: NldpParams,
    x_public: DMatrix<f64>,
}

/// NLDP with public covariates, checked: the estimator's parameters and the public rows'
/// truncated Gram matrix Σ x̃_pub x̃_pubᵀ.
#[derive(Debug, Clone)]
pub struct PublicNldp {
    nldp: Nldp,
    gram: DMatrix<f64>,
    rows: u64,
}

impl ParamGuard for PublicNldpParams {
    type Checked = PublicNldp;
    /// [`NldpParams`]' checks, and at least one public row, every entry finite.
    fn check(&self) -> Result<PublicNldp> {
        let nldp = self.nldp.check()?;
        let xp = &self.x_public;
        if xp.nrows() == 0 {
            return Err(Error::param("public", "0 rows", "need public covariates"));
        }
        check_matrix("public", xp)?;
        let t = xp.map(|v| truncate(v, self.nldp.tau1));
        Ok(PublicNldp {
            nldp,
            gram: t.tr_mul(&t),
            rows: xp.nrows() as u64,
        })
    }
}

impl Fit<RegressionData> for PublicNldp {
    type Fitted = LdpFit;
    /// [`PublicNldp::fit_with`] on `rng::stream(seed, PublicNldp::LABEL, 0)`.
    fn fit(&self, data: &RegressionData) -> Result<LdpFit> {
        let seed = self.nldp.params().seed;
        self.fit_with(data, &mut rng::stream(seed, Self::LABEL, 0))
    }
}

impl PublicNldp {
    /// The label of [`Fit::fit`]'s random stream.
    pub const LABEL: &'static str = "ldp-public";

    /// The estimator without the public rows.
    pub fn nldp(&self) -> &Nldp {
        &self.nldp
    }

    /// Fit on users' data, the privacy noise drawn from `rng`.
    pub fn fit_with(&self, data: &RegressionData, rng: &mut Rng) -> Result<LdpFit> {
        let public = Some((&self.gram, self.rows));
        self.nldp
            .fit_inner(data.x(), data.y(), public, rng, Instant::now())
    }

    /// [`PublicNldp::fit_with`] with the users' side on `device` ([`Nldp::fit_on`]).
    pub fn fit_on(&self, data: &RegressionData, device: &Device, key: PhiloxKey) -> Result<LdpFit> {
        let public = Some((&self.gram, self.rows));
        self.nldp
            .fit_on_inner(data.x(), data.y(), public, device, key, Instant::now())
    }
}

/// The public Gram matrix must be d × d for users' data with d columns.
fn check_public_columns(public: Option<(&DMatrix<f64>, u64)>, d: usize) -> Result<()> {
    match public {
        Some((g, _)) if g.ncols() != d => Err(Error::DimensionMismatch {
            what: "public covariate columns",
            expected: d,
            got: g.ncols(),
        }),
        _ => Ok(()),
    }
}

fn upper_to_symmetric(a: &[f64], d: usize) -> DMatrix<f64> {
    let mut m = DMatrix::zeros(d, d);
    let mut t = 0;
    for j in 0..d {
        for l in j..d {
            m[(j, l)] = a[t];
            m[(l, j)] = a[t];
            t += 1;
        }
    }
    m
}

fn gauss(rng: &mut Rng) -> f64 {
    StandardNormal.sample(rng)
}

#[cfg(test)]
mod tests {
    //! The device kernels' users' side ([`LdpMessages`]) against this estimator.
    use super::*;

    /// The NLDP protocol's messages at (ε, δ) = (0.5, 1e-5), τ = (1.5, 2) and radius r.
    fn nldp_messages(d: usize, public: bool, radius: Option<f64>) -> LdpMessages {
        let mut p = NldpParams::new(0.5, 1e-5).tau(1.5, 2.0);
        if let Some(r) = radius {
            p = p.radius(r);
        }
        p.check().unwrap().messages(d, public).unwrap()
    }

    fn data(n: usize, d: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut r = rng::stream(seed, "ldp-twin-data", 0);
        // Heavy enough tails that both clipping levels and the ℓ2 shrinkage bind for many users.
        let x: Vec<f64> = (0..n * d)
            .map(|_| 3.0 * (r.random::<f64>() - 0.5) / (r.random::<f64>() + 0.2))
            .collect();
        let y: Vec<f64> = (0..n)
            .map(|i| x[i * d] - 0.5 * x[i * d + d - 1] + 2.0 * (r.random::<f64>() - 0.5))
            .collect();
        (x, y)
    }

    /// Without noise, the twin's sums are the library's truncated sufficient statistics
    /// (`Nldp::moments`, a matrix product in another summation order).
    #[test]
    fn noise_free_sums_equal_the_library_moments() {
        let (n, d) = (3000, 5);
        let (x, y) = data(n, d, 1);
        let xm = DMatrix::from_row_slice(n, d, &x);
        let ym = DVector::from_vec(y.clone());
        for radius in [None, Some(2.5)] {
            let msg = LdpMessages::new(d, false, (1.5, 2.0), radius, (0.0, 0.0)).unwrap();
            let sums = msg.aggregate_cpu(PhiloxKey([1, 2]), &x, &y).unwrap();
            let mut est = NldpParams::new(0.5, 1e-5)
                .tau(1.5, 2.0)
                .noise(NoiseMode::Off);
            if let Some(r) = radius {
                est = est.radius(r);
            }
            let m = est.check().unwrap().moments(&xm, &ym).unwrap();
            let xx = sums.xx().unwrap();
            assert!((&xx - &m.xx).norm() <= 1e-12 * m.xx.norm(), "{radius:?}");
            assert!(
                (sums.xy() - &m.xy).norm() <= 1e-12 * m.xy.norm(),
                "{radius:?}"
            );
        }
    }

    /// With the NLDP calibration, (Σ message − Σ signal)/(σ√n) is N(0, 1) in every entry:
    /// over 8 keys × 27 entries the standardized sums have mean 0 and Σz² ~ χ²₂₁₆ (5 SD bands).
    #[test]
    fn aggregated_noise_is_unbiased_with_the_calibrated_variance() {
        let (n, d) = (2000, 6);
        let (x, y) = data(n, d, 2);
        let msg = nldp_messages(d, false, Some(3.0));
        let (s1, s2) = msg.sigma();
        assert!(s1 > 0.0 && s2 > 0.0);
        let quiet = LdpMessages::new(d, false, (1.5, 2.0), Some(3.0), (0.0, 0.0)).unwrap();
        let signal = quiet.aggregate_cpu(PhiloxKey([0, 0]), &x, &y).unwrap();
        let mut z = Vec::new();
        for k in 0..8u64 {
            let s = msg
                .aggregate_cpu(PhiloxKey::new(k, "ldp-noise"), &x, &y)
                .unwrap();
            for e in 0..msg.entries() {
                let sd = if e < msg.tri() { s1 } else { s2 } * (n as f64).sqrt();
                z.push((s.entries[e] - signal.entries[e]) / sd);
            }
        }
        let k = z.len() as f64;
        let mean = z.iter().sum::<f64>() / k;
        let ss = z.iter().map(|v| v * v).sum::<f64>();
        assert!(mean.abs() < 5.0 / k.sqrt(), "mean {mean}");
        assert!(
            (ss - k).abs() < 5.0 * (2.0 * k).sqrt(),
            "Σz² = {ss} over {k}"
        );
    }

    #[test]
    fn public_variant_sends_only_the_cross_moment() {
        let (n, d) = (700, 3);
        let (x, y) = data(n, d, 3);
        let msg = nldp_messages(d, true, None);
        assert_eq!(msg.entries(), d);
        let s = msg.aggregate_cpu(PhiloxKey([5, 6]), &x, &y).unwrap();
        assert!(s.xx().is_none());
        assert_eq!(s.xy().len(), d);
    }
}
