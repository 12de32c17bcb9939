//! `--device auto|cpu|cuda` (issue 8): device-routed library code run through the CPU twins
//! ([`veristat::device::Device::Twins`], the GPU's numbers on the CPU), so the routing is tested without
//! a GPU, and the CLI's flag on `verify`, `report`, `echo search` and `ldp regress`.

mod common;

use nalgebra::{DMatrix, DVector};
use veristat::device::philox::PhiloxKey;
use veristat::device::{Device, DeviceChoice, resolve};
use veristat::echo::kernel::toy_spectrum;
use veristat::echo::{CombPrior, LikelihoodKind};
use veristat::estimator::{ParamGuard, RegressionData};
use veristat::inference::NestedParams;
use veristat::ldp::regression::{NldpParams, NoiseMode};
use veristat::montecarlo::{NoProgress, RunConfig, Scale, Shard, runner};
use veristat::{Error, claims};

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// Whether this machine has a usable GPU (some CLI checks only hold without one).
fn has_gpu() -> bool {
    resolve(DeviceChoice::Cuda).is_ok()
}

#[test]
fn risk_expansion_offload_runs_every_case_on_its_kernel() {
    let claim = claims::find("expfam-risk-expansion", Scale::Test).unwrap();
    let off = claim
        .offload()
        .expect("the risk-expansion claim has an offload");
    let what = off.describe();
    for label in [
        "A: normal vs gamma:4",
        "B: poisson vs negbin:5,0.5",
        "C: chain graph vs equicorrelated",
    ] {
        assert!(what.contains(label), "{what}");
    }
    let cfg = RunConfig::new(5, 40);
    let cpu = runner::run(claim.as_ref(), &cfg, &NoProgress).unwrap();
    let (twin, used) =
        runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(&Device::Twins)).unwrap();
    assert!(used);
    // No kernels: exactly the CPU run.
    let (plain, used) = runner::run_on(claim.as_ref(), &cfg, &NoProgress, None).unwrap();
    assert!(!used);
    assert_eq!(plain, cpu);
    // Same shape, same keys in the same order; every case's values come from the kernels'
    // Philox streams, so the rows differ from the ChaCha run. Case B's loss is a function of
    // the integer Σx (sd ≈ 22 at n = 50), so the two runs agree on a few percent of its rows
    // by chance; the continuous cases A and C never do.
    assert_eq!(twin.rows.len(), cpu.rows.len());
    let mut per_case = [0; 3];
    let mut same_b = 0;
    for (t, c) in twin.rows.iter().zip(&cpu.rows) {
        assert_eq!((t.replicate, &t.key), (c.replicate, &c.key));
        let case = usize::from(t.key[0].as_bytes()[0] - b'A');
        if case == 1 {
            same_b += usize::from(t.values == c.values);
        } else {
            assert_ne!(t.values, c.values, "{t:?}");
        }
        per_case[case] += 1;
    }
    assert_eq!(per_case, [40 * 2; 3]);
    assert!(
        same_b <= 8,
        "{same_b} of case B's 80 rows equal the CPU run's"
    );
    // The verdict has the same checks.
    let (vt, vc) = (claim.verdict(&twin).unwrap(), claim.verdict(&cpu).unwrap());
    let names = |v: &veristat::montecarlo::Verdict| {
        v.checks.iter().map(|c| c.name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&vt), names(&vc));
    // Reproducible for any thread count, and two shards merge into the one-shard table.
    let two = in_pool(2, || {
        runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(&Device::Twins)).unwrap()
    });
    assert_eq!(two.0, twin);
    let parts: Vec<_> = (0..2)
        .map(|i| {
            let c = RunConfig {
                shard: Shard { index: i, count: 2 },
                ..cfg.clone()
            };
            runner::run_on(claim.as_ref(), &c, &NoProgress, Some(&Device::Twins))
                .unwrap()
                .0
        })
        .collect();
    assert_eq!(runner::combine(parts, 40).unwrap(), twin);
}

/// The whole claim through the kernels' CPU twins at its test scale (4000 replicates, n = 50
/// and 200): the verdict passes, as the CPU run's does.
#[test]
fn risk_expansion_on_the_twins_passes_at_test_scale() {
    let claim = claims::find("expfam-risk-expansion", Scale::Test).unwrap();
    let cfg = RunConfig::new(1, claim.default_replicates());
    let (table, used) =
        runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(&Device::Twins)).unwrap();
    assert!(used);
    let v = claim.verdict(&table).unwrap();
    assert_eq!(v.checks.len(), 4, "{v:?}");
    assert!(v.pass(), "{v:#?}");
}

