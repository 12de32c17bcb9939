//! Integration tests of the `echo` module and the nested sampler: fixtures from
//! `tests/fixtures/echo/make_fixtures.py` (numpy/scipy, versions in each file's first line),
//! typed errors, determinism across thread counts, the claims at `Scale::Test`, and the CLI.

use std::path::{Path, PathBuf};
use veristat::echo::spectrum::{C64, welch_psd};
use veristat::echo::template::{DurationFactor, qnm_comb};
use veristat::echo::{
    CombLikelihood, CombParams, CombPrior, LikelihoodKind, PriorRange, Spectrum, bessel,
};
use veristat::inference::{NestedParams, NestedSampler};
use veristat::montecarlo::{NoProgress, RunConfig, Scale, runner};
use veristat::{Error, claims};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/echo")
        .join(name)
}

/// Rows of a fixture CSV (first line is the provenance comment, second the header).
fn read_csv(name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|c| c.parse::<f64>().unwrap()).collect())
        .collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

#[test]
fn log_i0_matches_scipy_and_the_exact_series() {
    let (h, rows) = read_csv("log_i0.csv");
    let (ix, is, ic) = (
        col(&h, "x"),
        col(&h, "ln_i0_series"),
        col(&h, "ln_i0_scipy"),
    );
    for r in &rows {
        let ours = bessel::ln_i0(r[ix]);
        if r[is].is_finite() {
            // exact (60-digit decimal) power series: the whole range 1e-6..40.
            assert!(
                (ours - r[is]).abs() <= 1e-13 * r[is].abs(),
                "x = {}: {ours} vs series {}",
                r[ix],
                r[is]
            );
        }
        // scipy's log(ive(0, x)) + x cancels below x ~ 0.5 (it is exact there only to ~3e-16
        // absolute), so below 0.5 the comparison is absolute (1e-15) and from 0.5 to 1e6 relative (1e-13).
        if r[ix] >= 0.5 {
            assert!(
                (ours - r[ic]).abs() <= 1e-13 * r[ic].abs(),
                "x = {}: {ours} vs scipy {}",
                r[ix],
                r[ic]
            );
        } else {
            assert!(
                (ours - r[ic]).abs() <= 1e-15,
                "x = {}: {ours} vs scipy {}",
                r[ix],
                r[ic]
            );
        }
    }
    assert!(bessel::ln_i0(1e5).is_finite() && bessel::ln_i0(1e300).is_finite());
}

#[test]
fn welch_matches_scipy() {
    let (_, series) = read_csv("welch_series.csv");
    let x: Vec<f64> = series.iter().map(|r| r[0]).collect();
    let (_, expect) = read_csv("welch.csv");
    let (f, p) = welch_psd(&x, 4.0, 256, 128).unwrap();
    assert_eq!(f.len(), expect.len());
    for (k, r) in expect.iter().enumerate() {
        assert!((f[k] - r[0]).abs() < 1e-12);
        assert!(
            (p[k] - r[1]).abs() <= 1e-10 * r[1].abs(),
            "bin {k}: {} vs {}",
            p[k],
            r[1]
        );
    }
}

/// The reference-spectrum data set of the fixtures, in our sign convention (conjugated data).
fn reference_spectrum() -> (Spectrum, Vec<C64>) {
    let (h, rows) = read_csv("reference_data.csv");
    let f: Vec<f64> = rows.iter().map(|r| r[col(&h, "frequency")]).collect();
    let d: Vec<C64> = rows
        .iter()
        .map(|r| C64::new(r[col(&h, "real")], -r[col(&h, "imaginary")]))
        .collect();
    let s: Vec<f64> = rows.iter().map(|r| r[col(&h, "psd")]).collect();
    let sig: Vec<C64> = rows
        .iter()
        .map(|r| C64::new(r[col(&h, "h_real")], r[col(&h, "h_imag")]))
        .collect();
    (Spectrum::new(f, d, s).unwrap(), sig)
}

#[test]
fn reference_spectrum_is_symmetrised_like_the_reference_code() {
    let (spec, sig) = reference_spectrum();
    let r = veristat::echo::ReferenceSpectrum::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/echo/w1specM50Rw0.99Chi0.69N010.dat"),
    )
    .unwrap();
    let (f, h) = r.positive_half();
    assert_eq!(f.len(), spec.len());
    for k in 0..f.len() {
        assert!((f[k] - spec.freq()[k]).abs() <= 1e-15 * f[k].max(1e-300));
        // ours is conjugated (numpy's sign); the fixture keeps the file's sign.
        assert!(
            (h[k] - sig[k].conj()).norm() <= 1e-15 * sig[k].norm().max(1e-300),
            "bin {k}"
        );
    }
}

