//! `veristat fit ordinal --link ...` on datasets/soup.csv against clm (issue 17, acceptance 2:
//! log-likelihood to 1e-6, slopes and cutpoints to 1e-5, standard errors to 1e-4; the JSON's
//! numbers are printed with full precision, so the library's tolerances hold here too and are
//! the ones asserted), with `--weights`, `--predict` and `--marginal-effects`.

use super::*;
use common::veristat as run;

const TARGET: &str = "sureness_rev";

fn soup_csv() -> String {
    format!("{ROOT}/datasets/soup.csv")
}

/// Runs `veristat fit ordinal` with `args` after the data and target; the parsed JSON.
fn fit_json(data: &str, args: &[&str]) -> Value {
    let mut all = vec!["fit", "ordinal", "--data", data, "--target", TARGET];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{all:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{all:?}: {e}: {out}"))
}

fn pairs_of(v: &Value) -> (Vec<f64>, Vec<f64>) {
    let rows: Vec<Vec<f64>> = v.as_array().expect("pairs").iter().map(vec_of).collect();
    (
        rows.iter().map(|r| r[0]).collect(),
        rows.iter().map(|r| r[1]).collect(),
    )
}

/// The PO JSON's fit and Wald fields against a fixture block `r` (the full fit or its
/// `weighted` block); the worst differences (loglik, coef, cutpoints, SEs).
fn check_po_json(v: &Value, r: &Value, what: &str) -> [f64; 4] {
    let ll = (v["loglik"].as_f64().unwrap() - r["loglik"].as_f64().unwrap()).abs();
    assert!(ll <= 1e-6, "{what}: loglik |diff| {ll:e}");
    let coef = flat(&v["coef"]);
    let k1 = vec_of(&v["cutpoints"]).len();
    let p = coef.len() / k1;
    // Proportional odds: every boundary's row is the same slope vector.
    for k in 1..k1 {
        assert_eq!(coef[k * p..(k + 1) * p], coef[..p], "{what}: rows differ");
    }
    let c = worst(
        &coef[..p],
        &vec_of(&r["coef"]),
        1e-6,
        &format!("{what} coef"),
    );
    let t = worst(
        &vec_of(&v["cutpoints"]),
        &vec_of(&r["cutpoints"]),
        1e-6,
        &format!("{what} cutpoints"),
    );
    let s = worst(
        &vec_of(&v["std_errors"]),
        &vec_of(&r["std_errors"]),
        1e-5,
        &format!("{what} SE"),
    )
    .max(worst(
        &vec_of(&v["cutpoint_std_errors"]),
        &vec_of(&r["cutpoint_std_errors"]),
        1e-5,
        &format!("{what} cutpoint SE"),
    ));
    worst(
        &vec_of(&v["z"]),
        &vec_of(&r["z"]),
        1e-4,
        &format!("{what} z"),
    );
    for (got, want) in vec_of(&v["p_values"]).iter().zip(vec_of(&r["p_values"])) {
        assert!(
            rel(*got, want) < 1e-4 || (got - want).abs() < 1e-12,
            "{what} p {got} vs {want}"
        );
    }
    let (lo, hi) = pairs_of(&v["conf_int"]);
    worst(
        &lo,
        &vec_of(&r["conf_int_lower"]),
        1e-5,
        &format!("{what} CI"),
    );
    worst(
        &hi,
        &vec_of(&r["conf_int_upper"]),
        1e-5,
        &format!("{what} CI"),
    );
    for ic in ["aic", "bic"] {
        let (g, w) = (v[ic].as_f64().unwrap(), r[ic].as_f64().unwrap());
        assert!(rel(g, w) < 1e-8, "{what} {ic}: {g} vs {w}");
    }
    [ll, c, t, s]
}

#[test]
fn cli_every_link_matches_clm_on_soup() {
    let f = fixtures();
    let data = soup_csv();
    println!("CLI link | |loglik diff| | coef     | cutpoint | SE");
    for link in Link::ALL {
        let v = fit_json(&data, &["--model", "po", "--link", link.name()]);
        assert_eq!(v["link"], link.name());
        // The JSON keeps the fields it had before links.
        for key in [
            "coef",
            "cutpoints",
            "std_errors",
            "cutpoint_std_errors",
            "loglik",
        ] {
            assert!(v.get(key).is_some(), "{link}: missing {key}");
        }
        assert_eq!(v["feature_names"], f["features"]);
        let [ll, c, t, s] = check_po_json(&v, reference(&f, link), link.name());
        println!(
            "{:8} | {ll:.1e}       | {c:.1e}  | {t:.1e}  | {s:.1e}",
            link.name()
        );
    }
}

#[test]
fn cli_frequency_weights_match_clm() {
    let f = fixtures();
    // soup.csv with a weight column w_i = 1 + (i mod 3), the fixture's `weights_rule`.
    let text = std::fs::read_to_string(soup_csv()).unwrap();
    let mut lines = text.lines();
    let mut body = format!("{},w\n", lines.next().unwrap());
    for (i, line) in lines.enumerate() {
        body.push_str(&format!("{line},{}\n", 1 + i % 3));
    }
    let path = common::temp_file("ordinal-links", "soup_w.csv", &body);
    let path = path.to_str().unwrap();
    for link in [Link::Logit, Link::Cloglog, Link::Cauchit] {
        let v = fit_json(
            path,
            &["--model", "po", "--link", link.name(), "--weights", "w"],
        );
        // The weight column is never a feature.
        assert_eq!(v["feature_names"], f["features"]);
        let r = &reference(&f, link)["weighted"];
        check_po_json(&v, r, &format!("{link} weighted"));
        assert_eq!(v["nobs"].as_f64(), r["nobs"].as_f64());
    }
    // Weights must be positive; the error names the parameter.
    let bad = body.replacen(",1\n", ",-1\n", 1);
    let bad = common::temp_file("ordinal-links", "soup_bad_w.csv", &bad);
    let (code, _, err) = run(&[
        "fit",
        "ordinal",
        "--data",
        bad.to_str().unwrap(),
        "--target",
        TARGET,
        "--model",
        "po",
        "--weights",
        "w",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("weight"), "{err}");
}

#[test]
fn cli_predictions_and_marginal_effects_match_clm() {
    let f = fixtures();
    let names: Vec<String> = f["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    // Every link's `predict.x` holds the same rows; the new-rows file has the feature columns
    // in reverse order (they are matched by name).
    let x = mat_of(&f["links"]["logit"]["predict"]["x"]);
    let mut body = names.iter().rev().cloned().collect::<Vec<_>>().join(",");
    body.push('\n');
    for i in 0..x.nrows() {
        let row: Vec<String> = (0..x.ncols())
            .rev()
            .map(|j| x[(i, j)].to_string())
            .collect();
        body.push_str(&row.join(","));
        body.push('\n');
    }
    let new_rows = common::temp_file("ordinal-links", "new_rows.csv", &body);
    let new_rows = new_rows.to_str().unwrap();
    for link in Link::ALL {
        let r = reference(&f, link);
        let v = fit_json(
            &soup_csv(),
            &[
                "--model",
                "po",
                "--link",
                link.name(),
                "--predict",
                new_rows,
                "--marginal-effects",
            ],
        );
        let (got, want) = (&v["predictions"], &r["predict"]);
        assert_eq!(got["n_rows"].as_u64(), Some(x.nrows() as u64));
        for (g, w, tol) in [
            ("class_prob", "prob", 1e-7),
            ("class_prob_se", "prob_se", 1e-6),
            ("class_prob_lower", "prob_lower", 1e-6),
            ("class_prob_upper", "prob_upper", 1e-6),
            ("cum_prob", "cum_prob", 1e-7),
            ("cum_prob_se", "cum_prob_se", 1e-6),
            ("cum_prob_lower", "cum_prob_lower", 1e-6),
            ("cum_prob_upper", "cum_prob_upper", 1e-6),
        ] {
            worst(&flat(&got[g]), &flat(&want[w]), tol, &format!("{link} {g}"));
        }
        assert_eq!(got["class"], want["class"], "{link} predicted class");
        let me = &v["marginal_effects"];
        worst(
            &flat(&me["effect"]),
            &flat(&r["ame"]["ame"]),
            1e-7,
            &format!("{link} AME"),
        );
        worst(
            &flat(&me["std_errors"]),
            &flat(&r["ame"]["se"]),
            1e-6,
            &format!("{link} AME SE"),
        );
    }
}

/// PRESTO takes the link too: with every boundary difference fused (a large lambda, the first
/// slopes unpenalized) it is the proportional-odds fit of that link.
#[test]
fn cli_presto_link_fuses_to_proportional_odds() {
    let f = fixtures();
    let data = soup_csv();
    for link in [Link::Probit, Link::Loglog] {
        let v = fit_json(
            &data,
            &[
                "--model",
                "presto",
                "--link",
                link.name(),
                "--lambda",
                "100",
                "--penalize-first",
                "false",
            ],
        );
        assert_eq!(v["link"], link.name());
        let want = reference(&f, link)["loglik"].as_f64().unwrap();
        let got = v["loglik"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-4, "{link}: {got} vs {want}");
        let coef = flat(&v["coef"]);
        worst(
            &coef[..22],
            &vec_of(&reference(&f, link)["coef"]),
            1e-3,
            &format!("{link} PRESTO fused coef"),
        );
    }
    // logit-last is a logistic regression: another link is refused, naming the parameter; an
    // unknown link is clap's usage error; PO-only flags are refused for PRESTO.
    for (args, names) in [
        (vec!["--model", "logit-last", "--link", "probit"], "link"),
        (vec!["--model", "po", "--link", "tobit"], "link"),
        (
            vec!["--model", "presto", "--lambda", "0.1", "--marginal-effects"],
            "--marginal-effects",
        ),
    ] {
        let mut all = vec!["fit", "ordinal", "--data", &data, "--target", TARGET];
        all.extend_from_slice(&args);
        let (code, _, err) = run(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(names), "{args:?}: {err}");
    }
}

/// `--ridge` is the library's ridge fit (tests/ordinal_links/penalized.rs checks that against
/// ridge logistic regression and a stationarity certificate), reported with its penalty. The
/// binary and this test are built at different optimization levels: last-digit differences.
#[test]
fn cli_ridge_is_the_library_ridge_fit() {
    let (data, _) = soup();
    let v = fit_json(
        &soup_csv(),
        &["--model", "po", "--link", "cloglog", "--ridge", "0.01"],
    );
    let lib = ProportionalOddsParams::new()
        .link(Link::Cloglog)
        .ridge(0.01)
        .fit(&data)
        .unwrap();
    assert_eq!(v["ridge"].as_f64(), Some(0.01));
    assert!(rel(v["loglik"].as_f64().unwrap(), lib.loglik) < 1e-13);
    worst(
        &vec_of(&v["std_errors"]),
        &lib.std_errors,
        1e-13,
        "ridge SE",
    );
    worst(&flat(&v["coef"])[..22], &lib.coef, 1e-13, "ridge coef");
}