#[test]
fn claims_without_a_kernel_run_on_the_cpu_whatever_the_device() {
    let claim = claims::find("sparse-random-support", Scale::Test).unwrap();
    assert!(claim.offload().is_none());
    let cfg = RunConfig::new(1, 2);
    let (t, used) =
        runner::run_on(claim.as_ref(), &cfg, &NoProgress, Some(&Device::Twins)).unwrap();
    assert!(!used);
    assert_eq!(t, runner::run(claim.as_ref(), &cfg, &NoProgress).unwrap());
}

const TWINS: &Device = &Device::Twins;

fn ldp_data(n: usize) -> (DMatrix<f64>, DVector<f64>) {
    let design = veristat::ldp::regression::simulate::RademacherDesign::new(4, 1, 0.5).unwrap();
    let mut r = veristat::rng::stream(3, "device-ldp", 0);
    design.sample(n, &mut r)
}

#[test]
fn nldp_fit_on_the_twins_is_the_server_on_the_aggregated_messages() {
    let (x, y) = ldp_data(4000);
    let data = RegressionData::new(x.clone(), y).unwrap();
    let key = PhiloxKey::new(2, "ldp-regress");
    let params = NldpParams::new(0.5, 1e-5).tau(1.0, 1.5);
    let est = params.check().unwrap();
    let a = est.fit_on(&data, TWINS, key).unwrap();
    let b = in_pool(1, || est.fit_on(&data, TWINS, key).unwrap());
    assert_eq!(a.coef, b.coef);
    assert!(a.privacy.is_some());
    let msg = est.messages(4, false).unwrap();
    let (s1, s2) = msg.sigma();
    assert!(s1 > 0.0 && s2 > 0.0);
    // Public variant: only the cross moment is aggregated.
    let public = params.clone().with_public_covariates(x.clone());
    let p = public.check().unwrap().fit_on(&data, TWINS, key).unwrap();
    assert_eq!(p.coef.len(), 4);
    assert_eq!(
        p.details["public_rows"],
        serde_json::json!(x.nrows() as u64)
    );
    // Typed errors: the aggregate shortcut has no per-user work; mismatched public columns.
    assert!(matches!(
        params
            .clone()
            .noise(NoiseMode::Aggregate)
            .check()
            .unwrap()
            .fit_on(&data, TWINS, key),
        Err(Error::InvalidParameter { name: "noise", .. })
    ));
    let narrow = x.columns(0, 3).into_owned();
    assert!(matches!(
        params
            .with_public_covariates(narrow)
            .check()
            .unwrap()
            .fit_on(&data, TWINS, key),
        Err(Error::DimensionMismatch { .. })
    ));
}

#[test]
fn nldp_fit_on_recovers_the_signal_at_large_epsilon() {
    let (x, y) = ldp_data(20_000);
    let est = NldpParams::new(500.0, 1e-3).tau(1.0, 1.5).check().unwrap();
    let fit = est
        .fit_on(
            &RegressionData::new(x, y).unwrap(),
            TWINS,
            PhiloxKey::new(1, "t"),
        )
        .unwrap();
    let design = veristat::ldp::regression::simulate::RademacherDesign::new(4, 1, 0.5).unwrap();
    let err = (&fit.coef - &design.theta).norm();
    assert!(err < 0.2, "error {err}, coef {:?}", fit.coef);
}

