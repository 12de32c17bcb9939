//! Sequentially interactive LDP iterative hard thresholding (Wang & Xu 2019, Alg. 3, as
//! rectified and extended to sub-Gaussian designs by Zhu et al. 2024; spec §1c).
//!
//! This is the LDP protocol's own IHT: one disjoint user group per round, each user used once,
//! gradients privatized on the user's device. (The non-private IHT lives in `sparse`.)

use super::{LdpFit, Method, check_data, positive, truncate};
use crate::error::{Error, Result};
use crate::ldp::mechanisms::{DuchiLinf, Mechanism};
use crate::ldp::privacy::{Ledger, check_epsilon};
use crate::linalg::soft_threshold;
use crate::rng::{self, Rng};
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rayon::prelude::*;
use serde::Serialize;

/// ε-LDP iterative hard thresholding with T rounds.
///
/// Round t: broadcast θ_{t−1}; every user i of group t computes
/// g_i = x̃_i(⟨x̃_i, θ_{t−1}⟩ − ỹ_i), clipped to the box of radius G = τ₁(τ₁R + τ₂) (which
/// contains it, since ‖θ‖₁ ≤ R), and sends it through Duchi's ε-LDP ℓ∞ mechanism
/// ([`DuchiLinf`]). The server averages, steps θ' = θ − ηḡ, keeps the s largest coordinates
/// and projects onto the ℓ1 ball of radius R. Users are shuffled once and split into T
/// disjoint groups, so by parallel composition the protocol is ε-LDP.
#[derive(Debug, Clone)]
pub struct LdpIht {
    epsilon: f64,
    sparsity: usize,
    rounds: usize,
    step: f64,
    tau1: f64,
    tau2: f64,
    l1_radius: f64,
    private: bool,
}

/// What happened during the rounds.
#[derive(Debug, Clone, Serialize)]
pub struct IhtDiagnostics {
    /// Users per round.
    pub group_sizes: Vec<usize>,
    /// Box radius G of the gradients.
    pub gradient_bound: f64,
    /// Output magnitude of the Duchi mechanism per coordinate (G·B).
    pub report_bound: f64,
    /// Largest number of rounds any single user took part in (1 by construction).
    pub max_rounds_per_user: usize,
    /// ‖θ_t − θ_{t−1}‖₂ per round.
    pub steps: Vec<f64>,
}

impl LdpIht {
    /// Defaults: T = 10 rounds, η = 1, τ₁ = τ₂ = 1 (bounded designs), R = 1.
    pub fn new(epsilon: f64, sparsity: usize) -> Self {
        Self {
            epsilon,
            sparsity,
            rounds: 10,
            step: 1.0,
            tau1: 1.0,
            tau2: 1.0,
            l1_radius: 1.0,
            private: true,
        }
    }
    /// Number of rounds T (disjoint user groups).
    pub fn rounds(mut self, t: usize) -> Self {
        self.rounds = t;
        self
    }
    /// Step size η.
    pub fn step(mut self, eta: f64) -> Self {
        self.step = eta;
        self
    }
    /// Truncation levels.
    pub fn tau(mut self, tau1: f64, tau2: f64) -> Self {
        self.tau1 = tau1;
        self.tau2 = tau2;
        self
    }
    /// ℓ1 radius R of the projection (an upper bound on ‖θ*‖₁).
    pub fn l1_radius(mut self, r: f64) -> Self {
        self.l1_radius = r;
        self
    }
    /// **Testing only:** turn the privacy noise off (exact group-mean gradients).
    pub fn noise_off(mut self) -> Self {
        self.private = false;
        self
    }

    /// Fit on users' data.
    pub fn fit(&self, x: &DMatrix<f64>, y: &DVector<f64>, rng: &mut Rng) -> Result<LdpFit> {
        check_epsilon(self.epsilon)?;
        check_data(x, y)?;
        let (n, d) = x.shape();
        if self.sparsity == 0 || self.sparsity > d {
            return Err(Error::param(
                "k",
                self.sparsity,
                format!("sparsity must lie in 1..={d}"),
            ));
        }
        if self.rounds == 0 || self.rounds > n {
            return Err(Error::param(
                "rounds",
                self.rounds,
                format!("must lie in 1..={n} (one user group per round)"),
            ));
        }
        positive("step", self.step)?;
        positive("tau1", self.tau1)?;
        positive("tau2", self.tau2)?;
        positive("l1_radius", self.l1_radius)?;
        let g_bound = gradient_bound(self.tau1, self.tau2, self.l1_radius);
        let mech = DuchiLinf::new(self.epsilon, d, g_bound)?;
        // Shuffle users once (Fisher–Yates), then cut into T contiguous groups.
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        // Users as columns (d × n): each user's features contiguous.
        let xr = x.transpose();
        let mut ledger = Ledger::new(n);
        let mut theta = DVector::zeros(d);
        let mut sizes = Vec::with_capacity(self.rounds);
        let mut steps = Vec::with_capacity(self.rounds);
        for t in 0..self.rounds {
            let group = &order[t * n / self.rounds..(t + 1) * n / self.rounds];
            sizes.push(group.len());
            for &i in group {
                ledger.charge(i, mech.privacy())?;
            }
            let master: u64 = rng.random();
            let gbar = self.round_mean(&xr, y, group, &theta, &mech, g_bound, master);
            let prev = theta.clone();
            let stepped = &theta - gbar * self.step;
            theta = project_l1(&hard_threshold(&stepped, self.sparsity), self.l1_radius);
            steps.push((&theta - prev).norm());
        }
        let max_rounds = (0..n).map(|i| ledger.messages(i)).max().unwrap_or(0);
        if max_rounds != 1 {
            return Err(Error::Numerical(format!(
                "LDP-IHT accounting: a user took part in {max_rounds} rounds"
            )));
        }
        let diag = IhtDiagnostics {
            group_sizes: sizes,
            gradient_bound: g_bound,
            report_bound: mech.bound(),
            max_rounds_per_user: max_rounds,
            steps,
        };
        let mut dj = serde_json::to_value(&diag).map_err(|e| Error::Numerical(e.to_string()))?;
        dj["rounds"] = serde_json::json!(self.rounds);
        dj["sparsity"] = serde_json::json!(self.sparsity);
        dj["step"] = serde_json::json!(self.step);
        Ok(LdpFit {
            method: Method::Iht,
            coef: theta,
            privacy: if self.private {
                Some(ledger.total()?)
            } else {
                None
            },
            diagnostics: dj,
        })
    }

