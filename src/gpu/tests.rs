//! The GPU tests, `#[ignore]`d: they need a CUDA GPU (or, for the NVRTC compile, libnvrtc).
//! `scripts/gpu-check.sh` bundles them; `scripts/gpu-run.sh` runs them on a GPU machine
//! (`--include-ignored gpu:: device::`).

use super::checks;
use crate::device::cuda::{Gpu, compile, nvrtc_present};
use crate::device::philox::PhiloxKey;
use crate::device::{Device, KernelJob};
use crate::estimator::{ParamGuard, RegressionData};
use crate::expfam::kernels::Replicates;
use crate::expfam::kernels::normal::NormalRisk;
use crate::expfam::kernels::poisson::PoissonRisk;
use crate::registry::{SOURCES, kernel_names};
use nalgebra::DMatrix;

/// The process's GPU with the registered kernels.
fn gpu() -> Gpu {
    Gpu::open(SOURCES).expect("a GPU")
}

/// Compiles every kernel with the real NVRTC (it needs no GPU, only libnvrtc: e.g. the PyPI
/// wheel nvidia-cuda-nvrtc). Ignored by default so that a machine without libnvrtc reports
/// it skipped rather than passed; scripts/gpu-check.sh runs it when NVRTC_DIR is set.
#[test]
#[ignore = "needs libnvrtc: LD_LIBRARY_PATH=<folder of libnvrtc.so.13> cargo test --features cuda -- --ignored nvrtc"]
fn nvrtc_compiles_every_kernel() {
    assert!(
        nvrtc_present(),
        "libnvrtc not loadable (tried {}); put its folder on LD_LIBRARY_PATH",
        cudarc::get_lib_name_candidates("nvrtc").join(", ")
    );
    for arch in ["compute_80", "compute_90"] {
        let ptx = compile(SOURCES, arch).unwrap_or_else(|e| panic!("{arch}: {e}"));
        let src = ptx.to_src();
        for k in kernel_names() {
            assert!(
                src.contains(&format!(".entry {k}(")),
                "{arch}: no entry {k}"
            );
        }
        println!("NVRTC compiled {} kernels for {arch}", kernel_names().len());
    }
}

#[test]
#[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
fn expfam_risk_matches_cpu_twin() {
    let g = &gpu();
    let row = checks::expfam(g, 20_000, 100, 1).unwrap();
    assert!(row.ok, "{row:?}");
    // The claim-level summary is the same on both sides.
    let case = NormalRisk::new(&crate::expfam::truth::Truth::parse("gamma:4", 1).unwrap()).unwrap();
    let key = PhiloxKey::new(4, "expfam-risk-expansion");
    let (gs, cs) = (
        case.run_on(&Device::Cuda(*g), key, 200, 5000).unwrap(),
        case.run_cpu(key, 200, 5000).unwrap(),
    );
    assert!(
        (gs.risk - cs.risk).abs() <= 1e-12 * cs.risk.abs(),
        "{gs:?} vs {cs:?}"
    );
    assert!((gs.se - cs.se).abs() <= 1e-10 * cs.se, "{gs:?} vs {cs:?}");
}

#[test]
#[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
fn expfam_poisson_and_chain_risk_match_cpu_twins() {
    let g = &gpu();
    for n in [50, 1000] {
        let row = checks::expfam_poisson(g, 50_000, n, 1).unwrap();
        assert!(row.ok, "{row:?}");
        let row = checks::expfam_chain(g, 20_000, n, 1).unwrap();
        assert!(row.ok, "{row:?}");
    }
    // Correctly specified Poisson truth at nμ = 9.8 < 10 (the multiplication branch): a
    // replicate with Σx = 0 (probability e^{-9.8} each) is an error on both sides alike.
    let case =
        PoissonRisk::new(&crate::expfam::truth::Truth::parse("poisson:0.49", 1).unwrap()).unwrap();
    let key = PhiloxKey::new(4, "gpu-poisson-small");
    let job = Replicates::new(&case, key, 0, 2000, 20);
    let (a, b) = (job.run_cuda(g), job.run_cpu());
    match (a, b) {
        (Ok(a), Ok(b)) => {
            for (x, y) in a.iter().zip(&b) {
                assert!((x.kl - y.kl).abs() <= 1e-12 * y.kl.abs(), "{x:?} vs {y:?}");
                assert!((x.q - y.q).abs() <= 1e-12 * y.q.abs(), "{x:?} vs {y:?}");
            }
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("GPU {a:?}, twin {b:?}"),
    }
}

#[test]
#[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
fn ldp_aggregate_matches_cpu_twin() {
    let g = &gpu();
    for public in [false, true] {
        let row = checks::ldp(g, 50_000, 8, public, 1).unwrap();
        assert!(row.ok, "{row:?}");
    }
}

#[test]
#[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
fn ldp_cells_matches_cpu_twin() {
    let g = &gpu();
    // The claims' hardest point (d = 16, n = 1e11) and a public Gram at n = 1e12.
    for (reps, d, n, public) in [
        (64, 16, 100_000_000_000, false),
        (64, 8, 1_000_000_000_000, true),
    ] {
        let row = checks::ldp_cells(g, reps, d, n, public, 1).unwrap();
        assert!(row.ok, "{row:?}");
    }
}

#[test]
#[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
fn ldp_iht_round_matches_cpu_twin() {
    use crate::montecarlo::{NoProgress, RunConfig, Scale, runner};
    let g = &gpu();
    for d in [5, 16, 63] {
        let row = checks::ldp_iht(g, 24, 50_000, d, 1).unwrap();
        assert!(row.ok && row.rel_err == 0.0, "{row:?}");
    }
    // The offloaded claim: the same table as on the twins, number for number (the sums
    // are exact on both sides and the server step is the same host code).
    let claim = crate::claims::find("ldp-iht-slopes", Scale::Test).unwrap();
    let cfg = RunConfig::new(7, 3);
    let (a, used) =
        runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(&Device::Cuda(*g))).unwrap();
    assert!(used);
    let (b, _) = runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(&Device::Twins)).unwrap();
    assert_eq!(a.rows, b.rows);
}

