//! Every GPU routine against its CPU twin on fresh random inputs, timed: the rows of
//! `veristat device` and the bodies of the `#[ignore]`d GPU tests.
//!
//! Agreement is normwise, ‖gpu − cpu‖∞ / ‖cpu‖∞ over the whole output (replicate losses, summed
//! message entries, log ratios, matrix entries), against [`TOL`] = 1e-12: the twins run the same
//! arithmetic in the same order (NVRTC `--fmad=false`), so only last-ulp differences of the
//! device's `log`/`sqrt`/`sin`/`cos` remain. A per-element relative error would instead flag
//! outputs that are near zero by cancellation (a log ratio close to 0, a loss of 1e-7), where
//! the same ulp differences are large relative to the value but not to the data.
//!
//! Times are wall clock for one call after a warm-up call (NVRTC compilation, cuBLAS handle
//! creation and first-touch allocations stay out); GPU times include the host↔device copies of
//! that call's inputs and outputs; CPU times use every core (rayon's global pool).

use crate::device::KernelJob;
use crate::device::cuda::Gpu;
use crate::device::philox::PhiloxKey;
use crate::echo::kernel::{
    EchoData, EchoPrepare, log_ratio_batch_cpu, random_points, toy_spectrum,
};
use crate::echo::template::DurationFactor;
use crate::echo::{CombLikelihood, LikelihoodKind};
use crate::error::Result;
use crate::estimator::{ParamGuard, RegressionData};
use crate::expfam::RiskSimulation;
use crate::expfam::families::{Gaussian, Poisson};
use crate::expfam::kernels::Replicates;
use crate::expfam::kernels::chain::ChainRisk;
use crate::expfam::kernels::normal::NormalRisk;
use crate::expfam::kernels::poisson::PoissonRisk;
use crate::expfam::truth::Truth;
use crate::ldp::kernels::cells::{CellBatch, CellMoments, Cells};
use crate::ldp::kernels::iht_round::{IhtRound, IhtRoundBatch};
use crate::ldp::kernels::messages::MessageSums;
use crate::ldp::regression::iht::IhtProblem;
use crate::ldp::regression::nldp::NldpParams;
use crate::ldp::regression::simulate::RademacherDesign;
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// Agreement tolerance for f64 reductions (the CUDA issue's acceptance bound).
pub const TOL: f64 = 1e-12;

/// One row of the agreement-and-speed table.
#[derive(Debug, Clone)]
pub struct CheckRow {
    /// Kernel and variant.
    pub kernel: String,
    /// Problem size in the kernel's terms.
    pub size: String,
    /// GPU seconds for one call, copies included.
    pub gpu_s: f64,
    /// CPU twin seconds, all cores.
    pub cpu_s: f64,
    /// Seconds the library's existing CPU code takes for the same work, all cores, where it
    /// differs from the twin (the ChaCha-based Monte Carlo the claims run today); None when the
    /// twin is the library code itself.
    pub library_s: Option<f64>,
    /// Work per GPU second, in `unit`.
    pub rate: f64,
    /// Unit of `rate`.
    pub unit: &'static str,
    /// ‖gpu − cpu‖∞ / ‖cpu‖∞.
    pub rel_err: f64,
    /// Whether `rel_err` ≤ [`TOL`].
    pub ok: bool,
}

fn normwise(gpu: &[f64], cpu: &[f64]) -> f64 {
    if gpu.len() != cpu.len() {
        return f64::INFINITY;
    }
    // f64::max skips NaN, so a NaN anywhere is caught first: it must fail the check, not pass.
    if gpu.iter().chain(cpu).any(|v| v.is_nan()) {
        return f64::NAN;
    }
    let diff = gpu
        .iter()
        .zip(cpu)
        .map(|(g, c)| (g - c).abs())
        .fold(0.0, f64::max);
    let scale = cpu.iter().map(|c| c.abs()).fold(0.0, f64::max);
    if scale > 0.0 { diff / scale } else { diff }
}

fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, f64)> {
    let t = Instant::now();
    let v = f()?;
    Ok((v, t.elapsed().as_secs_f64()))
}

fn row(
    kernel: String,
    size: String,
    gpu_s: f64,
    cpu_s: f64,
    work: f64,
    unit: &'static str,
    rel_err: f64,
) -> CheckRow {
    CheckRow {
        kernel,
        size,
        gpu_s,
        cpu_s,
        library_s: None,
        rate: work / gpu_s,
        unit,
        rel_err,
        ok: rel_err <= TOL,
    }
}

