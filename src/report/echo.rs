//! Report section for the `echo` module: one search on an injected Xin benchmark (spectrum
//! with the fitted comb, corner-style posterior panels), and the claims' quick runs (ln B box
//! plots signal vs noise, detection rate vs SNR) against the ECHOMASE reference results.

use super::{BoxChart, LineChart, ReportContext, Section, Series, Style, escape, html_table, num};
use crate::claims::echo::{echo_sizes, reference, reference_rows, spectrum_path};
use crate::echo::benchmarks::f_ringdown;
use crate::echo::template::{DurationFactor, qnm_comb};
use crate::echo::{
    Benchmark, CombPrior, LikelihoodKind, PsdModel, ReferenceSpectrum, search, simulate,
};
use crate::error::Result;
use crate::montecarlo::stats::median;
use std::fmt::Write as _;

/// Build the `echo` section.
pub fn section(ctx: &mut ReportContext) -> Result<Section> {
    let mut html = String::from(
        "<p>Frequency-space comb search for gravitational-wave echo QNMs (Wu, Gao, Ren &amp; Afshordi, PRD 108, 124006, 2023). \
Benchmark spectra and per-realization ln B from the reference implementation ECHOMASE; our nested sampler is <code>inference::nested</code>.</p>\n",
    );

    // One search on the Xin benchmark, N = 10, at the reference amplitude, sized as the echo
    // claims' searches at the report's scale (the claims' tables hold ln B, not posteriors).
    let sizes = echo_sizes(ctx.opts.scale);
    let bench = Benchmark::Xin;
    let spec_ref = ReferenceSpectrum::read(spectrum_path(bench, 10)?)?;
    let (freq, h) = spec_ref.positive_half();
    let mut rng = crate::rng::stream(ctx.opts.seed, "echo-report", 0);
    let real = simulate(
        &freq,
        &h,
        bench.injection_amplitude(),
        PsdModel::WhiteWelch {
            dt: spec_ref.dt(),
            nfft: 2048,
            segments: sizes.welch_segments,
        },
        &mut rng,
    )?;
    let prior = CombPrior::benchmark(spec_ref.duration(), real.mean_abs_noise);
    let t0 = std::time::Instant::now();
    let res = search(
        &real.spectrum,
        &prior,
        LikelihoodKind::New,
        &sizes.nested(),
        &mut rng,
    )?;
    let secs = t0.elapsed().as_secs_f64();
    let best = res.max_likelihood;
    let (fit, _) = qnm_comb(&freq, &best, spec_ref.duration(), DurationFactor::Reference);
    let df = real.spectrum.df();
    let norm = |k: usize, v: f64| v * (4.0 * df / real.spectrum.psd()[k]).sqrt();
    // Zoom on the first 0.015/M of the fitted band, where the comb is non-zero.
    let (lo, hi) = (best.fmin, (best.fmin + 0.015).min(best.fmax));
    let pick = |vals: &dyn Fn(usize) -> f64| -> Vec<(f64, f64)> {
        (0..freq.len())
            .filter(|&k| freq[k] >= lo && freq[k] <= hi)
            .map(|k| (freq[k], vals(k)))
            .collect()
    };
    let in_band = |k: usize| freq[k] >= best.fmin && freq[k] <= best.fmax;
    let chart = LineChart {
        title: "Xin benchmark (N = 10): whitened data and the maximum-likelihood comb".into(),
        x_label: "frequency Mf".into(),
        y_label: "|d| sqrt(4 df / S)".into(),
        log_x: false,
        log_y: false,
        series: vec![
            Series::new(
                "data",
                pick(&|k| norm(k, real.spectrum.data()[k].norm())),
                Style::Line,
            ),
            Series::new(
                "injected echo",
                pick(&|k| norm(k, bench.injection_amplitude() * h[k].norm())),
                Style::Dashed,
            ),
            Series::new(
                "fitted comb (new likelihood)",
                pick(&|k| {
                    if in_band(k) {
                        norm(k, fit[k].norm())
                    } else {
                        0.0
                    }
                }),
                Style::LinePoints,
            ),
        ],
    };
    html.push_str(&ctx.figure(&chart, "echo-spectrum", &format!("Whitened data, injected Xin echo (x160) and the maximum-likelihood QNM comb, zoomed to [{lo:.4}, {hi:.4}]/M inside the fitted band."))?);
    let _ = writeln!(
        html,
        "<p>This search: ln B = {} ± {}, {} likelihood calls in {:.2} s; posterior median spacing {} (1/Δt_echo = 1.1493e-3), band [{}, {}].</p>",
        num(res.log_bayes_factor),
        num(res.log_bayes_factor_err),
        res.n_likelihood_calls,
        secs,
        num(res
            .posterior_median
            .iter()
            .find(|(n, _)| *n == "spacing")
            .map_or(f64::NAN, |p| p.1)),
        num(best.fmin),
        num(best.fmax)
    );

    // Corner-style panels from equal-weight posterior draws.
    let draws = res.nested.resample_equal(600, &mut rng);
    let idx = |name: &str| res.free_names.iter().position(|n| *n == name);
    let pairs = [
        ("spacing", "width"),
        ("spacing", "phase"),
        ("spacing", "amplitude"),
        ("fmin", "fmax"),
    ];
    for (i, (xa, ya)) in pairs.iter().enumerate() {
        if let (Some(ix), Some(iy)) = (idx(xa), idx(ya)) {
            let pts: Vec<(f64, f64)> = draws.iter().map(|d| (d[ix], d[iy])).collect();
            let chart = LineChart {
                title: format!("posterior: {ya} vs {xa}"),
                x_label: (*xa).into(),
                y_label: (*ya).into(),
                log_x: false,
                log_y: *ya == "width",
                series: vec![Series::new("posterior draws", pts, Style::Points)],
            };
            html.push_str(&ctx.figure(
                &chart,
                &format!("echo-corner-{i}"),
                &format!("Corner panel: {ya} against {xa} (600 equal-weight draws)."),
            )?);
        }
    }

    // ln B distributions: ours (claims' quick runs) vs reference.
    let mut groups: Vec<(String, Vec<f64>)> = Vec::new();
    let mut rows = Vec::new();
    if let Ok((table, _)) = ctx.claim_run("echo-detection") {
        for b in table.distinct("benchmark")? {
            for n in table.distinct("n_echo")? {
                for lik in ["new", "old"] {
                    let v = table.values(
                        &[("benchmark", &b), ("n_echo", &n), ("likelihood", lik)],
                        "log_b",
                    )?;
                    if v.is_empty() {
                        continue;
                    }
                    let r = reference(&b, n.parse().unwrap_or(10), lik)?;
                    rows.push(vec![
                        escape(&b),
                        n.clone(),
                        lik.into(),
                        num(median(&v)?),
                        num(median(&r)?),
                        v.len().to_string(),
                    ]);
                    groups.push((format!("{b} {lik}"), v));
                    groups.push((format!("ref {b} {lik}"), r));
                }
            }
        }
    }
    if let Ok((table, _)) = ctx.claim_run("echo-noise-calibration") {
        for lik in ["new", "old"] {
            let v = table.values(&[("n_echo", "10"), ("likelihood", lik)], "log_b")?;
            if v.is_empty() {
                continue;
            }
            let r = reference("noise", 10, lik)?;
            rows.push(vec![
                "noise".into(),
                "10".into(),
                lik.into(),
                num(median(&v)?),
                num(median(&r)?),
                v.len().to_string(),
            ]);
            groups.push((format!("noise {lik}"), v));
            groups.push((format!("ref noise {lik}"), r));
        }
    }
    if !groups.is_empty() {
        let chart = BoxChart {
            title: "ln B: signal vs noise, ours vs reference (N = 10)".into(),
            y_label: "ln B".into(),
            log_y: false,
            groups,
        };
        html.push_str(&ctx.figure(&chart, "echo-logb-box", "Box plots of per-realization ln B (ours: the report's quick claim runs; ref: ECHOMASE, 100 realizations).")?);
        html.push_str(&html_table(
            &[
                "benchmark",
                "N",
                "likelihood",
                "median ln B (ours)",
                "median ln B (reference)",
                "realizations",
            ],
            &rows,
        ));
    }

    // Detection rate vs SNR: every reference configuration, and ours.
    let refs = reference_rows()?;
    let mut series = Vec::new();
    for lik in ["new", "old"] {
        let mut pts = Vec::new();
        for b in Benchmark::ALL {
            for n in [10, 20, 50, 100, 150, 200] {
                let thr = reference("noise", n, lik)?
                    .into_iter()
                    .fold(f64::NEG_INFINITY, f64::max);
                let sel: Vec<&_> = refs
                    .iter()
                    .filter(|r| r.group == b.name() && r.n_echo == n && r.likelihood == lik)
                    .collect();
                if sel.is_empty() {
                    continue;
                }
                let snr = median(&sel.iter().map(|r| r.snr).collect::<Vec<_>>())?;
                let rate = sel.iter().filter(|r| r.log_b > thr).count() as f64 / sel.len() as f64;
                pts.push((snr, rate));
            }
        }
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        series.push(Series::new(
            format!("reference, {lik} likelihood"),
            pts,
            Style::Points,
        ));
    }
    if let Ok((table, _)) = ctx.claim_run("echo-detection") {
        for lik in ["new", "old"] {
            let mut pts = Vec::new();
            for b in table.distinct("benchmark")? {
                for n in table.distinct("n_echo")? {
                    let f = [
                        ("benchmark", b.as_str()),
                        ("n_echo", n.as_str()),
                        ("likelihood", lik),
                    ];
                    let v = table.values(&f, "log_b")?;
                    if v.is_empty() {
                        continue;
                    }
                    let snr = median(&table.values(&f, "snr")?)?;
                    let thr = reference("noise", n.parse().unwrap_or(10), lik)?
                        .into_iter()
                        .fold(f64::NEG_INFINITY, f64::max);
                    pts.push((
                        snr,
                        v.iter().filter(|&&x| x > thr).count() as f64 / v.len() as f64,
                    ));
                }
            }
            series.push(Series::new(
                format!("ours, {lik} likelihood"),
                pts,
                Style::LinePoints,
            ));
        }
    }
    let chart = LineChart {
        title: "Detection rate vs injected SNR".into(),
        x_label: "median injected optimal SNR".into(),
        y_label: "fraction with ln B > max noise-only ln B".into(),
        log_x: false,
        log_y: false,
        series,
    };
    html.push_str(&ctx.figure(
        &chart,
        "echo-detection-snr",
        &format!("Detection rate vs SNR: each point is one benchmark and echo count (reference SNR in its best-fit band; ours over [0, f_RD = {:.4}/M]).", f_ringdown(0.69)),
    )?);
    Ok(Section {
        id: "echo",
        title: "Gravitational-wave echo search".into(),
        html,
    })
}