#[test]
#[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
fn echo_loglike_matches_cpu_twin() {
    let g = &gpu();
    for kind in [
        crate::echo::LikelihoodKind::New,
        crate::echo::LikelihoodKind::Old,
    ] {
        let row = checks::echo(g, 4000, 2000, kind, 1).unwrap();
        assert!(row.ok, "{row:?}");
    }
}

/// The device-routed paths (`--device cuda`) give the twins' numbers.
#[test]
#[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
fn offloaded_claim_matches_the_twins() {
    let g = &gpu();
    claim_on_the_gpu_matches_the_twins(g, "expfam-risk-expansion", 500, 1e-10);
}

/// `name` at test scale on the GPU and on the twins: same rows (values to `rel`) and
/// verdicts.
fn claim_on_the_gpu_matches_the_twins(g: &Gpu, name: &str, replicates: u64, rel: f64) {
    use crate::montecarlo::{NoProgress, RunConfig, Scale, runner};
    let claim = crate::claims::find(name, Scale::Test).unwrap();
    let cfg = RunConfig::new(7, replicates);
    let (a, used) =
        runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(&Device::Cuda(*g))).unwrap();
    assert!(used);
    let (b, _) = runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(&Device::Twins)).unwrap();
    assert_eq!(a.rows.len(), b.rows.len());
    for (x, y) in a.rows.iter().zip(&b.rows) {
        assert_eq!((x.replicate, &x.key), (y.replicate, &y.key));
        for (u, v) in x.values.iter().zip(&y.values) {
            assert!(
                (u - v).abs() <= rel * v.abs().max(1e-300),
                "{name}: {x:?} vs {y:?}"
            );
        }
    }
    let (va, vb) = (claim.verdict(&a).unwrap(), claim.verdict(&b).unwrap());
    assert_eq!(va.pass(), vb.pass(), "{name}");
}

/// The NLDP and public slope claims on the cell kernel give the twins' rows (counts equal,
/// so the fits agree to rounding) and the same verdicts.
#[test]
#[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
fn offloaded_ldp_slope_claims_match_the_twins() {
    let g = &gpu();
    for name in ["ldp-nldp-slopes", "ldp-public-slopes"] {
        claim_on_the_gpu_matches_the_twins(g, name, 30, 1e-9);
    }
}

#[test]
#[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
fn nldp_fit_on_matches_the_twins() {
    use crate::ldp::regression::NldpParams;
    let g = &gpu();
    let design = crate::ldp::regression::simulate::RademacherDesign::new(6, 2, 0.5).unwrap();
    let (x, y) = design.sample(100_000, &mut crate::rng::stream(1, "gpu-nldp", 0));
    let key = PhiloxKey::new(3, "ldp-regress");
    let est = NldpParams::new(4.0, 1e-5).tau(1.0, 1.5);
    let data = RegressionData::new(x.clone(), y).unwrap();
    let (nldp, public_est) = (
        est.clone().check().unwrap(),
        est.with_public_covariates(x).check().unwrap(),
    );
    for public in [false, true] {
        let fit = |d: &Device| {
            if public {
                public_est.fit_on(&data, d, key).unwrap()
            } else {
                nldp.fit_on(&data, d, key).unwrap()
            }
        };
        let (a, b) = (fit(&Device::Cuda(*g)), fit(&Device::Twins));
        assert!(
            (&a.coef - &b.coef).norm() <= 1e-9 * b.coef.norm().max(1.0),
            "{:?} vs {:?}",
            a.coef,
            b.coef
        );
    }
}

#[test]
#[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
fn echo_search_on_the_gpu_agrees_with_the_twins() {
    use crate::echo::{CombPrior, LikelihoodKind};
    use crate::inference::NestedParams;
    let g = &gpu();
    let spec = crate::echo::kernel::toy_spectrum(2000, 1).unwrap();
    let fmax = spec.freq()[spec.len() - 1];
    let prior = CombPrior::toy(0.8, 5.0, (5.0, 10.0), (0.0, fmax));
    let params = NestedParams::new(100).walks(10);
    let run = |d: &Device| {
        let mut rng = crate::rng::stream(4, "gpu-echo-search", 0);
        crate::echo::search_on(&spec, &prior, LikelihoodKind::New, &params, &mut rng, d).unwrap()
    };
    let (a, b) = (run(&Device::Cuda(*g)), run(&Device::Twins));
    let tol = 3.0 * (a.log_bayes_factor_err.powi(2) + b.log_bayes_factor_err.powi(2)).sqrt();
    assert!(
        (a.log_bayes_factor - b.log_bayes_factor).abs() <= tol,
        "gpu {} ± {}, twins {} ± {}",
        a.log_bayes_factor,
        a.log_bayes_factor_err,
        b.log_bayes_factor,
        b.log_bayes_factor_err
    );
}

#[test]
#[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
fn xt_r_matches_cpu_twin() {
    let mut rng = crate::rng::stream(3, "gpu-xtr", 0);
    use rand::RngExt;
    let x = DMatrix::from_fn(3000, 257, |_, _| rng.random::<f64>() - 0.5);
    let r = DMatrix::from_fn(3000, 5, |_, _| rng.random::<f64>() - 0.5);
    let g = gpu().xt_r(&x, &r).unwrap();
    let c = x.tr_mul(&r);
    assert!((g - &c).norm() <= 1e-12 * c.norm());
}