/// Sparse module: Xᵀ R by cuBLAS DGEMM against nalgebra, n × d design, 8 residual columns.
pub fn xt_r(g: &Gpu, n: usize, d: usize, seed: u64) -> Result<CheckRow> {
    let mut rng = crate::rng::stream(seed, "veristat-device-xtr", 0);
    let x = DMatrix::from_fn(n, d, |_, _| rng.random::<f64>() - 0.5);
    let r = DMatrix::from_fn(n, 8, |_, _| rng.random::<f64>() - 0.5);
    g.xt_r(&x, &r)?;
    let (gpu, gs) = timed(|| g.xt_r(&x, &r))?;
    let (cpu, cs) = timed(|| Ok(x.tr_mul(&r)))?;
    Ok(row(
        "sparse Xᵀ R (cuBLAS DGEMM)".into(),
        format!("{n}x{d}x8"),
        gs,
        cs,
        2.0 * (n * d * 8) as f64 / 1e9,
        "GFLOP/s",
        normwise(gpu.as_slice(), cpu.as_slice()),
    ))
}

/// expfam: `replicates` risk replicates at sample size n of the normal model fitted to Gamma(4)
/// data (case A of `expfam-risk-expansion`); compares every loss and control variate.
pub fn expfam(g: &Gpu, replicates: usize, n: usize, seed: u64) -> Result<CheckRow> {
    let case = NormalRisk::new(&Truth::parse("gamma:4", 1)?)?;
    let key = PhiloxKey::new(seed, "expfam-risk-expansion");
    let job = Replicates::new(&case, key, 0, replicates, n);
    Replicates::new(&case, key, 0, replicates.min(1024), n).run_cuda(g)?;
    let (gpu, gs) = timed(|| job.run_cuda(g))?;
    let (cpu, cs) = timed(|| job.run_cpu())?;
    let flat = |v: &[crate::expfam::risk::RiskDraw]| -> (Vec<f64>, Vec<f64>) {
        (
            v.iter().map(|d| d.kl).collect(),
            v.iter().map(|d| d.q).collect(),
        )
    };
    let ((gk, gq), (ck, cq)) = (flat(&gpu), flat(&cpu));
    let rel = normwise(&gk, &ck).max(normwise(&gq, &cq));
    let (_, ls) = timed(|| library_expfam(replicates, n, seed))?;
    let mut r = row(
        "expfam risk (normal vs gamma:4)".into(),
        format!("{replicates} reps x n={n}"),
        gs,
        cs,
        (replicates * n) as f64 / 1e9,
        "Gdraw/s",
        rel,
    );
    r.library_s = Some(ls);
    Ok(r)
}

fn draw_columns(v: &[crate::expfam::risk::RiskDraw]) -> (Vec<f64>, Vec<f64>) {
    (
        v.iter().map(|d| d.kl).collect(),
        v.iter().map(|d| d.q).collect(),
    )
}

/// expfam: `replicates` risk replicates at sample size n of the Poisson model fitted to
/// negative-binomial(5, 0.5) data (case B of `expfam-risk-expansion`); compares every loss and
/// control variate. The kernel draws Σx directly, so its work is two draws per replicate; the
/// rate is in replicates (the library's path draws all n observations).
pub fn expfam_poisson(g: &Gpu, replicates: usize, n: usize, seed: u64) -> Result<CheckRow> {
    let truth = Truth::parse("negbin:5,0.5", 1)?;
    let case = PoissonRisk::new(&truth)?;
    let key = PhiloxKey::new(seed, "expfam-risk-expansion/B");
    let job = Replicates::new(&case, key, 0, replicates, n);
    Replicates::new(&case, key, 0, replicates.min(1024), n).run_cuda(g)?;
    let (gpu, gs) = timed(|| job.run_cuda(g))?;
    let (cpu, cs) = timed(|| job.run_cpu())?;
    let ((gk, gq), (ck, cq)) = (draw_columns(&gpu), draw_columns(&cpu));
    let rel = normwise(&gk, &ck).max(normwise(&gq, &cq));
    let sim = RiskSimulation::new(Arc::new(Poisson), &truth)?;
    let (_, ls) = timed(|| sim.run(n, replicates, seed, "expfam-risk-expansion"))?;
    let mut r = row(
        "expfam risk (poisson vs negbin:5,0.5)".into(),
        format!("{replicates} reps x n={n}"),
        gs,
        cs,
        replicates as f64 / 1e9,
        "Grep/s",
        rel,
    );
    r.library_s = Some(ls);
    Ok(r)
}

