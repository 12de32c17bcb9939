//! The echo searches of the peer benchmark (`benches/peers/echo.py`) on a spectrum CSV it writes
//! (header, then frequency, real, imaginary, psd), plus single-thread likelihood throughput.
//! Prints one JSON object with the search's own CPU and wall seconds.
//!
//! ```text
//! cargo run --release --example echo_toy -- DATA.csv A0 [nlive] [walks] [seed] [draws]
//! cargo run --release --example echo_toy -- DATA.csv benchmark [nlive] [walks] [seed]
//! ```
//!
//! - `A0` (a number): the spec's 3-parameter toy (§5: 4000 bins, T = 4 s, white S = 1, γ = 2 s⁻¹
//!   fixed, Δ ~ U(10, 40) Hz, φ ~ U(0, 1), A ~ U(0, 3A₀)).
//! - `benchmark`: the 6-parameter prior of `veristat echo search` ([`CombPrior::benchmark`], spec
//!   §3.2: γ, A, φ, Δ, f_min, f_max free, band constraint `0 <= f_max - f_min - 10Δ <= f_RD`),
//!   with the amplitude scale the mean |d̃| of the data as the CLI takes it. The evidence is
//!   normalised over the constrained prior (`crate::inference::nested`'s convention).
//!
//! Options after the positional ones: `--throughput` measures the likelihoods' single-thread
//! calls per second (`new_calls_per_second`, `old_calls_per_second`; otherwise `null`); `--samples PATH` writes 20 000 equal-weight posterior draws
//! (free parameters in [`veristat::echo::CombParams::NAMES`] order, CSV without header); `--eval PATH` reads
//! points in that order (CSV without header) and prints `{"eval": [ln Λ, ...]}` (`null` outside
//! the band constraint) before searching, so a re-implementation of the likelihood can be checked
//! against this one.
//!
//! With `draws` (toy only), it also prints an independent reference for ln B: importance sampling
//! with multivariate Student-t proposals (ν = 1 and 3, covariance 4x) centred on the search's
//! posterior, `ln Ẑ = ln mean(L π / q)`. It is unbiased whatever the proposal; the posterior only
//! makes its variance small, and the two tails agreeing shows the comb's heavy tails are covered.

mod common;

use common::cpu_seconds;
use rand::RngExt;
use rand_chacha::rand_core::SeedableRng;
use rand_distr::{ChiSquared, StandardNormal};
use rayon::prelude::*;
use std::time::Instant;
use veristat::echo::search::CombProblem;
use veristat::echo::{C64, CombLikelihood, CombPrior, LikelihoodKind, Spectrum, search};
use veristat::inference::{NestedParams, PriorModel};

fn read(path: &str) -> veristat::Result<Spectrum> {
    let text = std::fs::read_to_string(path).map_err(|e| veristat::Error::io(path, e))?;
    let (mut f, mut d, mut s) = (Vec::new(), Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let c: Vec<f64> = line
            .split(',')
            .map(|x| x.trim().parse().unwrap_or(f64::NAN))
            .collect();
        f.push(c[0]);
        d.push(C64::new(c[1], c[2]));
        s.push(c[3]);
    }
    Spectrum::new(f, d, s)
}

/// Removes `--name VALUE` from `args` and returns the value.
fn take_option(args: &mut Vec<String>, name: &str) -> Option<String> {
    let i = args.iter().position(|a| a == name)?;
    let value = args.get(i + 1).cloned();
    args.drain(i..(i + 2).min(args.len()));
    value
}

/// A number for JSON, which has no NaN.
fn json_number(x: f64) -> String {
    if x.is_finite() {
        x.to_string()
    } else {
        "null".into()
    }
}

fn read_points(path: &str) -> veristat::Result<Vec<Vec<f64>>> {
    let text = std::fs::read_to_string(path).map_err(|e| veristat::Error::io(path, e))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .map(|x| {
                    x.trim().parse::<f64>().map_err(|_| {
                        veristat::Error::InvalidData(format!("{path}: bad number {x:?}"))
                    })
                })
                .collect()
        })
        .collect()
}

