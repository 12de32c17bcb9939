//! Cumulative link models against R's `ordinal::clm` (2022.11.16) on the soup data, every link
//! (tests/fixtures/ordinal/links: the R script, its versions and the JSON it wrote). Tolerances
//! are the issue's: log-likelihood 1e-8 relative, coefficients and cutpoints 1e-6, standard errors
//! 1e-5 (absolute); everything derived from them (z, p, intervals, probabilities) to the same
//! order.
//!
//! The cauchit references are the fixture's `cauchit_exact` block: clm puts ±1e5 where the
//! model has ±∞ for the outer thresholds, which only matters for the Cauchy link (F(−1e5) =
//! 3.2e−6; see the fixture README); `cauchit_exact` is clm's Newton with the limits at ±1e300.
//!
//! `cli.rs` runs the `veristat fit ordinal` binary on the same data against the same fixture.

#[cfg(feature = "cli")]
mod cli;
#[cfg(feature = "cli")]
#[path = "../common/mod.rs"]
mod common;
mod penalized;

use nalgebra::DMatrix;
use serde_json::Value;
use veristat::estimator::Fit;
use veristat::ordinal::likelihood_ratio::{drop_test, nominal_test, profile_interval};
use veristat::ordinal::{Link, OrdinalData, ProportionalOddsFit, ProportionalOddsParams, identify};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn fixtures() -> Value {
    let s = std::fs::read_to_string(format!(
        "{ROOT}/tests/fixtures/ordinal/links/soup_links.json"
    ))
    .expect("fixture file");
    serde_json::from_str(&s).expect("fixture JSON")
}