/// expfam: `replicates` risk replicates at sample size n of the chain graphical model on 4
/// variables fitted to the equicorrelated Gaussian (case C of `expfam-risk-expansion`);
/// compares every loss and control variate. The library baseline fits each replicate by Newton
/// iterations (`RiskSimulation::run`).
pub fn expfam_chain(g: &Gpu, replicates: usize, n: usize, seed: u64) -> Result<CheckRow> {
    let d = 4;
    let truth = Truth::Gaussian {
        mean: DVector::from_element(d, 1.0),
        cov: DMatrix::from_fn(d, d, |i, j| if i == j { 1.0 } else { 0.5 }),
    };
    let case = ChainRisk::new(&truth)?;
    let key = PhiloxKey::new(seed, "expfam-risk-expansion/C");
    let job = Replicates::new(&case, key, 0, replicates, n);
    Replicates::new(&case, key, 0, replicates.min(1024), n).run_cuda(g)?;
    let (gpu, gs) = timed(|| job.run_cuda(g))?;
    let (cpu, cs) = timed(|| job.run_cpu())?;
    let ((gk, gq), (ck, cq)) = (draw_columns(&gpu), draw_columns(&cpu));
    let rel = normwise(&gk, &ck).max(normwise(&gq, &cq));
    let sim = RiskSimulation::new(Arc::new(case.family().clone()), &truth)?;
    let (_, ls) = timed(|| sim.run(n, replicates, seed, "expfam-risk-expansion"))?;
    let mut r = row(
        "expfam risk (chain graph vs equicorrelated, d=4)".into(),
        format!("{replicates} reps x n={n}"),
        gs,
        cs,
        (replicates * n * d) as f64 / 1e9,
        "Gnormal/s",
        rel,
    );
    r.library_s = Some(ls);
    Ok(r)
}

/// The claim's own CPU path for [`expfam`]'s work: generic family code on ChaCha streams
/// (rand_distr's gamma), `RiskSimulation::run`.
fn library_expfam(replicates: usize, n: usize, seed: u64) -> Result<crate::expfam::MonteCarloRisk> {
    let truth = Truth::parse("gamma:4", 1)?;
    let sim = RiskSimulation::new(Arc::new(Gaussian::normal()), &truth)?;
    sim.run(n, replicates, seed, "expfam-risk-expansion")
}

/// The NLDP protocol of [`ldp`]: ε = 0.5, δ = 1e-5, τ = (1.5, 2), ℓ2 radius √d.
fn nldp_params(d: usize) -> NldpParams {
    NldpParams::new(0.5, 1e-5)
        .tau(1.5, 2.0)
        .radius((d as f64).sqrt())
}

/// The library's per-user NLDP protocol for [`ldp`]'s work (`Nldp::fit_with`, ChaCha +
/// ziggurat noise), which also solves the d × d server problem: negligible next to n·entries
/// draws.
fn library_ldp(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    public: bool,
    seed: u64,
) -> Result<crate::ldp::regression::LdpFit> {
    let est = nldp_params(x.ncols());
    let mut rng = crate::rng::stream(seed, "veristat-device-ldp-lib", 0);
    let data = RegressionData::new(x.clone(), y.clone())?;
    if public {
        // The public variant also takes public covariates; the users' own serve for timing.
        est.with_public_covariates(x.clone())
            .check()?
            .fit_with(&data, &mut rng)
    } else {
        est.check()?.fit_with(&data, &mut rng)
    }
}