    /// Mean of the group's privatized gradients; blocks of users use streams keyed by
    /// (master, block) and are summed in block order (thread-count independent).
    #[allow(clippy::too_many_arguments)]
    fn round_mean(
        &self,
        xr: &DMatrix<f64>,
        y: &DVector<f64>,
        group: &[usize],
        theta: &DVector<f64>,
        mech: &DuchiLinf,
        g: f64,
        master: u64,
    ) -> DVector<f64> {
        const BLOCK: usize = 2048;
        let d = xr.nrows();
        let sums: Vec<Vec<f64>> = group
            .par_chunks(BLOCK)
            .enumerate()
            .map(|(b, users)| {
                let mut r = rng::stream(master, "ldp-iht-user", b as u64);
                let mut sum = vec![0.0; d];
                let mut xt = vec![0.0; d];
                let mut grad = vec![0.0; d];
                let mut out = vec![0.0; d];
                for &i in users {
                    for (v, xv) in xt.iter_mut().zip(&xr.as_slice()[i * d..(i + 1) * d]) {
                        *v = truncate(*xv, self.tau1);
                    }
                    let pred: f64 = xt.iter().zip(theta.iter()).map(|(a, b)| a * b).sum();
                    let resid = pred - truncate(y[i], self.tau2);
                    for (gj, xj) in grad.iter_mut().zip(&xt) {
                        *gj = (xj * resid).clamp(-g, g);
                    }
                    if self.private {
                        mech.privatize_into(&grad, &mut out, &mut r);
                    } else {
                        out.copy_from_slice(&grad);
                    }
                    sum.iter_mut().zip(&out).for_each(|(s, o)| *s += o);
                }
                sum
            })
            .collect();
        let mut total = DVector::zeros(d);
        for s in sums {
            for j in 0..d {
                total[j] += s[j];
            }
        }
        total / group.len() as f64
    }
}

/// The box radius G = τ₁(τ₁R + τ₂) of the users' gradients: |x̃_j(⟨x̃, θ⟩ − ỹ)| ≤ τ₁(τ₁‖θ‖₁ + τ₂)
/// with ‖θ‖₁ ≤ R.
pub(crate) fn gradient_bound(tau1: f64, tau2: f64, l1_radius: f64) -> f64 {
    tau1 * (tau1 * l1_radius + tau2)
}

/// Keep the s largest-magnitude coordinates (ties broken by index, deterministic).
pub(crate) fn hard_threshold(v: &DVector<f64>, s: usize) -> DVector<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[b].abs().total_cmp(&v[a].abs()).then(a.cmp(&b)));
    let mut out = DVector::zeros(v.len());
    for &j in idx.iter().take(s) {
        out[j] = v[j];
    }
    out
}

/// Euclidean projection onto the ℓ1 ball of radius r (Duchi et al. 2008, Fig. 1).
pub(crate) fn project_l1(v: &DVector<f64>, r: f64) -> DVector<f64> {
    if v.iter().map(|x| x.abs()).sum::<f64>() <= r {
        return v.clone();
    }
    let mut u: Vec<f64> = v.iter().map(|x| x.abs()).collect();
    u.sort_by(|a, b| b.total_cmp(a));
    let mut cum = 0.0;
    let mut theta = 0.0;
    for (j, uj) in u.iter().enumerate() {
        cum += uj;
        let t = (cum - r) / (j + 1) as f64;
        if uj - t > 0.0 {
            theta = t;
        }
    }
    v.map(|x| soft_threshold(x, theta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_and_threshold() {
        let v = DVector::from_vec(vec![3.0, -1.0, 0.5]);
        let p = project_l1(&v, 1.0);
        assert!((p.iter().map(|x| x.abs()).sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(p[0], 1.0);
        let h = hard_threshold(&v, 2);
        assert_eq!(h.as_slice(), &[3.0, -1.0, 0.0]);
    }
}
