//! Non-interactive LDP sparse linear regression (Zhu et al. 2024, Algorithm 1; spec §1a–1b).

use super::{LdpFit, Method, check_data, check_matrix, positive, truncate};
use crate::device::Kernels;
use crate::error::{Error, Result};
use crate::kernels::ldp::LdpMessages;
use crate::kernels::philox::PhiloxKey;
use crate::ldp::mechanisms::{analytic_gaussian_sigma, classic_gaussian_sigma};
use crate::ldp::privacy::{Privacy, check_delta, check_epsilon};
use crate::linalg::{soft_threshold, sym_eigen};
use crate::rng::{self, Rng};
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde_json::json;

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

/// Non-interactive (ε, δ)-LDP sparse regression.
///
/// Build with [`Nldp::new`], adjust with the setters, then [`Nldp::fit`] (users' data),
/// [`Nldp::fit_public`] (plus public unlabeled covariates) or [`Nldp::fit_moments`].
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
pub struct Nldp {
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
}

/// What the server computed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NldpDiagnostics {
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

impl Nldp {
    /// Defaults: τ₁ = 4, τ₂ = 8 (the ULDP-SL settings), no ℓ2 shrinkage, c = 1, R = 1,
    /// per-user noise.
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

    /// Per-user guarantee: two messages at (ε/2, δ/2) compose sequentially to (ε, δ); the
    /// public variant sends one message at (ε, δ).
    pub fn privacy(&self, public: bool) -> Result<Privacy> {
        let p = Privacy::approximate(self.epsilon, self.delta)?;
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
        self.validate()?;
        let df = d as f64;
        let d1 = 2.0 * self.radius.map_or(df * self.tau1 * self.tau1, |r| r * r);
        let d2 = 2.0 * df.sqrt() * self.tau1 * self.tau2;
        if public {
            let (s2, c) = Self::sigma(self.epsilon, self.delta, d2)?;
            return Ok((0.0, s2, c));
        }
        let (s1, c) = Self::sigma(self.epsilon / 2.0, self.delta / 2.0, d1)?;
        let (s2, _) = Self::sigma(self.epsilon / 2.0, self.delta / 2.0, d2)?;
        Ok((s1, s2, c))
    }