/// ldp: NLDP messages (ε = 0.5, δ = 1e-5, τ = (1.5, 2), ℓ2 radius √d) of `users` users with d
/// heavy-tailed features, summed; compares every summed entry.
pub fn ldp(g: &Gpu, users: usize, d: usize, public: bool, seed: u64) -> Result<CheckRow> {
    let mut rng = crate::rng::stream(seed, "veristat-device-ldp", 0);
    let x: Vec<f64> = (0..users * d)
        .map(|_| 3.0 * (rng.random::<f64>() - 0.5) / (rng.random::<f64>() + 0.2))
        .collect();
    let y: Vec<f64> = (0..users)
        .map(|i| x[i * d] - 0.5 * x[i * d + d - 1] + 2.0 * (rng.random::<f64>() - 0.5))
        .collect();
    let msg = nldp_params(d).check()?.messages(d, public)?;
    let key = PhiloxKey::new(seed, "ldp-nldp-user");
    let warm = 1000.min(users);
    let part = MessageSums {
        messages: &msg,
        key,
        x: &x[..warm * d],
        y: &y[..warm],
    };
    part.run_cuda(g)?;
    let job = MessageSums {
        messages: &msg,
        key,
        x: &x,
        y: &y,
    };
    let (gpu, gs) = timed(|| job.run_cuda(g))?;
    let (cpu, cs) = timed(|| job.run_cpu())?;
    let xm = DMatrix::from_row_slice(users, d, &x);
    let ym = DVector::from_column_slice(&y);
    let (_, ls) = timed(|| library_ldp(&xm, &ym, public, seed))?;
    let mut r = row(
        format!("ldp NLDP messages{}", if public { " (public)" } else { "" }),
        format!("{users} users x d={d}, {} entries", msg.entries()),
        gs,
        cs,
        (users * msg.entries()) as f64 / 1e9,
        "Gnoise/s",
        normwise(&gpu.entries, &cpu.entries),
    );
    r.library_s = Some(ls);
    Ok(r)
}

/// ldp cells: exact moments of n users of the ±1 design (k = 2, ζ = ±0.5) for `replicates`
/// replicates at dimension d, as the `ldp-nldp-slopes` claim draws them (τ₂ = 1.5), or a public
/// Gram matrix (`public`: no clipping). Every Σxxᵀ entry must be equal (integers); `rel_err` is
/// the normwise error of the Σxỹ entries (set to infinity when a count differs).
pub fn ldp_cells(
    g: &Gpu,
    replicates: usize,
    d: usize,
    n: u64,
    public: bool,
    seed: u64,
) -> Result<CheckRow> {
    let design = RademacherDesign::new(d, 2, 0.5)?;
    let tau2 = if public { f64::MAX } else { 1.5 };
    let cells = Cells::new(&design, n, tau2)?;
    let key = PhiloxKey::new(seed, "veristat-device-ldp-cells");
    let reps: Vec<u64> = (0..replicates as u64).collect();
    let warm = CellBatch {
        cells: &cells,
        key,
        reps: &reps[..replicates.min(4)],
    };
    warm.run_cuda(g)?;
    let job = CellBatch {
        cells: &cells,
        key,
        reps: &reps,
    };
    let (gpu, gs) = timed(|| job.run_cuda(g))?;
    let (cpu, cs) = timed(|| job.run_cpu())?;
    let counts_equal = gpu.len() == cpu.len() && gpu.iter().zip(&cpu).all(|(a, b)| a.xx == b.xx);
    let flat =
        |v: &[CellMoments]| -> Vec<f64> { v.iter().flat_map(|m| m.xy.iter().copied()).collect() };
    let rel = if counts_equal {
        normwise(&flat(&gpu), &flat(&cpu))
    } else {
        f64::INFINITY
    };
    let (_, ls) = timed(|| library_cells(&design, n, tau2, replicates, seed))?;
    let mut r = row(
        format!(
            "ldp cell moments{}",
            if public { " (public Gram)" } else { "" }
        ),
        format!("{replicates} reps x d={d}, n={n:e}"),
        gs,
        cs,
        (replicates as f64) * (2usize << d) as f64 / 1e9,
        "Gsplit/s",
        rel,
    );
    r.library_s = Some(ls);
    Ok(r)
}

/// The claims' CPU path for [`ldp_cells`]'s work: [`RademacherDesign::moments`] (rand_distr's
/// binomial on ChaCha streams), replicates in parallel.
fn library_cells(
    design: &RademacherDesign,
    n: u64,
    tau2: f64,
    replicates: usize,
    seed: u64,
) -> Result<Vec<crate::ldp::regression::Moments>> {
    (0..replicates as u64)
        .into_par_iter()
        .map(|r| {
            let mut rng = crate::rng::stream(seed, "veristat-device-ldp-cells-lib", r);
            design.moments(n, tau2, &mut rng)
        })
        .collect()
}

