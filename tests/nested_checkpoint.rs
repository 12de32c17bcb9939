//! Resumable nested sampling through the library (issue 20, item 5): a run that dies at any
//! point (here: its likelihood panics after a number of calls, mid-iteration) and is run again
//! from its checkpoint gives the same `ln Z`, samples, weights and diagnostics bit for bit as an
//! uninterrupted run with the same seed; a checkpoint of other settings, another problem or
//! another seed is refused with a typed error naming what differs.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use veristat::Error;
use veristat::inference::nested::read_state;
use veristat::inference::{Checkpointing, NestedParams, NestedResult, NestedSampler, PriorModel};

/// A correlated 3-d Gaussian on [-4, 4]^3 with a second, smaller mode: several clusters, walks
/// and uniform draws all take part.
struct Bimodal;

impl PriorModel for Bimodal {
    fn dim(&self) -> usize {
        3
    }
    fn transform(&self, u: &[f64], t: &mut [f64]) {
        for (ti, ui) in t.iter_mut().zip(u) {
            *ti = -4.0 + 8.0 * ui;
        }
    }
    fn log_likelihood(&self, t: &[f64]) -> f64 {
        let a: f64 = -0.5 * ((t[0] - 1.0).powi(2) + (t[1] - t[0]).powi(2) + t[2].powi(2)) / 0.09;
        let b: f64 = -0.5 * ((t[0] + 2.0).powi(2) + (t[1] + 2.0).powi(2) + t[2].powi(2)) / 0.04;
        // ln(e^a + e^b) without overflow.
        a.max(b) + (-(a - b).abs()).exp().ln_1p()
    }
}

/// [`Bimodal`] that panics at its `limit`-th likelihood call: the process "dies" mid-iteration.
struct Dies {
    calls: AtomicU64,
    limit: u64,
}

impl PriorModel for Dies {
    fn dim(&self) -> usize {
        3
    }
    fn transform(&self, u: &[f64], t: &mut [f64]) {
        Bimodal.transform(u, t)
    }
    fn log_likelihood(&self, t: &[f64]) -> f64 {
        if self.calls.fetch_add(1, Ordering::SeqCst) >= self.limit {
            panic!("killed at call {}", self.limit);
        }
        Bimodal.log_likelihood(t)
    }
}

fn tmp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "veristat-nested-ckpt-{}-{name}.json",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&p);
    p
}

fn sampler(nlive: usize) -> NestedSampler {
    NestedSampler::new(NestedParams::new(nlive).batch(4), 3).unwrap()
}

fn rng(seed: u64) -> veristat::rng::Rng {
    veristat::rng::stream(seed, "nested-checkpoint-test", 0)
}

fn assert_same(a: &NestedResult, b: &NestedResult) {
    assert_eq!(a.log_z.to_bits(), b.log_z.to_bits());
    assert_eq!(a.log_z_err.to_bits(), b.log_z_err.to_bits());
    assert_eq!(a.samples.len(), b.samples.len());
    for (x, y) in a.samples.iter().zip(&b.samples) {
        let bits = |s: &veristat::inference::Sample| {
            let mut v: Vec<u64> = s.theta.iter().map(|t| t.to_bits()).collect();
            v.extend([s.log_l.to_bits(), s.log_w.to_bits()]);
            v
        };
        assert_eq!(bits(x), bits(y));
    }
    let w = |r: &NestedResult| r.weights().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(w(a), w(b));
    assert_eq!(a.diagnostics, b.diagnostics);
}