#[test]
fn echo_search_on_the_twins_is_deterministic_and_agrees_with_the_cpu_search() {
    let spec = toy_spectrum(2000, 1).unwrap();
    let fmax = spec.freq()[spec.len() - 1];
    let prior = CombPrior::toy(0.8, 5.0, (5.0, 10.0), (0.0, fmax));
    let params = NestedParams::new(60).walks(10);
    let on = |threads| {
        in_pool(threads, || {
            let mut rng = veristat::rng::stream(4, "device-echo", 0);
            veristat::echo::search_on(&spec, &prior, LikelihoodKind::New, &params, &mut rng, TWINS)
                .unwrap()
        })
    };
    let (a, b) = (on(1), on(2));
    assert_eq!(a.log_bayes_factor.to_bits(), b.log_bayes_factor.to_bits());
    assert_eq!(a.n_likelihood_calls, b.n_likelihood_calls);
    let mut rng = veristat::rng::stream(4, "device-echo", 0);
    let cpu =
        veristat::echo::search(&spec, &prior, LikelihoodKind::New, &params, &mut rng).unwrap();
    let tol = 4.0 * (a.log_bayes_factor_err.powi(2) + cpu.log_bayes_factor_err.powi(2)).sqrt();
    assert!(
        (a.log_bayes_factor - cpu.log_bayes_factor).abs() <= tol,
        "twins {} ± {}, cpu {} ± {}",
        a.log_bayes_factor,
        a.log_bayes_factor_err,
        cpu.log_bayes_factor,
        cpu.log_bayes_factor_err
    );
}

/// The GPU's batch size (`device_batch`: K = nlive / 10 replacements per iteration, their walks
/// in lockstep): the same for any thread count, every evaluation in a batch, far fewer and
/// larger batches than with the CPU's K, and the evidence within errors of the CPU search.
#[test]
fn echo_search_on_the_twins_with_the_device_batch() {
    let spec = toy_spectrum(2000, 1).unwrap();
    let fmax = spec.freq()[spec.len() - 1];
    let prior = CombPrior::toy(0.8, 5.0, (5.0, 10.0), (0.0, fmax));
    let run = |threads, params: &NestedParams| {
        in_pool(threads, || {
            let mut rng = veristat::rng::stream(4, "device-echo", 0);
            veristat::echo::search_on(&spec, &prior, LikelihoodKind::New, params, &mut rng, TWINS)
                .unwrap()
        })
    };
    let small = NestedParams::new(100).walks(10);
    let k = veristat::echo::device_batch(100);
    assert_eq!(k, 10);
    let big = small.clone().batch(k);
    let (a, b) = (run(1, &big), run(2, &big));
    assert_eq!(a.log_bayes_factor.to_bits(), b.log_bayes_factor.to_bits());
    assert_eq!(a.nested.samples, b.nested.samples);
    let (d, s) = (&a.nested.diagnostics, &run(2, &small).nested.diagnostics);
    assert_eq!(a.n_likelihood_calls, d.batch_points);
    assert!(d.walk_batches > 0);
    let mean =
        |d: &veristat::inference::nested::Diagnostics| d.batch_points as f64 / d.batches as f64;
    assert!(
        d.batches * 2 < s.batches && mean(d) > mean(s),
        "K = {k}: {} batches of {:.1}; K = 2: {} of {:.1}",
        d.batches,
        mean(d),
        s.batches,
        mean(s)
    );
    let mut rng = veristat::rng::stream(4, "device-echo", 0);
    let cpu = veristat::echo::search(&spec, &prior, LikelihoodKind::New, &small, &mut rng).unwrap();
    let tol = 4.0 * (a.log_bayes_factor_err.powi(2) + cpu.log_bayes_factor_err.powi(2)).sqrt();
    assert!(
        (a.log_bayes_factor - cpu.log_bayes_factor).abs() <= tol,
        "twins K = {k}: {} ± {}, cpu K = 2: {} ± {}",
        a.log_bayes_factor,
        a.log_bayes_factor_err,
        cpu.log_bayes_factor,
        cpu.log_bayes_factor_err
    );
}

#[test]
fn twins_label_and_resolution() {
    assert_eq!(Device::Twins.label(), "CPU twins");
    let sources = veristat::registry::SOURCES;
    let cpu = resolve(DeviceChoice::Cpu).unwrap();
    assert!(cpu.device(sources).unwrap().is_none());
    if !has_gpu() {
        assert!(matches!(
            resolve(DeviceChoice::Cuda),
            Err(Error::GpuUnavailable(_))
        ));
        assert!(
            resolve(DeviceChoice::Auto)
                .unwrap()
                .device(sources)
                .unwrap()
                .is_none()
        );
    }
}