fn main() -> veristat::Result<()> {
    let usage = "usage: echo_toy DATA.csv (A0 | benchmark) [nlive] [walks] [seed] [draws] [--samples PATH] [--eval PATH]";
    let mut args: Vec<String> = std::env::args().collect();
    let samples_path = take_option(&mut args, "--samples");
    let eval_path = take_option(&mut args, "--eval");
    let throughput = args
        .iter()
        .position(|a| a == "--throughput")
        .map(|i| args.remove(i));
    let path = args.get(1).expect(usage);
    let spec = read(path)?;
    let fmax = spec.freq()[spec.len() - 1];
    let (prior, toy) = match args.get(2).map(String::as_str) {
        Some("benchmark") => {
            let mean_abs = spec.data().iter().map(|z| z.norm()).sum::<f64>() / spec.len() as f64;
            (CombPrior::benchmark(spec.duration(), mean_abs), false)
        }
        Some(a) => {
            let a0: f64 = a.parse().expect(usage);
            (
                CombPrior::toy(2.0, 3.0 * a0, (10.0, 40.0), (0.0, fmax)),
                true,
            )
        }
        None => panic!("{usage}"),
    };
    let nlive: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(500);
    let walks: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(25);
    let seed: u64 = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(1);
    let dim = prior.free().len();

    if let Some(p) = eval_path {
        let lik = CombLikelihood::new(&spec, LikelihoodKind::New);
        let problem = CombProblem::new(&lik, &prior)?;
        let vals: Vec<String> = read_points(&p)?
            .iter()
            .map(|t| json_number(problem.log_likelihood(t)))
            .collect();
        println!("{{\"eval\": [{}]}}", vals.join(", "));
    }

    // Throughput: single-threaded evaluations at prior draws (inside the band constraint).
    let mut rng = veristat::rng::stream(seed, "echo-toy-throughput", 0);
    let pts: Vec<_> = (0..20_000)
        .map(|_| prior.transform(&(0..dim).map(|_| rng.random()).collect::<Vec<f64>>()))
        .filter(|p| prior.satisfies_constraint(p))
        .collect();
    let mut rates = [f64::NAN; 2];
    for (rate, kind) in rates
        .iter_mut()
        .zip([LikelihoodKind::New, LikelihoodKind::Old])
        .filter(|_| throughput.is_some())
    {
        let lik = CombLikelihood::new(&spec, kind);
        let t = Instant::now();
        let mut acc = 0.0;
        for p in &pts {
            acc += lik.log_ratio(p);
        }
        let secs = t.elapsed().as_secs_f64();
        assert!(acc.is_finite());
        *rate = pts.len() as f64 / secs;
    }

    let c0 = cpu_seconds();
    let t = Instant::now();
    let stream = if toy {
        "echo-toy-search"
    } else {
        "echo-search"
    };
    let mut rng = veristat::rng::stream(seed, stream, 0);
    let res = search(
        &spec,
        &prior,
        LikelihoodKind::New,
        &NestedParams::new(nlive).walks(walks),
        &mut rng,
    )?;
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - c0;
    let med: Vec<String> = res
        .posterior_median
        .iter()
        .map(|(n, v)| format!("\"{n}\": {v}"))
        .collect();
    println!(
        "{{\"log_bayes_factor\": {}, \"log_bayes_factor_err\": {}, \"n_likelihood_calls\": {}, \"seconds\": {}, \"cpu_seconds\": {}, \"posterior_median\": {{{}}}, \"new_calls_per_second\": {}, \"old_calls_per_second\": {}, \"threads\": {}, \"nlive\": {nlive}, \"walks\": {walks}, \"seed\": {seed}, \"dim\": {dim}}}",
        res.log_bayes_factor,
        res.log_bayes_factor_err,
        res.n_likelihood_calls,
        secs,
        cpu,
        med.join(", "),
        json_number(rates[0]),
        json_number(rates[1]),
        rayon::current_num_threads()
    );
    if let Some(out) = samples_path {
        let post = res.nested.resample_equal(20_000, &mut rng);
        let text: String = post
            .iter()
            .map(|p| {
                let row: Vec<String> = p.iter().map(|v| format!("{v:e}")).collect();
                row.join(",") + "\n"
            })
            .collect();
        std::fs::write(&out, text).map_err(|e| veristat::Error::io(&out, e))?;
    }
    if let Some(draws) = args.get(6).and_then(|s| s.parse::<usize>().ok())
        && toy
    {
        let lik = CombLikelihood::new(&spec, LikelihoodKind::New);
        let post = res.nested.resample_equal(20_000, &mut rng);
        for nu in [1.0, 3.0] {
            let (log_z, se, ess) = importance_log_z(&lik, &prior, &post, nu, 4.0, draws)?;
            println!(
                "{{\"reference\": \"importance sampling, Student-t nu = {nu}\", \"log_bayes_factor\": {log_z}, \"log_bayes_factor_err\": {se}, \"ess\": {ess:.0}, \"draws\": {draws}}}"
            );
        }
    }
    Ok(())
}