#[test]
fn template_matches_the_numpy_transcription() {
    let (spec, _) = reference_spectrum();
    let (_, lrows) = read_csv("likelihood.csv");
    let (h, rows) = read_csv("template.csv");
    for (set, l) in lrows.iter().enumerate().take(3) {
        let p = CombParams {
            width: l[1],
            amplitude: l[2],
            phase: l[3],
            spacing: l[4],
            fmin: l[5],
            fmax: l[6],
        };
        let (tpl, idx) = qnm_comb(spec.freq(), &p, spec.duration(), DurationFactor::Reference);
        for r in rows.iter().filter(|r| r[0] as usize == set) {
            let k = r[col(&h, "bin")] as usize;
            let want = C64::new(r[col(&h, "h_real")], r[col(&h, "h_imag")]);
            assert!(
                (tpl[k] - want).norm() <= 1e-12 * want.norm().max(p.amplitude * 1e-3),
                "set {set} bin {k}: {} vs {want}",
                tpl[k]
            );
            assert_eq!(idx[k], r[col(&h, "tooth")] as i64);
        }
    }
}

#[test]
fn likelihoods_match_the_numpy_transcription() {
    let (spec, _) = reference_spectrum();
    let (_, rows) = read_csv("likelihood.csv");
    let new = CombLikelihood::new(&spec, LikelihoodKind::New);
    let old = CombLikelihood::new(&spec, LikelihoodKind::Old);
    for r in &rows {
        let p = CombParams {
            width: r[1],
            amplitude: r[2],
            phase: r[3],
            spacing: r[4],
            fmin: r[5],
            fmax: r[6],
        };
        let (a, b) = (new.log_ratio(&p), old.log_ratio(&p));
        assert!(
            (a - r[7]).abs() <= 1e-8 * r[7].abs().max(1.0),
            "new {a} vs {}",
            r[7]
        );
        assert!(
            (b - r[8]).abs() <= 1e-8 * r[8].abs().max(1.0),
            "old {b} vs {}",
            r[8]
        );
    }
}

#[test]
fn bad_inputs_are_typed_errors() {
    let f = vec![0.0, 1.0, 2.0, 3.0];
    let d = vec![C64::new(0.1, 0.2); 4];
    let s = vec![1.0; 4];
    let mut dn = d.clone();
    dn[2] = C64::new(f64::NAN, 0.0);
    assert!(matches!(
        Spectrum::new(f.clone(), dn, s.clone()),
        Err(Error::InvalidParameter { name: "data", .. })
    ));
    assert!(matches!(
        Spectrum::new(vec![0.0, 2.0, 1.0, 3.0], d.clone(), s.clone()),
        Err(Error::InvalidParameter {
            name: "frequency",
            ..
        })
    ));
    assert!(matches!(
        Spectrum::new(vec![0.0, 1.0, 1.0, 3.0], d.clone(), s.clone()),
        Err(Error::InvalidParameter {
            name: "frequency",
            ..
        })
    ));
    assert!(matches!(
        Spectrum::new(f.clone(), d.clone(), vec![1.0, -1.0, 1.0, 1.0]),
        Err(Error::InvalidParameter { name: "psd", .. })
    ));
    let spec = Spectrum::new(f, d, s).unwrap();
    assert!(matches!(
        spec.band(10.0, 20.0),
        Err(Error::InvalidParameter { name: "fmax", .. })
    ));
    let lik = CombLikelihood::new(&spec, LikelihoodKind::New);
    let p = CombParams {
        width: 1.0,
        amplitude: 1.0,
        phase: 0.1,
        spacing: 1.0,
        fmin: 10.0,
        fmax: 20.0,
    };
    assert!(matches!(
        lik.log_ratio_checked(&p),
        Err(Error::InvalidParameter { name: "fmax", .. })
    ));
    let mut prior = CombPrior::toy(1.0, 2.0, (1.0, 3.0), (0.0, 3.0));
    prior.amplitude = PriorRange::Uniform(2.0, 2.0);
    assert!(matches!(
        prior.validate(),
        Err(Error::InvalidParameter {
            name: "amplitude",
            ..
        })
    ));
    assert!(matches!(
        NestedSampler::new(NestedParams::new(3), 3),
        Err(Error::InvalidParameter { name: "nlive", .. })
    ));
}

#[test]
fn same_seed_same_evidence_for_one_and_two_threads() {
    let (spec, _) = reference_spectrum();
    let prior = CombPrior::benchmark(spec.duration(), 8000.0);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut rng = veristat::rng::stream(11, "determinism", 0);
            let r = veristat::echo::search(
                &spec,
                &prior,
                LikelihoodKind::New,
                &NestedParams::new(40).batch(4).walks(10),
                &mut rng,
            )
            .unwrap();
            (
                r.log_bayes_factor,
                r.log_bayes_factor_err,
                r.n_likelihood_calls,
            )
        })
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.0.to_bits(), b.0.to_bits());
    assert_eq!(a.1.to_bits(), b.1.to_bits());
    assert_eq!(a.2, b.2);
}