fn vec_of(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn mat_of(v: &Value) -> DMatrix<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().expect("rows").iter().map(vec_of).collect();
    DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

/// datasets/soup.csv: response `sureness_rev`, every other column a feature (file order).
fn soup() -> (OrdinalData, Vec<String>) {
    let text = std::fs::read_to_string(format!("{ROOT}/datasets/soup.csv")).expect("soup.csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    let (mut y, mut xs) = (Vec::new(), Vec::new());
    for line in lines {
        let v: Vec<f64> = line
            .split(',')
            .map(|c| c.parse().expect("number"))
            .collect();
        y.push(v[0]);
        xs.extend_from_slice(&v[1..]);
    }
    let p = header.len() - 1;
    let x = DMatrix::from_row_slice(y.len(), p, &xs);
    let names = header[1..].to_vec();
    let data = OrdinalData::from_labels(x, &y, None)
        .unwrap()
        .with_feature_names(names.clone())
        .unwrap();
    (data, names)
}

fn fit(data: &OrdinalData, link: Link) -> ProportionalOddsFit {
    ProportionalOddsParams::new()
        .link(link)
        .fit(data)
        .unwrap_or_else(|e| panic!("{link}: {e}"))
}

/// Largest absolute difference, checked against `tol`.
fn worst(got: &[f64], want: &[f64], tol: f64, what: &str) -> f64 {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let d = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(d <= tol, "{what}: worst |diff| {d:e} > {tol:e}");
    d
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// The fixture block a link is compared with (see the module docs for cauchit).
fn reference(f: &Value, link: Link) -> &Value {
    match link {
        Link::Cauchit => &f["links"]["cauchit_exact"],
        _ => &f["links"][link.name()],
    }
}

fn rows_of(m: &DMatrix<f64>) -> Vec<f64> {
    (0..m.nrows())
        .flat_map(|i| m.row(i).iter().copied().collect::<Vec<_>>())
        .collect()
}

fn flat(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("rows")
        .iter()
        .flat_map(vec_of)
        .collect()
}

#[test]
fn every_link_matches_clm_on_soup() {
    let f = fixtures();
    let (data, names) = soup();
    assert_eq!(
        names,
        f["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    );
    identify::check(&data).expect("soup is identifiable");
    println!("link     | loglik rel | coef     | cutpoint | SE       | cutpoint SE");
    for link in Link::ALL {
        let r = reference(&f, link);
        let m = fit(&data, link);
        let ll = rel(m.loglik, r["loglik"].as_f64().unwrap());
        assert!(ll <= 1e-8, "{link}: loglik rel diff {ll:e}");
        let c = worst(&m.coef, &vec_of(&r["coef"]), 1e-6, &format!("{link} coef"));
        let t = worst(
            &m.cutpoints,
            &vec_of(&r["cutpoints"]),
            1e-6,
            &format!("{link} cutpoints"),
        );
        let s = worst(
            &m.std_errors,
            &vec_of(&r["std_errors"]),
            1e-5,
            &format!("{link} SE"),
        );
        let ts = worst(
            &m.cutpoint_std_errors,
            &vec_of(&r["cutpoint_std_errors"]),
            1e-5,
            &format!("{link} cutpoint SE"),
        );
        println!(
            "{:8} | {ll:.1e}    | {c:.1e}  | {t:.1e}  | {s:.1e}  | {ts:.1e}",
            link.name()
        );
    }
    // clm's own cauchit fit (outer limits ±1e5) sits 0.0113 log-likelihood units lower.
    let clm = f["links"]["cauchit"]["loglik"].as_f64().unwrap();
    let ours = fit(&data, Link::Cauchit).loglik;
    assert!((ours - clm - 0.011_313).abs() < 1e-5, "{}", ours - clm);
}

#[test]
fn wald_statistics_and_information_criteria_match_clm() {
    let f = fixtures();
    let (data, _) = soup();
    for link in Link::ALL {
        let r = reference(&f, link);
        let m = fit(&data, link);
        let (slopes, cuts) = m.wald(0.95).unwrap();
        let get = |w: &[veristat::ordinal::inference::Wald],
                   g: fn(&veristat::ordinal::inference::Wald) -> f64| {
            w.iter().map(g).collect::<Vec<f64>>()
        };
        worst(
            &get(&slopes, |w| w.z),
            &vec_of(&r["z"]),
            1e-4,
            &format!("{link} z"),
        );
        worst(
            &get(&cuts, |w| w.z),
            &vec_of(&r["cutpoint_z"]),
            1e-4,
            &format!("{link} cutpoint z"),
        );
        for (got, want) in get(&slopes, |w| w.p_value)
            .iter()
            .zip(vec_of(&r["p_values"]))
        {
            assert!(
                rel(*got, want) < 1e-4 || (got - want).abs() < 1e-12,
                "{link} p {got} vs {want}"
            );
        }
        worst(
            &get(&slopes, |w| w.lower),
            &vec_of(&r["conf_int_lower"]),
            1e-5,
            &format!("{link} CI"),
        );
        worst(
            &get(&slopes, |w| w.upper),
            &vec_of(&r["conf_int_upper"]),
            1e-5,
            &format!("{link} CI"),
        );
        worst(
            &get(&cuts, |w| w.lower),
            &vec_of(&r["cutpoint_conf_int_lower"]),
            1e-5,
            &format!("{link} cutpoint CI"),
        );
        let (aic, bic) = m.information_criteria().unwrap();
        assert!(rel(aic, r["aic"].as_f64().unwrap()) < 1e-8, "{link} AIC");
        assert!(rel(bic, r["bic"].as_f64().unwrap()) < 1e-8, "{link} BIC");
        assert_eq!(m.n_params() as f64, r["edf"].as_f64().unwrap());
    }
}

#[test]
fn likelihood_ratio_tests_match_clm() {
    let f = fixtures();
    let (data, names) = soup();
    let col = |name: &str| names.iter().position(|n| n == name).expect("feature");
    for link in Link::ALL {
        let r = reference(&f, link);
        let m = fit(&data, link);
        for t in r["lr_tests"].as_array().unwrap() {
            let dropped: Vec<usize> = match &t["dropped"] {
                Value::String(s) => vec![col(s)],
                v => v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| col(s.as_str().unwrap()))
                    .collect(),
            };
            let got = drop_test(&data, &m, &dropped).unwrap();
            assert_eq!(got.df as f64, t["df"].as_f64().unwrap());
            let want = t["statistic"].as_f64().unwrap();
            assert!(
                (got.statistic - want).abs() < 1e-6,
                "{link} LR {} vs {want}",
                got.statistic
            );
            assert!(
                rel(got.p_value, t["p_value"].as_f64().unwrap()) < 1e-5,
                "{link} LR p"
            );
        }
        let nt = nominal_test(&data, &m, None).unwrap();
        let want = r["nominal_test"].as_array().unwrap();
        let mut worst_stat: f64 = 0.0;
        for (g, w) in nt.iter().zip(want) {
            assert_eq!(names[g.feature], w["feature"].as_str().unwrap());
            assert_eq!(g.test.df as f64, w["df"].as_f64().unwrap());
            let d = (g.test.statistic - w["statistic"].as_f64().unwrap()).abs();
            worst_stat = worst_stat.max(d);
            assert!(d < 1e-6, "{link} nominal {}: {d:e}", names[g.feature]);
            let (gp, wp) = (g.test.p_value, w["p_value"].as_f64().unwrap());
            assert!(rel(gp, wp) < 1e-5, "{link} nominal p {gp} vs {wp}");
        }
        println!(
            "{:8} nominal_test: worst |LR diff| {worst_stat:.1e} over {} features",
            link.name(),
            nt.len()
        );
    }
}

#[test]
fn profile_intervals_match_exact_clm_profiles() {
    let f = fixtures();
    let (data, names) = soup();
    for link in Link::ALL {
        let r = reference(&f, link);
        let m = fit(&data, link);
        for pr in r["profile_ci"].as_array().unwrap() {
            let j = names
                .iter()
                .position(|n| n == pr["feature"].as_str().unwrap())
                .unwrap();
            let (lo, hi) = profile_interval(&data, &m, j, 0.95).unwrap();
            let (wl, wh) = (pr["lower"].as_f64().unwrap(), pr["upper"].as_f64().unwrap());
            assert!(
                (lo - wl).abs() < 1e-6 && (hi - wh).abs() < 1e-6,
                "{link} {}: ({lo}, {hi}) vs ({wl}, {wh})",
                names[j]
            );
        }
    }
}

#[test]
fn predictions_with_standard_errors_match_clm() {
    let f = fixtures();
    let (data, _) = soup();
    for link in Link::ALL {
        let r = reference(&f, link);
        let pr = &r["predict"];
        let x = mat_of(&pr["x"]);
        let u = fit(&data, link).uncertainty().unwrap();
        let cls = u.classes(&x, 0.95).unwrap();
        let cum = u.cumulative(&x, 0.95).unwrap();
        let tag = |s: &str| format!("{link} {s}");
        let p = worst(
            &rows_of(&cls.prob),
            &flat(&pr["prob"]),
            1e-7,
            &tag("class probabilities"),
        );
        let se = worst(
            &rows_of(&cls.se),
            &flat(&pr["prob_se"]),
            1e-6,
            &tag("class probability SEs"),
        );
        println!(
            "{:8} predictions: worst |prob diff| {p:.1e}, |prob SE diff| {se:.1e}",
            link.name()
        );
        worst(
            &rows_of(&cls.lower),
            &flat(&pr["prob_lower"]),
            1e-6,
            &tag("class lower"),
        );
        worst(
            &rows_of(&cls.upper),
            &flat(&pr["prob_upper"]),
            1e-6,
            &tag("class upper"),
        );
        let classes: Vec<usize> = pr["class"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(cls.class, classes, "{link} predicted class");
        worst(
            &rows_of(&cum.prob),
            &flat(&pr["cum_prob"]),
            1e-7,
            &tag("cumulative"),
        );
        worst(
            &rows_of(&cum.se),
            &flat(&pr["cum_prob_se"]),
            1e-6,
            &tag("cumulative SEs"),
        );
        worst(&rows_of(&cum.eta), &flat(&pr["eta"]), 1e-6, &tag("eta"));
        worst(
            &rows_of(&cum.eta_se),
            &flat(&pr["eta_se"]),
            1e-5,
            &tag("eta SEs"),
        );
        worst(
            &rows_of(&cum.lower),
            &flat(&pr["cum_prob_lower"]),
            1e-6,
            &tag("cumulative lower"),
        );
        worst(
            &rows_of(&cum.upper),
            &flat(&pr["cum_prob_upper"]),
            1e-6,
            &tag("cumulative upper"),
        );
    }
}

#[test]
fn average_marginal_effects_match_the_delta_method_reference() {
    let f = fixtures();
    let (data, _) = soup();
    for link in Link::ALL {
        let r = reference(&f, link);
        let u = fit(&data, link).uncertainty().unwrap();
        let me = u.marginal_effects(data.x(), None).unwrap();
        worst(
            &rows_of(&me.effect),
            &flat(&r["ame"]["ame"]),
            1e-7,
            &format!("{link} AME"),
        );
        // numDeriv's Richardson Jacobian against the closed form.
        worst(
            &rows_of(&me.se),
            &flat(&r["ame"]["se"]),
            1e-6,
            &format!("{link} AME SE"),
        );
    }
}

#[test]
fn frequency_weights_match_clm_and_aggregated_rows() {
    let f = fixtures();
    let (data, _) = soup();
    let w: Vec<f64> = (0..data.n_rows()).map(|i| 1.0 + (i % 3) as f64).collect();
    let weighted = data.clone().with_weights(w).unwrap();
    for link in Link::ALL {
        let r = &reference(&f, link)["weighted"];
        let m = fit(&weighted, link);
        let ll = rel(m.loglik, r["loglik"].as_f64().unwrap());
        assert!(ll < 1e-8, "{link} weighted loglik");
        let c = worst(
            &m.coef,
            &vec_of(&r["coef"]),
            1e-6,
            &format!("{link} weighted coef"),
        );
        worst(
            &m.cutpoints,
            &vec_of(&r["cutpoints"]),
            1e-6,
            &format!("{link} weighted cutpoints"),
        );
        let se = worst(
            &m.std_errors,
            &vec_of(&r["std_errors"]),
            1e-5,
            &format!("{link} weighted SE"),
        );
        println!(
            "{:8} weighted: loglik rel {ll:.1e}, coef {c:.1e}, SE {se:.1e}",
            link.name()
        );
        let (aic, bic) = m.information_criteria().unwrap();
        assert!(
            rel(aic, r["aic"].as_f64().unwrap()) < 1e-8
                && rel(bic, r["bic"].as_f64().unwrap()) < 1e-8
        );
        assert_eq!(m.nobs, r["nobs"].as_f64().unwrap());
    }
    // Frequency weights: the unique (x, y) rows with their counts give the unweighted fit.
    let mut keys: Vec<(Vec<u64>, usize)> = Vec::new();
    let mut counts: Vec<f64> = Vec::new();
    let mut first: Vec<usize> = Vec::new();
    for i in 0..data.n_rows() {
        let key: Vec<u64> = data.x().row(i).iter().map(|v| v.to_bits()).collect();
        match keys
            .iter()
            .position(|(k, y)| *k == key && *y == data.y()[i])
        {
            Some(m) => counts[m] += 1.0,
            None => {
                keys.push((key, data.y()[i]));
                counts.push(1.0);
                first.push(i);
            }
        }
    }
    assert_eq!(
        first.len() as f64,
        f["links"]["logit"]["aggregated"]["n_unique_rows"]
            .as_f64()
            .unwrap()
    );
    let x = data.x().select_rows(&first);
    let y: Vec<f64> = first.iter().map(|&i| data.y()[i] as f64).collect();
    let agg = OrdinalData::from_labels(x, &y, None)
        .unwrap()
        .with_weights(counts)
        .unwrap();
    for link in Link::ALL {
        let (a, b) = (fit(&agg, link), fit(&data, link));
        assert!(rel(a.loglik, b.loglik) < 1e-12, "{link} aggregated loglik");
        worst(&a.coef, &b.coef, 1e-9, &format!("{link} aggregated coef"));
        worst(
            &a.std_errors,
            &b.std_errors,
            1e-9,
            &format!("{link} aggregated SE"),
        );
    }
}
