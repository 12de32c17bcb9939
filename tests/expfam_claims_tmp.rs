use veristat::montecarlo::{NoProgress, RunConfig, Scale, runner};
#[test]
fn claims_pass() {
    for c in veristat::claims::expfam::claims(Scale::Test) {
        let t0 = std::time::Instant::now();
        let table = runner::run(c.as_ref(), &RunConfig::new(1, c.default_replicates()), &NoProgress).unwrap();
        let v = c.verdict(&table).unwrap();
        for ch in &v.checks { eprintln!("{} {} est {:.6e} ci ({:.6e},{:.6e}) pred {}", ch.pass, ch.name, ch.estimate, ch.ci.0, ch.ci.1, ch.prediction); }
        eprintln!("{} {:?}", c.name(), t0.elapsed());
        assert!(v.pass());
    }
}
