//! LDP-IHT ([`super::LdpIht`]; Wang & Xu 2019, Alg. 3, as rectified by Zhu et al. 2024) on
//! users simulated from the bounded design of [`RademacherDesign`], drawn exactly and fast on
//! the CPU: the `ldp-iht-slopes` claim's CPU path. The device path is [`super::iht_batch()`].
//!
//! **Users.** As in [`crate::ldp::kernels::iht_round`]: every round's m_t users are fresh iid
//! draws from the design, which is the same distribution as the library's shuffled split of n
//! iid users into groups of sizes m_t = ⌊(t+1)n/T⌋ − ⌊tn/T⌋; nothing is stored.
//!
//! **One report in d + 3 words.** With x ∈ {±1}^d, x̃ = t·x (t = min(1, τ₁)) and
//! ỹ = clip_{τ₂}(⟨x, θ*⟩ + ζ), the clipped gradient is g_j = clip_G(x̃_j r) = x_j·c with
//! r = ⟨x̃, θ⟩ − ỹ and c = clip_G(t·r), since the box is symmetric. Duchi's ℓ∞ mechanism
//! ([`DuchiLinf::privatize_into`]) draws v_j = ±1 with P[+1] = ½ + g_j/(2G), a uniform s, a tie
//! coordinate J and a Bernoulli(π), and reports σ·G·B·s. Write u_j = x_j v_j and e_j = v_j s_j:
//! the u_j are iid with P[+1] = q = ½ + c/(2G) for every j (the x_j cancel), and e is uniform
//! on {±1}^d and independent of u (s is uniform and independent of v). The mechanism's
//! ⟨s, v⟩ = Σ e_j, and its tie rule (s_J = v_J, i.e. e_J = +1, with J uniform) has probability
//! ½ exactly when Σ e_j = 0, so the report is
//!
//! z = σ·G·B·(x ⊙ u ⊙ e),  σ = +1 ⇔ [Bernoulli(π)] = [Σ e_j > 0, or = 0 and a fair bit],
//!
//! the same law as the mechanism's. Each factor is a ±1 vector held as d sign bits, so a report
//! costs one word for (x, sign ζ), d words for u, one for e (its spare top bit is the tie
//! bit), one for the Bernoulli(π), and the per-coordinate sums of the ±1 products are integers:
//! exact, and the same whatever the number of threads.

use super::iht::{IhtProblem, gradient_bound, hard_threshold, project_l1};
use super::simulate::RademacherDesign;
use crate::error::Result;
use crate::ldp::mechanisms::DuchiLinf;
use crate::rng::{self, Rng};
use nalgebra::DVector;
use rand::RngExt;
use rayon::prelude::*;

/// Users per random stream: a round's users are cut into blocks of this size, block b drawing
/// from `rng::stream(master, LABEL, b)`, and the blocks' integer sums are added.
const BLOCK: u64 = 1 << 16;

/// The label of the users' streams.
const LABEL: &str = "ldp-iht-sim-user";

/// Users whose words are drawn in one fill.
const CHUNK: usize = 256;

/// The threshold of a Bernoulli(p) draw on a uniform 64-bit word w: true exactly when
/// w < ⌊p·2⁶⁴⌋ (p < 1), always when p = 1 (as `rand`'s `Bernoulli`).
fn bernoulli_threshold(p: f64) -> Option<u64> {
    if p >= 1.0 {
        None
    } else {
        Some((p.max(0.0) * 18_446_744_073_709_551_616.0) as u64)
    }
}

fn bernoulli(w: u64, threshold: Option<u64>) -> bool {
    threshold.is_none_or(|t| w < t)
}

