//! The slope claims on the CPU twins (what `--device cuda` runs, number for number).

use super::{Estimator, SlopeClaim};
use crate::device::Device;
use crate::montecarlo::{
    Claim, NoProgress, Offload, ResultTable, RunConfig, Scale, Verdict, runner,
};
use crate::rng;

/// The NLDP and public-covariate slope claims routed through the cell kernel's CPU twin
/// (what `--device cuda` runs, number for number) pass at test scale, as the CPU path does.
#[test]
fn offloaded_slope_claims_pass_on_the_twins() {
    for est in [Estimator::Nldp, Estimator::Public] {
        let claim = SlopeClaim::new(est, Scale::Test);
        let cfg = RunConfig::new(2026, claim.default_replicates());
        let (table, used) =
            runner::run_on(&claim, &cfg, &NoProgress, Some(&Device::Twins)).unwrap();
        assert!(used);
        let v = claim.verdict(&table).unwrap();
        for c in &v.checks {
            eprintln!(
                "{} (twins) {}: {:.3} [{:.3}, {:.3}] {}",
                v.claim, c.name, c.estimate, c.ci.0, c.ci.1, c.pass
            );
        }
        assert!(v.pass(), "{}", v.claim);
        // Same rows as the CPU path: one per sweep point, in sweep order.
        let points: usize = claim.sweeps().iter().map(|s| s.points.len()).sum();
        assert_eq!(
            table.rows.len(),
            points * claim.default_replicates() as usize
        );
    }
}

/// A replicate's offloaded rows depend only on (seed, replicate): a shard of one replicate
/// gives the rows it has in the full run.
#[test]
fn offloaded_rows_do_not_depend_on_the_batch() {
    let claim = SlopeClaim::new(Estimator::Public, Scale::Test);
    let all = claim.kernel_rows(5, &[0, 1, 2], &Device::Twins).unwrap();
    let one = claim.kernel_rows(5, &[1], &Device::Twins).unwrap();
    assert_eq!(all[1], one[0]);
    assert_ne!(all[0], all[1]);
    assert!(
        claim
            .cpu_rows(1, &mut rng::stream(5, "x", 1))
            .unwrap()
            .is_empty()
    );
}

/// Check (c): `ldp-iht-slopes` offloaded to the twins at test scale gives the CPU path's
/// table shape (same keys, grid columns and replicate order) and the same verdict as the
/// CPU run of the same seed, here the slope directions (test scale has two replicates at a
/// quarter of the users, too few for the bands; tests/ldp.rs asserts the same on the CPU).
#[test]
fn iht_claim_on_the_twins_agrees_with_the_cpu_run() {
    let claim = SlopeClaim::new(Estimator::Iht, Scale::Test);
    let cfg = RunConfig::new(2026, claim.default_replicates());
    let cpu = runner::run(&claim, &cfg, &NoProgress).unwrap();
    let (dev, used) = runner::run_on(&claim, &cfg, &NoProgress, Some(&Device::Twins)).unwrap();
    assert!(used);
    assert_eq!(cpu.rows.len(), dev.rows.len());
    for (a, b) in cpu.rows.iter().zip(&dev.rows) {
        assert_eq!((a.replicate, &a.key), (b.replicate, &b.key));
        assert_eq!(a.values[..4], b.values[..4]);
    }
    let (vc, vd) = (claim.verdict(&cpu).unwrap(), claim.verdict(&dev).unwrap());
    let signs =
        |v: &Verdict| -> Vec<f64> { v.checks.iter().map(|c| c.estimate.signum()).collect() };
    for c in vc.checks.iter().chain(&vd.checks) {
        eprintln!(
            "{}: {:.3} [{:.3}, {:.3}]",
            c.name, c.estimate, c.ci.0, c.ci.1
        );
    }
    assert_eq!(
        signs(&vc),
        vec![-1.0, -1.0, 1.0, 1.0],
        "CPU slope directions"
    );
    assert_eq!(signs(&vd), signs(&vc), "twins' slope directions");
    assert_eq!(vd.pass(), vc.pass());
    // Reproducible, and a replicate's rows depend only on its index: two shards
    // combined give the same table.
    let parts: Vec<ResultTable> = (0..2)
        .map(|index| {
            let shard = crate::montecarlo::Shard { index, count: 2 };
            let cfg = RunConfig {
                shard,
                ..cfg.clone()
            };
            runner::run_on(&claim, &cfg, &NoProgress, Some(&Device::Twins))
                .unwrap()
                .0
        })
        .collect();
    let again = runner::combine(parts, cfg.replicates).unwrap();
    assert_eq!(again.rows, dev.rows);
}

/// With 12 replicates the twins' n, ε and k slope CIs cover the theory's slopes. The d
/// slope is not asserted: at a quarter of the users the d = 32 point misses the support
/// often (error 0.65, F1 0.55, for the twins and `LdpIht::fit` alike), which steepens it.
#[test]
fn iht_claim_on_the_twins_has_the_predicted_slopes() {
    let claim = SlopeClaim::new(Estimator::Iht, Scale::Test);
    let cfg = RunConfig::new(5, 12);
    let (t, _) = runner::run_on(&claim, &cfg, &NoProgress, Some(&Device::Twins)).unwrap();
    let v = claim.verdict(&t).unwrap();
    for (c, s) in v.checks.iter().zip(claim.sweeps()) {
        eprintln!(
            "{}: {:.3} [{:.3}, {:.3}] theory {}",
            c.name, c.estimate, c.ci.0, c.ci.1, s.theory
        );
        if s.param != "d" {
            assert!(c.ci.0 <= s.theory && s.theory <= c.ci.1, "{c:?}");
        }
    }
}

/// Quick scale on the CPU (`device` None) and on the twins (the GPU's numbers, on the
/// CPU: the verdict `veristat report --device cuda` gives), printed; each takes 5 to 20
/// minutes on two shared cores, so run on demand with `--ignored --nocapture`. A measured run
/// is in `docs/measurements/ldp.md`.
fn quick_scale(device: Option<&Device>) -> Verdict {
    let claim = SlopeClaim::new(Estimator::Iht, Scale::Quick);
    let cfg = RunConfig::new(2026, claim.default_replicates());
    let t0 = std::time::Instant::now();
    let (t, _) = runner::run_on(&claim, &cfg, &NoProgress, device).unwrap();
    let v = claim.verdict(&t).unwrap();
    for c in &v.checks {
        eprintln!(
            "{}: {:.3} [{:.3}, {:.3}] {}",
            c.name, c.estimate, c.ci.0, c.ci.1, c.pass
        );
    }
    eprintln!("{:.1} s", t0.elapsed().as_secs_f64());
    v
}

#[test]
#[ignore = "slow (5 to 20 min): cargo test --lib claims::ldp -- --ignored --nocapture"]
fn iht_claim_on_the_twins_at_quick_scale() {
    quick_scale(Some(&Device::Twins));
}

#[test]
#[ignore = "slow (5 to 20 min): cargo test --lib claims::ldp -- --ignored --nocapture"]
fn iht_claim_on_the_cpu_at_quick_scale() {
    quick_scale(None);
}

#[test]
fn every_slope_claim_offloads_to_its_kernel() {
    for (e, kernel) in [
        (Estimator::Nldp, "cell kernel"),
        (Estimator::Public, "cell kernel"),
        (Estimator::Iht, "vs_ldp_iht_round"),
    ] {
        let claim = SlopeClaim::new(e, Scale::Test);
        assert!(claim.offload().is_some());
        assert!(claim.describe().contains(kernel), "{}", claim.describe());
    }
}