/// `ln Z = ln E_q[L π / q]` with `q` a Student-t (`nu` degrees of freedom) with the posterior
/// draws' mean and `inflate` times their covariance, in the free parameters (amplitude, phase,
/// spacing). Returns `(ln Ẑ, its delta-method SE, the effective sample size)`.
fn importance_log_z(
    lik: &CombLikelihood,
    prior: &CombPrior,
    post: &[Vec<f64>],
    nu: f64,
    inflate: f64,
    draws: usize,
) -> veristat::Result<(f64, f64, f64)> {
    use nalgebra::{Matrix3, Vector3};
    let m = post.len() as f64;
    let mu = post
        .iter()
        .fold(Vector3::zeros(), |a, p| a + Vector3::from_row_slice(p))
        / m;
    let cov = post.iter().fold(Matrix3::zeros(), |a, p| {
        let r = Vector3::from_row_slice(p) - mu;
        a + r * r.transpose()
    }) * (inflate / m);
    let chol = cov
        .cholesky()
        .ok_or_else(|| veristat::Error::Numerical("posterior covariance is singular".into()))?;
    let l = chol.l();
    let log_det = 2.0 * (0..3).map(|i| l[(i, i)].ln()).sum::<f64>();
    let ln_gamma = statrs::function::gamma::ln_gamma;
    let log_norm = ln_gamma((nu + 3.0) / 2.0)
        - ln_gamma(nu / 2.0)
        - 1.5 * (nu * std::f64::consts::PI).ln()
        - 0.5 * log_det;
    let base = prior.transform(&[0.5; 3]);
    let a_max = prior.transform(&[1.0; 3]).amplitude;
    let log_prior = -a_max.ln() - 30f64.ln(); // A ~ U(0, a_max), φ ~ U(0, 1), Δ ~ U(10, 40)
    let chi = ChiSquared::new(nu).map_err(|e| veristat::Error::Numerical(e.to_string()))?;
    let chunks = 256;
    let log_w: Vec<f64> = (0..chunks)
        .into_par_iter()
        .flat_map_iter(|c| {
            let mut r = veristat::rng::Rng::seed_from_u64(c as u64);
            (0..draws / chunks)
                .map(|_| {
                    let z = Vector3::from_fn(|_, _| r.sample::<f64, _>(StandardNormal));
                    let g: f64 = r.sample(chi);
                    let y = l * z * (nu / g).sqrt();
                    let t = mu + y;
                    let q2 = (y.transpose() * chol.inverse() * y)[(0, 0)];
                    let log_q = log_norm - 0.5 * (nu + 3.0) * (1.0 + q2 / nu).ln();
                    let inside = t[0] > 0.0
                        && t[0] < a_max
                        && (0.0..1.0).contains(&t[1])
                        && t[2] > 10.0
                        && t[2] < 40.0;
                    if !inside {
                        return f64::NEG_INFINITY;
                    }
                    let mut p = base;
                    (p.amplitude, p.phase, p.spacing) = (t[0], t[1], t[2]);
                    lik.log_ratio(&p) + log_prior - log_q
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = log_w.iter().map(|v| (v - top).exp()).collect();
    let n = w.len() as f64;
    let mean = w.iter().sum::<f64>() / n;
    let var = w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let ess = w.iter().sum::<f64>().powi(2) / w.iter().map(|x| x * x).sum::<f64>();
    Ok((top + mean.ln(), (var / n).sqrt() / mean, ess))
}