/// The final θ of LDP-IHT on `problem`, every round's users and reports drawn from `rng`.
pub fn simulate_iht(problem: &IhtProblem, rng: &mut Rng) -> Result<DVector<f64>> {
    problem.validate()?;
    let d = problem.d;
    let mech = DuchiLinf::new(
        problem.epsilon,
        d,
        gradient_bound(problem.tau1, problem.tau2, problem.l1_radius),
    )?;
    let mut theta = DVector::zeros(d);
    for t in 0..problem.rounds {
        let m = problem.group_size(t);
        let master: u64 = rng.random();
        let counts = report_counts(problem, &mech, &theta, m, master)?;
        let gbar = DVector::from_iterator(
            d,
            counts.iter().map(|&c| c as f64 * mech.bound() / m as f64),
        );
        let stepped = &theta - gbar * problem.step;
        theta = project_l1(&hard_threshold(&stepped, problem.k), problem.l1_radius);
    }
    Ok(theta)
}

/// Σ_i z_i / (G·B) over `m` users at `theta`: per coordinate, the integer sum of the reports'
/// signs (the round's whole message to the server).
pub fn report_counts(
    problem: &IhtProblem,
    mech: &DuchiLinf,
    theta: &DVector<f64>,
    m: u64,
    master: u64,
) -> Result<Vec<i64>> {
    let d = problem.d;
    let design = RademacherDesign::new(d, problem.k, problem.noise)?;
    let star: Vec<(usize, f64)> = nonzeros(&design.theta);
    let current: Vec<(usize, f64)> = nonzeros(theta);
    let t = problem.tau1.min(1.0);
    let g = gradient_bound(problem.tau1, problem.tau2, problem.l1_radius);
    let pi = bernoulli_threshold(mech.plus_probability());
    // d ≤ MAX_DIM = 63: bit 63 of e is spare for the tie.
    let mask: u64 = (1u64 << d) - 1;
    let blocks = m.div_ceil(BLOCK);
    let negatives: Vec<Vec<u64>> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let mut r = rng::stream(master, LABEL, b);
            let mut left = BLOCK.min(m - b * BLOCK) as usize;
            let mut neg = vec![0u64; d];
            // A user's words: (x, sign ζ), e, the Bernoulli(π) uniform, then u_1..u_d; drawn
            // for CHUNK users at a time (one bulk fill instead of a call per word).
            let words = d + 3;
            let mut buf = vec![0u64; CHUNK * words];
            while left > 0 {
                let now = left.min(CHUNK);
                let buf = &mut buf[..now * words];
                r.fill(&mut buf[..]);
                for user in buf.chunks_exact(words) {
                    // Bit j set: x_j = −1; bit d: ζ = −|ζ|.
                    let (w, e) = (user[0], user[1]);
                    let dot = |nz: &[(usize, f64)]| -> f64 {
                        nz.iter()
                            .map(|&(j, v)| if (w >> j) & 1 == 1 { -v } else { v })
                            .sum()
                    };
                    let zeta = if (w >> d) & 1 == 1 {
                        -problem.noise
                    } else {
                        problem.noise
                    };
                    let y = (dot(&star) + zeta).clamp(-problem.tau2, problem.tau2);
                    let c = (t * (t * dot(&current) - y)).clamp(-g, g);
                    let mut sign = (w ^ e) & mask;
                    // u_j = −1 (bit flipped) unless its word falls below ⌊q·2⁶⁴⌋; q = 1 never
                    // flips.
                    if let Some(q) = bernoulli_threshold(0.5 + c / (2.0 * g)) {
                        for (j, &uj) in user[3..].iter().enumerate() {
                            sign ^= u64::from(uj >= q) << j;
                        }
                    }
                    let plus = d as u32 - (e & mask).count_ones();
                    let in_plus = 2 * plus as usize > d || (2 * plus as usize == d && e >> 63 == 1);
                    if bernoulli(user[2], pi) != in_plus {
                        sign ^= mask;
                    }
                    for (j, n) in neg.iter_mut().enumerate() {
                        *n += (sign >> j) & 1;
                    }
                }
                left -= now;
            }
            neg
        })
        .collect();
    let mut counts = vec![m as i64; d];
    for neg in negatives {
        for (c, n) in counts.iter_mut().zip(neg) {
            *c -= 2 * n as i64;
        }
    }
    Ok(counts)
}

