//! Exact simulation of a bounded design for the Monte Carlo claims.
//!
//! x uniform on {−1, +1}^d (Σ = I; the design of Wang & Xu 2019), θ* with k entries 1/k
//! (‖θ*‖₁ = 1, spec §4) and ζ = ±σ with equal probability (sub-Gaussian, variance σ²; spec
//! §4 uses σ² = 0.25). Every (x, sign ζ) cell has probability 2^{−(d+1)}, so the cell counts of
//! n users are Multinomial(n, uniform) and the sufficient statistics Σ x̄x̄ᵀ, Σ x̃ỹ are exact
//! functions of them: drawing them costs O(2^d d²) whatever n. With τ₁ ≥ 1 and
//! τ₂ ≥ 1 + σ truncation never binds, so the estimators see exactly this model. The NLDP
//! estimator needs n ≳ d³σ₁²-scale samples to be in its working range (spec §1a step 8,
//! "n greater than O(d⁴)"); this makes n = 10⁸…10¹¹ affordable.

use super::nldp::Moments;
use crate::error::{Error, Result};
use crate::rng::Rng;
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rand_distr::{Binomial, Distribution};

/// Largest d for the cell-count simulation (2^{d+1} cells).
pub const MAX_CELL_DIM: usize = 18;

/// The bounded sparse design.
#[derive(Debug, Clone)]
pub struct RademacherDesign {
    /// θ*.
    pub theta: DVector<f64>,
    /// |ζ|.
    pub noise: f64,
}

impl RademacherDesign {
    /// θ* with its first k entries 1/k, the others 0; ζ = ±noise.
    pub fn new(d: usize, k: usize, noise: f64) -> Result<Self> {
        if d == 0 {
            return Err(Error::param("d", d, "must be >= 1"));
        }
        if k == 0 || k > d {
            return Err(Error::param(
                "k",
                k,
                format!("sparsity must lie in 1..={d}"),
            ));
        }
        crate::error::check::non_negative("noise", noise)?;
        Ok(Self {
            theta: DVector::from_fn(d, |j, _| if j < k { 1.0 / k as f64 } else { 0.0 }),
            noise,
        })
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.theta.len()
    }

    /// n users' data drawn one by one.
    pub fn sample(&self, n: usize, rng: &mut Rng) -> (DMatrix<f64>, DVector<f64>) {
        let d = self.dim();
        // Drawn user by user (row-major), then stored as the n × d matrix.
        let mut rows = vec![0.0; n * d];
        let mut y = DVector::zeros(n);
        for i in 0..n {
            let row = &mut rows[i * d..(i + 1) * d];
            for v in row.iter_mut() {
                *v = if rng.random::<bool>() { 1.0 } else { -1.0 };
            }
            let s: f64 = row.iter().zip(self.theta.iter()).map(|(a, b)| a * b).sum();
            y[i] = s + if rng.random::<bool>() {
                self.noise
            } else {
                -self.noise
            };
        }
        (DMatrix::from_row_slice(n, d, &rows), y)
    }

    fn cell_counts(&self, n: u64, levels: usize, rng: &mut Rng) -> Result<Vec<u64>> {
        let mut counts = vec![n];
        for _ in 0..levels {
            let mut next = Vec::with_capacity(counts.len() * 2);
            for &c in &counts {
                let a = if c == 0 {
                    0
                } else {
                    Binomial::new(c, 0.5)
                        .map_err(|e| Error::Numerical(e.to_string()))?
                        .sample(rng)
                };
                next.push(a);
                next.push(c - a);
            }
            counts = next;
        }
        Ok(counts)
    }

    fn check_dim(&self) -> Result<usize> {
        let d = self.dim();
        if d > MAX_CELL_DIM {
            return Err(Error::param(
                "d",
                d,
                format!("cell simulation supports d <= {MAX_CELL_DIM}"),
            ));
        }
        Ok(d)
    }

    /// Exact Σ x xᵀ and Σ x ỹ of n users (ỹ = y truncated at τ₂).
    pub fn moments(&self, n: u64, tau2: f64, rng: &mut Rng) -> Result<Moments> {
        let d = self.check_dim()?;
        let counts = self.cell_counts(n, d + 1, rng)?;
        let mut xx = DMatrix::zeros(d, d);
        let mut xy = DVector::zeros(d);
        let mut x = vec![0.0; d];
        for pattern in 0..1usize << d {
            // Cell index = 2·pattern + (ζ sign bit).
            let (cm, cp) = (counts[2 * pattern] as f64, counts[2 * pattern + 1] as f64);
            let c = cm + cp;
            if c == 0.0 {
                continue;
            }
            for (j, v) in x.iter_mut().enumerate() {
                *v = if (pattern >> j) & 1 == 1 { 1.0 } else { -1.0 };
            }
            let mean: f64 = x.iter().zip(self.theta.iter()).map(|(a, b)| a * b).sum();
            let y_sum = cm * (mean - self.noise).clamp(-tau2, tau2)
                + cp * (mean + self.noise).clamp(-tau2, tau2);
            for j in 0..d {
                xy[j] += x[j] * y_sum;
                for l in j..d {
                    xx[(j, l)] += c * x[j] * x[l];
                }
            }
        }
        for j in 0..d {
            for l in 0..j {
                xx[(j, l)] = xx[(l, j)];
            }
        }
        Ok(Moments { n, xx, xy })
    }

    /// Exact Σ x xᵀ over m public unlabeled rows.
    pub fn public_gram(&self, m: u64, rng: &mut Rng) -> Result<DMatrix<f64>> {
        Ok(self.moments(m, f64::MAX, rng)?.xx)
    }
}