#[test]
fn a_run_killed_anywhere_resumes_to_the_uninterrupted_result() {
    let s = sampler(60);
    let mut r0 = rng(7);
    let reference = s.run(&Bimodal, &mut r0).unwrap();
    let calls = reference.diagnostics.n_calls;
    assert!(reference.diagnostics.iterations > 50, "{reference:?}");

    // Checkpointing itself changes nothing, and leaves the generator where `run` does.
    let path = tmp("whole");
    let c = Checkpointing::new(&path, 3, "bimodal");
    let mut r1 = rng(7);
    assert_same(
        &s.run_checkpointed(&Bimodal, &mut r1, &c).unwrap(),
        &reference,
    );
    assert_eq!(r0, r1);
    // The final state is saved: rerunning only finishes it.
    let done = read_state(&path).unwrap();
    assert_eq!(done.iterations(), reference.diagnostics.iterations);
    let mut r2 = rng(7);
    assert_same(
        &s.run_checkpointed(&Bimodal, &mut r2, &c).unwrap(),
        &reference,
    );
    assert_eq!(r0, r2);
    std::fs::remove_file(&path).unwrap();

    // Killed during the initial draws (no checkpoint yet), early, in the middle and late; one
    // run killed twice.
    let limits = [30, calls / 10, calls / 2, calls * 9 / 10];
    for (i, &limit) in limits.iter().enumerate() {
        let path = tmp(&format!("kill{i}"));
        let c = Checkpointing::new(&path, 3, "bimodal");
        let dies = Dies {
            calls: AtomicU64::new(0),
            limit,
        };
        let died = catch_unwind(AssertUnwindSafe(|| {
            s.run_checkpointed(&dies, &mut rng(7), &c)
        }));
        assert!(
            died.is_err(),
            "limit {limit} of {calls} calls did not stop the run"
        );
        if limit > 60 {
            let saved = read_state(&path).unwrap();
            assert!(saved.iterations() < reference.diagnostics.iterations);
            if i == 2 {
                // Killed again, a little later, from the checkpoint.
                let again = Dies {
                    calls: AtomicU64::new(0),
                    limit: calls / 20,
                };
                let died = catch_unwind(AssertUnwindSafe(|| {
                    s.run_checkpointed(&again, &mut rng(7), &c)
                }));
                assert!(died.is_err());
                assert!(read_state(&path).unwrap().iterations() > saved.iterations());
            }
        } else {
            assert!(!path.exists(), "a checkpoint before the live points exist");
        }
        let mut r = rng(7);
        let resumed = s.run_checkpointed(&Bimodal, &mut r, &c).unwrap();
        assert_same(&resumed, &reference);
        assert_eq!(
            r, r0,
            "the generator ends where the uninterrupted run's does"
        );
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn a_checkpoint_of_other_arguments_is_refused_naming_them() {
    let path = tmp("mismatch");
    let c = Checkpointing::new(&path, 5, "bimodal");
    let s = NestedSampler::new(NestedParams::new(40).batch(4).max_calls(3000), 3).unwrap();
    let first = s.run_checkpointed(&Bimodal, &mut rng(1), &c);
    assert!(first.is_ok(), "{first:?}");
    let cases: Vec<(NestedSampler, u64, Checkpointing, &str)> = vec![
        (sampler(40), 1, c.clone(), "max_calls"),
        (
            NestedSampler::new(NestedParams::new(41).batch(4).max_calls(3000), 3).unwrap(),
            1,
            c.clone(),
            "nlive",
        ),
        (s.clone(), 2, c.clone(), "rng_start"),
        (
            s.clone(),
            1,
            Checkpointing::new(&path, 5, "another problem"),
            "problem",
        ),
    ];
    for (other, seed, ck, field) in cases {
        match other.run_checkpointed(&Bimodal, &mut rng(seed), &ck) {
            Err(e @ Error::SamplerCheckpointMismatch { .. }) => {
                let Error::SamplerCheckpointMismatch { field: f, .. } = &e else {
                    unreachable!()
                };
                assert_eq!(*f, field, "{e}");
                assert!(e.to_string().contains("delete the file"), "{e}");
            }
            other => panic!("expected a mismatch on {field}, got {other:?}"),
        }
    }
    // Another write period is not part of the identity: the run continues.
    let again = s.run_checkpointed(
        &Bimodal,
        &mut rng(1),
        &Checkpointing::new(&path, 7, "bimodal"),
    );
    assert_same(&again.unwrap(), &first.unwrap());
    // A damaged file, or a zero period, is a typed error, not a panic.
    std::fs::write(&path, "{\"config\": [], \"state\": 3}").unwrap();
    let damaged = s.run_checkpointed(&Bimodal, &mut rng(1), &c);
    assert!(
        matches!(&damaged, Err(Error::InvalidData(m)) if m.contains("not a nested-sampling checkpoint")),
        "{damaged:?}"
    );
    std::fs::remove_file(&path).unwrap();
    let zero = s.run_checkpointed(&Bimodal, &mut rng(1), &Checkpointing::new(&path, 0, "b"));
    assert!(
        matches!(
            zero,
            Err(Error::InvalidParameter {
                name: "checkpoint_every",
                ..
            })
        ),
        "{zero:?}"
    );
}