fn nonzeros(v: &DVector<f64>) -> Vec<(usize, f64)> {
    v.iter()
        .enumerate()
        .filter(|(_, x)| **x != 0.0)
        .map(|(j, &x)| (j, x))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimator::RegressionData;

    fn problem(n: u64, d: usize, k: usize) -> IhtProblem {
        IhtProblem {
            n,
            epsilon: 1.0,
            d,
            k,
            noise: 0.5,
            rounds: 3,
            step: 1.0,
            tau1: 1.0,
            tau2: 1.5,
            l1_radius: 2.0,
        }
    }

    /// The clipped gradient of one (x, sign ζ) cell, as `LdpIht` computes it.
    fn gradient(pr: &IhtProblem, x: &[f64], zeta: f64, theta: &[f64]) -> Vec<f64> {
        let star = RademacherDesign::new(pr.d, pr.k, pr.noise).unwrap().theta;
        let xt: Vec<f64> = x.iter().map(|v| v.clamp(-pr.tau1, pr.tau1)).collect();
        let y: f64 = x.iter().zip(star.iter()).map(|(a, b)| a * b).sum::<f64>() + zeta;
        let pred: f64 = xt.iter().zip(theta).map(|(a, b)| a * b).sum();
        let r = pred - y.clamp(-pr.tau2, pr.tau2);
        let g = gradient_bound(pr.tau1, pr.tau2, pr.l1_radius);
        xt.iter().map(|xj| (xj * r).clamp(-g, g)).collect()
    }

    /// Duchi's mechanism is unbiased, so the mean report is E[g] over the design, exactly
    /// (enumerating its 2^{d+1} cells); each coordinate's report is ±G·B, variance
    /// (G·B)² − E[g_j]². Four million users land within 4.5 standard errors.
    #[test]
    fn mean_report_is_the_exact_expected_gradient() {
        let pr = problem(4_000_000, 3, 2);
        let theta = [0.45, -0.2, 0.1];
        let g = gradient_bound(pr.tau1, pr.tau2, pr.l1_radius);
        let mech = DuchiLinf::new(pr.epsilon, pr.d, g).unwrap();
        let counts = report_counts(&pr, &mech, &DVector::from_row_slice(&theta), pr.n, 11).unwrap();
        let mut exact = [0.0; 3];
        for cell in 0..16usize {
            let x: Vec<f64> = (0..3)
                .map(|j| if (cell >> j) & 1 == 1 { -1.0 } else { 1.0 })
                .collect();
            let zeta = if cell >> 3 == 1 { -0.5 } else { 0.5 };
            for (e, gj) in exact.iter_mut().zip(gradient(&pr, &x, zeta, &theta)) {
                *e += gj / 16.0;
            }
        }
        for j in 0..3 {
            let mean = counts[j] as f64 * mech.bound() / pr.n as f64;
            let se = ((mech.bound().powi(2) - exact[j].powi(2)) / pr.n as f64).sqrt();
            assert!(
                (mean - exact[j]).abs() <= 4.5 * se,
                "coordinate {j}: mean report {mean}, E[g] {}, se {se}",
                exact[j]
            );
        }
        assert!(exact.iter().any(|e| e.abs() > 0.5), "{exact:?}");
    }

    /// The joint law of one report: the sign patterns of 40 000 one-user rounds against 40 000
    /// reports of `DuchiLinf::privatize_into` on users drawn from the design, at ε = 4 and d = 3 (odd)
    /// and d = 4 (even: ties), by the two-sample χ² statistic over the 2^d patterns (below its
    /// 0.9999 quantile).
    #[test]
    fn one_report_has_the_mechanism_s_joint_law() {
        for (d, critical) in [(3usize, 29.88), (4, 44.26)] {
            // ε = 4: reports follow the gradient closely, so the patterns are far from uniform.
            let pr = IhtProblem {
                epsilon: 4.0,
                ..problem(1, d, 2)
            };
            let theta: Vec<f64> = (0..d).map(|j| [0.4, -0.3, 0.0, 0.2][j]).collect();
            let g = gradient_bound(pr.tau1, pr.tau2, pr.l1_radius);
            let mech = DuchiLinf::new(pr.epsilon, d, g).unwrap();
            let draws = 40_000u64;
            let mut ours = vec![0.0f64; 1 << d];
            let th = DVector::from_row_slice(&theta);
            for i in 0..draws {
                let c = report_counts(&pr, &mech, &th, 1, i).unwrap();
                let pattern = (0..d).fold(0, |p, j| p | (usize::from(c[j] < 0) << j));
                ours[pattern] += 1.0;
            }
            let mut lib = vec![0.0f64; 1 << d];
            let mut r = rng::stream(3, "iht-sim-pattern", d as u64);
            let mut out = vec![0.0; d];
            for _ in 0..draws {
                let x: Vec<f64> = (0..d)
                    .map(|_| if r.random::<bool>() { 1.0 } else { -1.0 })
                    .collect();
                let zeta = if r.random::<bool>() { 0.5 } else { -0.5 };
                mech.privatize_into(&gradient(&pr, &x, zeta, &theta), &mut out, &mut r);
                let pattern = (0..d).fold(0, |p, j| p | (usize::from(out[j] < 0.0) << j));
                lib[pattern] += 1.0;
            }
            let chi2: f64 = ours
                .iter()
                .zip(&lib)
                .filter(|(a, b)| **a + **b > 0.0)
                .map(|(a, b)| (a - b).powi(2) / (a + b))
                .sum();
            assert!(chi2 < critical, "d = {d}: chi2 {chi2}, {ours:?} vs {lib:?}");
            // Not a degenerate comparison: the patterns are far from uniform.
            let uniform = draws as f64 / (1 << d) as f64;
            assert!(ours.iter().any(|c| (c - uniform).abs() > 0.1 * uniform));
        }
    }

    /// End to end: the final θ of `simulate_iht` and of the library's `LdpIht` fit on
    /// `RademacherDesign::sample` data have the same mean error within 4 standard errors of the
    /// difference (80 replicates each).
    #[test]
    fn simulation_matches_the_library_fit_in_distribution() {
        let pr = problem(30_000, 4, 2);
        let design = RademacherDesign::new(pr.d, pr.k, pr.noise).unwrap();
        let err = |t: &DVector<f64>| (t - &design.theta).norm();
        let (mut sim, mut lib) = (Vec::new(), Vec::new());
        for rep in 0..80 {
            let mut r = rng::stream(9, "iht-sim-vs-library", rep);
            sim.push(err(&simulate_iht(&pr, &mut r).unwrap()));
            let (x, y) = design.sample(pr.n as usize, &mut r);
            let fit = pr
                .estimator()
                .unwrap()
                .fit_with(&RegressionData::new(x, y).unwrap(), &mut r)
                .unwrap();
            lib.push(err(&fit.coef));
        }
        let stats = |v: &[f64]| {
            let n = v.len() as f64;
            let m = v.iter().sum::<f64>() / n;
            (
                m,
                v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0) / n,
            )
        };
        let ((ma, va), (mb, vb)) = (stats(&sim), stats(&lib));
        assert!(
            (ma - mb).abs() <= 4.0 * (va + vb).sqrt(),
            "simulation {ma}, library {mb}"
        );
        assert!(ma > 0.01 && ma < 0.5, "mean error {ma}");
    }

    #[test]
    fn thread_count_does_not_change_the_numbers() {
        let pr = problem(300_000, 8, 2);
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| simulate_iht(&pr, &mut rng::stream(4, "iht-sim", 0)).unwrap())
        };
        assert_eq!(run(1), run(3));
    }
}