/// The LDP-IHT problem of [`ldp_iht`]: one round of `users` users at d, k = 2, ε = 1 and the
/// `ldp-iht-slopes` claim's design and protocol settings (|ζ| = 0.5, τ = (1, 1.5), R = 2).
fn iht_row_problem(users: usize, d: usize) -> IhtProblem {
    IhtProblem {
        n: users as u64,
        epsilon: 1.0,
        d,
        k: 2.min(d),
        noise: 0.5,
        rounds: 1,
        step: 1.0,
        tau1: 1.0,
        tau2: 1.5,
        l1_radius: 2.0,
    }
}

/// The library's CPU path for [`ldp_iht`]'s work: per replicate, `RademacherDesign::sample` of
/// the users and one round of `LdpIht::fit_with` (ChaCha streams), replicates over rayon's
/// pool.
fn library_iht(problem: &IhtProblem, replicates: usize, seed: u64) -> Result<Vec<DVector<f64>>> {
    use rayon::prelude::*;
    let design = RademacherDesign::new(problem.d, problem.k, problem.noise)?;
    (0..replicates as u64)
        .into_par_iter()
        .map(|r| {
            let mut rng = crate::rng::stream(seed, "veristat-device-iht-lib", r);
            let (x, y) = design.sample(problem.n as usize, &mut rng);
            Ok(problem
                .estimator()?
                .fit_with(&RegressionData::new(x, y)?, &mut rng)?
                .coef)
        })
        .collect()
}

/// ldp-iht: one LDP-IHT round for `replicates` replicates of `users` users at d (random θ per
/// replicate); compares every summed report coordinate (exact integer sums on both sides, so
/// the error is 0 unless a draw differs).
pub fn ldp_iht(g: &Gpu, replicates: usize, users: usize, d: usize, seed: u64) -> Result<CheckRow> {
    let problem = iht_row_problem(users, d);
    let round = IhtRound::new(&problem, 0)?;
    let mut rng = crate::rng::stream(seed, "veristat-device-iht", 0);
    let theta: Vec<f64> = (0..replicates * d)
        .map(|_| rng.random::<f64>() - 0.5)
        .collect();
    let reps: Vec<u64> = (0..replicates as u64).collect();
    let key = PhiloxKey::new(seed, "ldp-iht-slopes/device-check");
    let warm = IhtRoundBatch {
        round: &round,
        key,
        reps: &reps[..1.min(replicates)],
        theta: &theta[..d.min(theta.len())],
    };
    warm.run_cuda(g)?;
    let job = IhtRoundBatch {
        round: &round,
        key,
        reps: &reps,
        theta: &theta,
    };
    let (gpu, gs) = timed(|| job.run_cuda(g))?;
    let (cpu, cs) = timed(|| job.run_cpu())?;
    let (_, ls) = timed(|| library_iht(&problem, replicates, seed))?;
    let mut r = row(
        "ldp-iht round (Duchi ℓ∞ reports)".into(),
        format!("{replicates} reps x {users} users x d={d}"),
        gs,
        cs,
        (replicates * users) as f64 / 1e6,
        "Mreport/s",
        normwise(&gpu, &cpu),
    );
    r.library_s = Some(ls);
    Ok(r)
}

/// echo: `points` random comb parameter points on a `bins`-bin toy spectrum with an injected
/// comb; compares every log ratio with the library's.
pub fn echo(
    g: &Gpu,
    bins: usize,
    points: usize,
    kind: LikelihoodKind,
    seed: u64,
) -> Result<CheckRow> {
    let spec = toy_spectrum(bins, seed)?;
    let fmax = spec.freq()[bins - 1];
    let pts = random_points(points, fmax, seed);
    let data = EchoData::new(&spec, kind, DurationFactor::Reference);
    let lik = CombLikelihood::new(&spec, kind);
    let dev = EchoPrepare { data: &data }.run_cuda(g)?;
    dev.log_ratios(&pts[..pts.len().min(64)])?;
    let (gpu, gs) = timed(|| dev.log_ratios(&pts))?;
    let (cpu, cs) = timed(|| Ok(log_ratio_batch_cpu(&lik, &pts)))?;
    let visited: usize = pts
        .iter()
        .map(|p| {
            let (lo, hi) = data.band(p.fmin, p.fmax);
            hi - lo
        })
        .sum();
    Ok(row(
        format!("echo log ratio ({})", kind.name()),
        format!("{points} points x {bins} bins"),
        gs,
        cs,
        (visited * 5 * std::mem::size_of::<f64>()) as f64 / 1e9,
        "GB/s",
        normwise(&gpu, &cpu),
    ))
}