#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use common::{temp_file, veristat};

    fn tmp(name: &str) -> String {
        let dir = std::env::temp_dir().join(format!("veristat-device-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name).to_str().unwrap().to_string()
    }

    fn json(s: &str) -> serde_json::Value {
        serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
    }

    fn device_lines(stderr: &str) -> Vec<&str> {
        stderr
            .lines()
            .filter(|l| l.starts_with("device: "))
            .collect()
    }

    #[test]
    fn verify_on_the_cpu_is_the_library_run() {
        let claim = claims::find("expfam-risk-expansion", Scale::Test).unwrap();
        let table = runner::run(claim.as_ref(), &RunConfig::new(3, 30), &NoProgress).unwrap();
        let mut want = serde_json::to_value(claim.verdict(&table).unwrap()).unwrap();
        want["content_hash"] = table.content_hash().into();
        let out = tmp("verify-cpu");
        let (code, stdout, stderr) = veristat(&[
            "verify",
            "expfam-risk-expansion",
            "--scale",
            "test",
            "--replicates",
            "30",
            "--seed",
            "3",
            "--format",
            "json",
            "--out",
            &out,
            "--device",
            "cpu",
        ]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(json(&stdout), want);
        assert_eq!(device_lines(&stderr), ["device: cpu (--device cpu)"]);
    }

    #[test]
    fn auto_without_a_gpu_says_it_used_the_cpu_and_matches_cpu() {
        if has_gpu() {
            eprintln!("SKIPPED: this machine has a GPU, so auto resolves to CUDA");
            return;
        }
        let out = tmp("verify-auto");
        let args = |dev: &'static str| {
            vec![
                "verify".to_string(),
                "sparse-random-support".into(),
                "--scale".into(),
                "test".into(),
                "--replicates".into(),
                "2".into(),
                "--format".into(),
                "json".into(),
                "--out".into(),
                format!("{out}-{dev}"),
                "--device".into(),
                dev.into(),
            ]
        };
        let run = |dev| {
            let a = args(dev);
            veristat(&a.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let (ca, sa, ea) = run("auto");
        let (cc, sc, _) = run("cpu");
        assert_eq!((ca, cc), (0, 0), "{ea}");
        assert_eq!(sa, sc);
        let lines = device_lines(&ea);
        assert_eq!(lines.len(), 1, "{ea}");
        assert!(
            lines[0].starts_with("device: cpu (auto: no usable GPU: "),
            "{ea}"
        );
    }

    #[test]
    fn cuda_without_a_gpu_is_one_line_and_exit_2() {
        if has_gpu() {
            eprintln!("SKIPPED: this machine has a GPU");
            return;
        }
        let data = temp_file(
            "device",
            "one.csv",
            "frequency,real,imaginary,psd\n1,0,0,1\n2,0,0,1\n",
        );
        let d = data.to_str().unwrap();
        let out = tmp("verify-cuda");
        let cases: [Vec<&str>; 4] = [
            vec![
                "verify",
                "sparse-random-support",
                "--scale",
                "test",
                "--out",
                &out,
                "--device",
                "cuda",
            ],
            vec!["report", "--out", &out, "--device", "cuda"],
            vec![
                "echo",
                "search",
                "--data",
                d,
                "--likelihood",
                "new",
                "--device",
                "cuda",
            ],
            vec![
                "ldp",
                "regress",
                "--data",
                d,
                "--target",
                "psd",
                "--method",
                "nldp",
                "--epsilon",
                "1",
                "--delta",
                "1e-5",
                "--device",
                "cuda",
            ],
        ];
        for args in cases {
            let (code, stdout, stderr) = veristat(&args);
            assert_eq!(code, 2, "{args:?}: {stderr}");
            assert!(stdout.is_empty(), "{args:?}: {stdout}");
            assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
            assert!(stderr.starts_with("error: no usable GPU: "), "{stderr}");
            // Names the missing library (a CUDA build) or the missing feature.
            assert!(
                stderr.contains("cannot load") || stderr.contains("no `cuda` feature"),
                "{stderr}"
            );
        }
        let (code, _, stderr) = veristat(&["verify", "sparse-random-support", "--device", "gpu"]);
        assert_eq!(code, 2);
        assert!(stderr.contains("auto, cpu, cuda"), "{stderr}");
    }

    #[test]
    fn echo_search_on_the_cpu_is_the_library_search() {
        let spec_path = tmp("toy-spectrum.csv");
        let spec = toy_spectrum(300, 2).unwrap();
        let mut csv = String::from("frequency,real,imaginary,psd\n");
        for k in 0..spec.len() {
            let z = spec.data()[k];
            csv.push_str(&format!(
                "{:?},{:?},{:?},{:?}\n",
                spec.freq()[k],
                z.re,
                z.im,
                spec.psd()[k]
            ));
        }
        std::fs::write(&spec_path, csv).unwrap();
        let fmax = spec.freq()[spec.len() - 1].to_string();
        let (code, stdout, stderr) = veristat(&[
            "echo",
            "search",
            "--data",
            &spec_path,
            "--likelihood",
            "new",
            "--nlive",
            "50",
            "--walks",
            "8",
            "--seed",
            "6",
            "--f-max",
            &fmax,
            "--r-bar",
            "10",
            "--device",
            "cpu",
        ]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(device_lines(&stderr), ["device: cpu (--device cpu)"]);
        let v = json(&stdout);
        // The library search with the CLI's prior and seed.
        let read = veristat::data::read_table(std::path::Path::new(&spec_path)).unwrap();
        let f = read.column("frequency").unwrap().to_vec();
        let re = read.column("real").unwrap();
        let im = read.column("imaginary").unwrap();
        let s = veristat::echo::Spectrum::new(
            f,
            re.iter()
                .zip(im)
                .map(|(&r, &i)| veristat::echo::C64::new(r, i))
                .collect(),
            read.column("psd").unwrap().to_vec(),
        )
        .unwrap();
        let mean_abs = s.data().iter().map(|z| z.norm()).sum::<f64>() / s.len() as f64;
        let fm: f64 = fmax.parse().unwrap();
        let mut prior = CombPrior::benchmark(s.duration(), mean_abs);
        prior.width = veristat::echo::PriorRange::LogUniform(1.0 / s.duration(), 10.0);
        prior.spacing = veristat::echo::PriorRange::Uniform(2.5, 10.0);
        prior.fmin = veristat::echo::PriorRange::Uniform(0.0, fm);
        prior.fmax = veristat::echo::PriorRange::Uniform(0.0, fm);
        prior.min_teeth = Some((10.0, fm));
        let mut rng = veristat::rng::stream(6, "echo-search", 0);
        let want = veristat::echo::search(
            &s,
            &prior,
            LikelihoodKind::New,
            &NestedParams::new(50).walks(8),
            &mut rng,
        )
        .unwrap();
        assert_eq!(
            v["log_bayes_factor"].as_f64().unwrap(),
            want.log_bayes_factor
        );
        assert_eq!(
            v["n_likelihood_calls"].as_u64().unwrap(),
            want.n_likelihood_calls
        );
    }

    #[test]
    fn ldp_regress_on_the_cpu_is_unchanged_and_iht_says_cpu() {
        let (x, y) = ldp_data(3000);
        let mut csv = String::from("a,b,c,d,target\n");
        for i in 0..x.nrows() {
            csv.push_str(&format!(
                "{},{},{},{},{}\n",
                x[(i, 0)],
                x[(i, 1)],
                x[(i, 2)],
                x[(i, 3)],
                y[i]
            ));
        }
        let data = temp_file("device", "users.csv", &csv);
        let d = data.to_str().unwrap();
        let base = [
            "ldp",
            "regress",
            "--data",
            d,
            "--target",
            "target",
            "--epsilon",
            "0.5",
            "--delta",
            "1e-5",
            "--seed",
            "2",
            "--tau1",
            "1",
            "--tau2",
            "1.5",
        ];
        for method in ["nldp", "iht"] {
            let mut args = base.to_vec();
            args.extend(["--method", method, "--device", "cpu"]);
            let (code, stdout, stderr) = veristat(&args);
            assert_eq!(code, 0, "{stderr}");
            assert_eq!(device_lines(&stderr), ["device: cpu (--device cpu)"]);
            let v = json(&stdout);
            if method == "nldp" {
                // The library's CPU fit with the CLI's stream.
                let mut r = veristat::rng::stream(2, "ldp-regress", 0);
                let fit = NldpParams::new(0.5, 1e-5)
                    .tau(1.0, 1.5)
                    .check()
                    .unwrap()
                    .fit_with(&RegressionData::new(x.clone(), y.clone()).unwrap(), &mut r)
                    .unwrap();
                let coef: Vec<f64> = v["coef"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_f64().unwrap())
                    .collect();
                assert_eq!(coef, fit.coef.as_slice());
            }
        }
    }
}