fn run_claim(name: &str) {
    let claim = claims::find(name, Scale::Test).unwrap();
    let table = runner::run(
        claim.as_ref(),
        &RunConfig::new(1, claim.default_replicates()),
        &NoProgress,
    )
    .unwrap();
    let verdict = claim.verdict(&table).unwrap();
    for c in &verdict.checks {
        eprintln!(
            "{name}: {} = {:.3} [{:.3}, {:.3}] {} -> {}",
            c.name, c.estimate, c.ci.0, c.ci.1, c.prediction, c.pass
        );
    }
    assert!(verdict.pass(), "{name} failed: {verdict:?}");
}

#[test]
fn claim_nested_evidence_passes() {
    run_claim("nested-evidence");
}

#[test]
fn claim_echo_noise_calibration_passes() {
    run_claim("echo-noise-calibration");
}

#[test]
fn claim_echo_detection_passes() {
    run_claim("echo-detection");
}

#[cfg(feature = "cli")]
mod cli {
    use std::process::Command;

    fn veristat(args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_veristat"))
            .args(args)
            .output()
            .unwrap()
    }

    #[test]
    fn inject_search_loglike_round_trip() {
        let dir = std::env::temp_dir().join(format!("veristat-echo-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("inj.csv");
        let out = veristat(&[
            "echo",
            "inject",
            "--benchmark",
            "constant",
            "--n-echo",
            "10",
            "--snr",
            "15",
            "--seed",
            "3",
            "--out",
            csv.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let head = std::fs::read_to_string(&csv).unwrap();
        assert!(head.starts_with("frequency,real,imaginary,psd"));
        let out = veristat(&[
            "echo",
            "search",
            "--data",
            csv.to_str().unwrap(),
            "--likelihood",
            "new",
            "--nlive",
            "40",
            "--seed",
            "1",
            "--format",
            "json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for key in [
            "log_bayes_factor",
            "log_bayes_factor_err",
            "n_likelihood_calls",
            "posterior_median",
            "seconds",
        ] {
            assert!(v.get(key).is_some(), "missing {key}: {v}");
        }
        assert!(v["posterior_median"].get("spacing").is_some());
        let out = veristat(&[
            "echo",
            "loglike",
            "--data",
            csv.to_str().unwrap(),
            "--likelihood",
            "old",
            "--params",
            "width=0.0005,amplitude=100,phase=0.3,spacing=0.00115,fmin=0.01,fmax=0.08",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["log_likelihood_ratio"].as_f64().unwrap().is_finite());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_input_exits_2_with_one_line() {
        let dir = std::env::temp_dir().join(format!("veristat-echo-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            (
                "nan.csv",
                "frequency,real,imaginary,psd\n0,1,0,1\n1,NaN,0,1\n2,1,0,1\n",
            ),
            (
                "unsorted.csv",
                "frequency,real,imaginary,psd\n0,1,0,1\n2,1,0,1\n1,1,0,1\n",
            ),
            (
                "dup.csv",
                "frequency,real,imaginary,psd\n0,1,0,1\n1,1,0,1\n1,1,0,1\n",
            ),
            (
                "psd.csv",
                "frequency,real,imaginary,psd\n0,1,0,1\n1,1,0,0\n2,1,0,1\n",
            ),
        ];
        for (name, body) in cases {
            let p = dir.join(name);
            std::fs::write(&p, body).unwrap();
            let out = veristat(&[
                "echo",
                "search",
                "--data",
                p.to_str().unwrap(),
                "--likelihood",
                "new",
            ]);
            assert_eq!(out.status.code(), Some(2), "{name}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
        }
        let ok = dir.join("ok.csv");
        std::fs::write(
            &ok,
            "frequency,real,imaginary,psd\n0,1,0,1\n1,1,0,1\n2,1,0,1\n",
        )
        .unwrap();
        let out = veristat(&[
            "echo",
            "loglike",
            "--data",
            ok.to_str().unwrap(),
            "--likelihood",
            "new",
            "--params",
            "width=1,amplitude=1,phase=0,spacing=1,fmin=50,fmax=60",
        ]);
        assert_eq!(out.status.code(), Some(2));
        let out = veristat(&[
            "echo",
            "search",
            "--data",
            ok.to_str().unwrap(),
            "--likelihood",
            "new",
            "--nlive",
            "2",
        ]);
        assert_eq!(out.status.code(), Some(2));
        let out = veristat(&[
            "echo",
            "search",
            "--data",
            ok.to_str().unwrap(),
            "--likelihood",
            "sideways",
        ]);
        assert_eq!(out.status.code(), Some(2));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
