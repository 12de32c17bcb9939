//! The paper's simulation generator (`sim_data` in the authors' code; spec §2).
//!
//! X ~ U(−1, 1)^{n×p}; in the paper's sign `P(Y ≤ k | x) = σ(α_k + β_kᵀ x)` with
//! `β_k = Σ_{m≤k} ψ_m`. A draw is rejected when a true class probability at a training row is
//! negative (crossing) or a class is empty: at most 10 data draws per β and 100 β draws.

use super::data::OrdinalData;
use super::model::CumulativeLogit;
use crate::error::{Error, Result, check};
use crate::rng::Rng;
use nalgebra::DMatrix;
use rand::RngExt;

/// How the slopes are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Differences {
    /// Sec. 4.1: β_0j = 0.5 with probability π, else 0; each later ψ_jk is ±0.5 (random sign)
    /// with probability π, else 0.
    Sparse {
        /// π.
        pi: f64,
    },
    /// Sec. 4.2: β_0 and every ψ_k uniform on (−0.5, 0.5)^p.
    Dense,
}

/// A simulation setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Rows.
    pub n: usize,
    /// Features.
    pub p: usize,
    /// Intercepts α (K−1, increasing), e.g. (0, 4, 6): the last class is rare.
    pub intercepts: Vec<f64>,
    /// Slope law.
    pub differences: Differences,
}

/// One simulated data set with its truth.
#[derive(Debug, Clone)]
pub struct Simulated {
    /// The data.
    pub data: OrdinalData,
    /// The true model (polr sign: b_k = −β_k).
    pub truth: CumulativeLogit,
    /// True probability of the last class at each training row.
    pub rare_probability: Vec<f64>,
}

impl Design {
    /// Draw a data set.
    pub fn simulate(&self, rng: &mut Rng) -> Result<Simulated> {
        check::at_least("n", self.n, 2)?;
        check::at_least("p", self.p, 1)?;
        check::at_least("K - 1", self.intercepts.len(), 2)?;
        check::all_finite("intercepts", &self.intercepts)?;
        if let Differences::Sparse { pi } = self.differences {
            check::in_closed("pi", pi, 0.0, 1.0)?;
        }
        let (n, p, k1) = (self.n, self.p, self.intercepts.len());
        for _ in 0..100 {
            let mut beta = DMatrix::zeros(k1, p); // paper sign, row k = β_k
            for j in 0..p {
                let mut acc = 0.0;
                for k in 0..k1 {
                    let psi = match self.differences {
                        Differences::Sparse { pi } => {
                            if rng.random::<f64>() < pi {
                                if k == 0 || rng.random::<bool>() {
                                    0.5
                                } else {
                                    -0.5
                                }
                            } else {
                                0.0
                            }
                        }
                        Differences::Dense => rng.random::<f64>() - 0.5,
                    };
                    acc += psi;
                    beta[(k, j)] = acc;
                }
            }
            let truth = CumulativeLogit {
                cutpoints: self.intercepts.clone(),
                coef: -beta,
                link: crate::ordinal::link::Link::Logit,
            };
            for _ in 0..10 {
                let x = DMatrix::from_fn(n, p, |_, _| 2.0 * rng.random::<f64>() - 1.0);
                let f = truth.cumulative(&x)?;
                let valid = (0..n).all(|i| (1..k1).all(|k| f[(i, k)] >= f[(i, k - 1)]));
                if !valid {
                    continue;
                }
                let y: Vec<f64> = (0..n)
                    .map(|i| {
                        let u: f64 = rng.random();
                        (0..k1).find(|&k| u < f[(i, k)]).unwrap_or(k1) as f64
                    })
                    .collect();
                let data = match OrdinalData::from_labels(x.clone(), &y, Some(k1 + 1)) {
                    Ok(d) => d,
                    Err(Error::NotIdentifiable(_)) => continue, // an empty class: redraw
                    Err(e) => return Err(e),
                };
                let rare_probability = truth.last_class_probability(&x)?;
                return Ok(Simulated {
                    data,
                    truth,
                    rare_probability,
                });
            }
        }
        Err(Error::InvalidData(
            "simulation: no valid draw in 100 slope draws x 10 data draws".into(),
        ))
    }
}