    /// The truncated covariate x̃ (entries clipped at τ₁) and its shrunk version x̄.
    fn user_features(&self, x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let xt: Vec<f64> = x.iter().map(|v| truncate(*v, self.tau1)).collect();
        let xb = match self.radius {
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
        let yt = truncate(y, self.tau2);
        let off = self.noise == NoiseMode::Off;
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
        self.validate()?;
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
        let yt = y.map(|v| truncate(v, self.tau2));
        Ok(Moments {
            n: n as u64,
            xx: &xb * xb.transpose(),
            xy: &xt * yt,
        })
    }

    /// Fit on users' data (x: n × d, y: n).
    pub fn fit(&self, x: &DMatrix<f64>, y: &DVector<f64>, rng: &mut Rng) -> Result<LdpFit> {
        self.fit_inner(x, y, None, rng)
    }

    /// Public-unlabeled-data variant (§1b): Σ̂ from `x_public` (m × d, truncated at τ₁, no
    /// noise), users send only the cross moment with the whole budget.
    pub fn fit_public(
        &self,
        x: &DMatrix<f64>,
        y: &DVector<f64>,
        x_public: &DMatrix<f64>,
        rng: &mut Rng,
    ) -> Result<LdpFit> {
        if x_public.nrows() == 0 {
            return Err(Error::param("public", "0 rows", "need public covariates"));
        }
        if x_public.ncols() != x.ncols() {
            return Err(Error::DimensionMismatch {
                what: "public covariate columns",
                expected: x.ncols(),
                got: x_public.ncols(),
            });
        }
        check_matrix("public", x_public)?;
        let xp = x_public.map(|v| truncate(v, self.tau1));
        let pub_xx = xp.tr_mul(&xp);
        self.fit_inner(x, y, Some((&pub_xx, x_public.nrows() as u64)), rng)
    }

    fn fit_inner(
        &self,
        x: &DMatrix<f64>,
        y: &DVector<f64>,
        public: Option<(&DMatrix<f64>, u64)>,
        rng: &mut Rng,
    ) -> Result<LdpFit> {
        self.validate()?;
        check_data(x, y)?;
        if self.noise != NoiseMode::PerUser {
            let m = self.moments(x, y)?;
            return self.fit_moments(&m, public, rng);
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
        self.server(sigma_sum, sb, n as u64, public.map(|p| p.1))
    }

    /// The users' side of this estimator as the device kernels run it ([`LdpMessages`]:
    /// clipping, shrinkage and the noise scales of [`Nldp::noise_scales`]).
    pub fn messages(&self, d: usize, public: bool) -> Result<LdpMessages> {
        let (s1, s2, _) = self.noise_scales(d, public)?;
        LdpMessages::new(d, public, (self.tau1, self.tau2), self.radius, (s1, s2))
    }

    /// [`Nldp::fit`] (or [`Nldp::fit_public`] with `x_public`) with the users' clipping,
    /// perturbation and the server's sums computed by a device's kernels
    /// ([`Kernels::ldp_aggregate`]): user i's Gaussian noise is Philox stream i of `key`, so the
    /// fit is reproducible for a key on any device (the GPU and its CPU twin agree to rounding),
    /// but it is a different noise draw than [`Nldp::fit`]'s for the same seed. Needs per-user
    /// noise (the protocol as deployed; the other modes have no per-user work to offload).
    pub fn fit_on(
        &self,
        x: &DMatrix<f64>,
        y: &DVector<f64>,
        x_public: Option<&DMatrix<f64>>,
        kernels: &dyn Kernels,
        key: PhiloxKey,
    ) -> Result<LdpFit> {
        self.validate()?;
        check_data(x, y)?;
        if self.noise != NoiseMode::PerUser {
            return Err(Error::param(
                "noise",
                format!("{:?}", self.noise),
                "device kernels run the per-user protocol only",
            ));
        }
        let (n, d) = x.shape();
        let public = match x_public {
            Some(xp) => {
                if xp.nrows() == 0 {
                    return Err(Error::param("public", "0 rows", "need public covariates"));
                }
                if xp.ncols() != d {
                    return Err(Error::DimensionMismatch {
                        what: "public covariate columns",
                        expected: d,
                        got: xp.ncols(),
                    });
                }
                check_matrix("public", xp)?;
                let t = xp.map(|v| truncate(v, self.tau1));
                Some((t.tr_mul(&t), xp.nrows() as u64))
            }
            None => None,
        };
        let msg = self.messages(d, public.is_some())?;
        // Users as columns (d × n), so each user's features are contiguous.
        let xr = x.transpose();
        let sums = kernels.ldp_aggregate(&msg, key, xr.as_slice(), y.as_slice())?;
        let sigma_sum = match &public {
            Some((xx, m)) => xx / *m as f64 * n as f64,
            None => sums.xx().ok_or_else(|| {
                Error::Numerical("the aggregated messages hold no covariance entries".into())
            })?,
        };
        self.server(sigma_sum, sums.xy(), n as u64, public.map(|p| p.1))
    }

    /// Fit from sufficient statistics with the aggregate-noise shortcut (or no noise).
    /// `public` = (Σ x_pub x_pubᵀ over m public rows, m) selects the public variant.
    pub fn fit_moments(
        &self,
        m: &Moments,
        public: Option<(&DMatrix<f64>, u64)>,
        rng: &mut Rng,
    ) -> Result<LdpFit> {
        self.validate()?;
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
        if self.noise == NoiseMode::PerUser {
            return Err(Error::param(
                "noise",
                "per-user",
                "sufficient statistics only support the aggregate shortcut or no noise",
            ));
        }
        let (s1, s2, _) = self.noise_scales(d, public.is_some())?;
        let off = self.noise == NoiseMode::Off;
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
        self.server(sigma_sum, xy, m.n, public.map(|p| p.1))
    }

    /// Server-side post-processing (§1a steps 5–7).
    fn server(
        &self,
        sigma_sum: DMatrix<f64>,
        s_sum: DVector<f64>,
        n: u64,
        public_m: Option<u64>,
    ) -> Result<LdpFit> {
        let d = s_sum.len();
        let nf = n as f64;
        let public = public_m.is_some();
        let (s1, s2, calibration) = self.noise_scales(d, public)?;
        let off = self.noise == NoiseMode::Off;
        let (s1, s2) = if off { (0.0, 0.0) } else { (s1, s2) };
        let sigma_hat = sigma_sum / nf;
        let s_hat = s_sum / nf;
        let (vals, vecs) = sym_eigen(&sigma_hat)?;
        let lmax = vals.iter().copied().fold(0.0f64, f64::max);
        let kappa = self.floor.unwrap_or_else(|| {
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
        let lambda = self.lambda.unwrap_or_else(|| {
            let df = d as f64;
            let l1 = (2.0 * (df * (df + 1.0)).ln()).sqrt();
            let l2 = (2.0 * (2.0 * df).ln()).sqrt();
            self.lambda_scale * (s1 * self.l1_bound * l1 + s2 * l2) / (nf.sqrt() * lmin_dot)
        });
        let coef = w.map(|v| soft_threshold(v, lambda));
        if coef.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical("NLDP estimate is not finite".into()));
        }
        let diag = NldpDiagnostics {
            sigma1: s1,
            sigma2: s2,
            calibration: if off { "none" } else { calibration },
            lambda,
            floor: kappa,
            min_eigenvalue: vals.iter().copied().fold(f64::INFINITY, f64::min),
            floored,
            n,
        };
        let mut dj = serde_json::to_value(&diag).map_err(|e| Error::Numerical(e.to_string()))?;
        dj["tau1"] = json!(self.tau1);
        dj["tau2"] = json!(self.tau2);
        if let Some(m) = public_m {
            dj["public_rows"] = json!(m);
        }
        Ok(LdpFit {
            method: if public { Method::Public } else { Method::Nldp },
            coef,
            privacy: if off {
                None
            } else {
                Some(self.privacy(public)?)
            },
            diagnostics: dj,
        })
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