/// Problem sizes of [`all`].
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Rows of the Xᵀ R design.
    pub xtr_n: usize,
    /// Columns of the Xᵀ R design.
    pub xtr_d: usize,
    /// expfam replicates.
    pub expfam_replicates: usize,
    /// expfam sample size per replicate.
    pub expfam_n: usize,
    /// LDP users.
    pub ldp_users: usize,
    /// LDP dimension.
    pub ldp_d: usize,
    /// Replicates of the LDP cell-moment check.
    pub cells_replicates: usize,
    /// Dimension of the LDP cell-moment check (2^{d+1} cells).
    pub cells_d: usize,
    /// Echo spectrum bins.
    pub echo_bins: usize,
    /// Echo parameter points.
    pub echo_points: usize,
    /// LDP-IHT replicates per round launch.
    pub iht_replicates: usize,
    /// LDP-IHT users per replicate and round (d is `ldp_d`).
    pub iht_users: usize,
}

/// Every check, in table order; a failing call is reported as an error naming the kernel.
pub fn all(g: &Gpu, z: &Sizes, seed: u64) -> Result<Vec<CheckRow>> {
    Ok(vec![
        xt_r(g, z.xtr_n, z.xtr_d, seed)?,
        expfam(g, z.expfam_replicates, z.expfam_n, seed)?,
        expfam_poisson(g, z.expfam_replicates, z.expfam_n, seed)?,
        // A tenth of the replicates: the library baseline fits every chain replicate by Newton
        // iterations, two orders slower per replicate than the other rows' baselines.
        expfam_chain(g, (z.expfam_replicates / 10).max(2), z.expfam_n, seed)?,
        ldp(g, z.ldp_users, z.ldp_d, false, seed)?,
        ldp(g, z.ldp_users, z.ldp_d, true, seed)?,
        ldp_cells(
            g,
            z.cells_replicates,
            z.cells_d,
            100_000_000_000,
            false,
            seed,
        )?,
        ldp_cells(
            g,
            z.cells_replicates,
            z.cells_d,
            1_000_000_000_000,
            true,
            seed,
        )?,
        ldp_iht(g, z.iht_replicates, z.iht_users, z.ldp_d, seed)?,
        echo(g, z.echo_bins, z.echo_points, LikelihoodKind::New, seed)?,
        echo(g, z.echo_bins, z.echo_points, LikelihoodKind::Old, seed)?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The baselines `veristat device` times on the GPU machine run (small sizes here).
    #[test]
    fn library_baselines_run() {
        let r = library_expfam(200, 50, 1).unwrap();
        assert_eq!(r.replicates, 200);
        let mut rng = crate::rng::stream(2, "baseline-test", 0);
        let x = DMatrix::from_fn(3000, 4, |_, _| rng.random::<f64>() - 0.5);
        let y = DVector::from_fn(3000, |i, _| x[(i, 0)]);
        for public in [false, true] {
            assert_eq!(library_ldp(&x, &y, public, 3).unwrap().coef.len(), 4);
        }
        let design = RademacherDesign::new(5, 2, 0.5).unwrap();
        let m = library_cells(&design, 1_000_000, 1.5, 3, 4).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].xx[(2, 2)], 1e6);
        let fits = library_iht(&iht_row_problem(2000, 6), 3, 4).unwrap();
        assert_eq!(fits.len(), 3);
        assert!(fits.iter().all(|t| t.len() == 6));
    }

    #[test]
    fn normwise_error_fails_on_nan_and_length_mismatch() {
        assert_eq!(normwise(&[1.0, 2.0], &[1.0, 2.0]), 0.0);
        assert!((normwise(&[1.0, 2.0 + 4e-12], &[1.0, 2.0]) - 2e-12).abs() < 1e-14);
        // Both fail `rel_err <= TOL`: NaN compares false, infinity is above any tolerance.
        assert!(normwise(&[f64::NAN], &[1.0]).is_nan());
        assert!(normwise(&[1.0, 2.0], &[1.0, f64::NAN]).is_nan());
        assert_eq!(normwise(&[1.0], &[1.0, 2.0]), f64::INFINITY);
    }
}
