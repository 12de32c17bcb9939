//! The HTML report: one page, a section per module, figures as SVG (shown) and PNG (for slides),
//! and a table of every claim's verdict from a quick Monte Carlo run.
//!
//! Sections live in one file per module (`report/<module>.rs`), each a function
//! `section(&mut ReportContext) -> Result<Section>` that may look up its claims' runs in
//! [`ReportContext::claim_run`].

pub mod plot;

mod echo;
mod expfam;
mod glm;
mod ldp;
mod multiplicity;
mod ordinal;
mod ordinal_links;
mod sparse;

use crate::claims;
use crate::error::{Error, Result};
use crate::montecarlo::{Check, Progress, ResultTable, RunConfig, Scale, Verdict, runner};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub use plot::{BoxChart, Chart, Figure, LineChart, Series, Style};

/// What to build.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Output folder (`reports/` by default); `index.html` and `figures/` go there.
    pub out_dir: PathBuf,
    /// Folder with the shipped datasets.
    pub datasets_dir: PathBuf,
    /// Seed of every Monte Carlo run in the report.
    pub seed: u64,
    /// Size of the claims' runs.
    pub scale: Scale,
}

/// A finished section.
#[derive(Debug, Clone)]
pub struct Section {
    /// Anchor id.
    pub id: &'static str,
    /// Heading.
    pub title: String,
    /// HTML body (figures and tables).
    pub html: String,
}

/// State shared by the sections while the report is built.
pub struct ReportContext<'a> {
    /// Build options.
    pub opts: ReportOptions,
    /// Progress sink (the CLI's bars).
    pub progress: &'a dyn Progress,
    runs: BTreeMap<String, (ResultTable, Verdict)>,
}

impl ReportContext<'_> {
    /// Render a chart into the report's figures folder and return an HTML `<figure>`.
    pub fn figure(&self, chart: &dyn Chart, stem: &str, caption: &str) -> Result<String> {
        let fig = plot::render(chart, &self.opts.out_dir, stem)?;
        Ok(format!(
            "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{} <a href=\"{}\">PNG</a></figcaption></figure>\n",
            fig.svg,
            escape(caption),
            escape(caption),
            fig.png
        ))
    }

    /// The quick run of claim `name` made for this report.
    pub fn claim_run(&self, name: &str) -> Result<&(ResultTable, Verdict)> {
        self.runs
            .get(name)
            .ok_or_else(|| Error::Results(format!("claim {name} was not run for the report")))
    }

    /// Path of a shipped dataset.
    pub fn dataset(&self, file: &str) -> PathBuf {
        self.opts.datasets_dir.join(file)
    }
}

/// HTML-escape text.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An HTML table from a header and rows of already-escaped cells.
pub fn html_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table><thead><tr>");
    for h in header {
        let _ = write!(s, "<th>{}</th>", escape(h));
    }
    s.push_str("</tr></thead><tbody>");
    for r in rows {
        s.push_str("<tr>");
        for c in r {
            let _ = write!(s, "<td>{c}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>\n");
    s
}

/// Number formatting for tables: 4 significant digits.
pub fn num(x: f64) -> String {
    if x == 0.0 || (1e-3..1e5).contains(&x.abs()) {
        format!("{:.4}", x)
    } else {
        format!("{x:.3e}")
    }
}

/// Summary of what was written.
#[derive(Debug, Clone)]
pub struct ReportSummary {
    /// Path of index.html.
    pub index: PathBuf,
    /// Verdicts of all claims run.
    pub verdicts: Vec<Verdict>,
    /// Section titles.
    pub sections: Vec<String>,
}

/// Build the whole report.
pub fn build(opts: ReportOptions, progress: &dyn Progress) -> Result<ReportSummary> {
    build_on(opts, progress, None)
}

/// [`build`] with the claims' runs routed through a device
/// ([`runner::run_on`]: claims with an offload use it, the rest run on the CPU).
pub fn build_on(
    opts: ReportOptions,
    progress: &dyn Progress,
    device: Option<&crate::device::Device>,
) -> Result<ReportSummary> {
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| Error::io(&opts.out_dir, e))?;
    // One failing claim or section must not cost the user the rest of the report: a claim that
    // errors is listed as FAIL with its error, a section that errors shows the error instead.
    let mut runs = BTreeMap::new();
    let mut verdicts = Vec::new();
    let all = claims::all(opts.scale);
    for (i, claim) in all.iter().enumerate() {
        progress.stage(&format!("claim {}/{}: {}", i + 1, all.len(), claim.name()));
        let cfg = RunConfig::new(opts.seed, claim.default_replicates());
        let outcome = runner::run_on(claim.as_ref(), &cfg, progress, device)
            .and_then(|(table, _)| claim.verdict(&table).map(|v| (table, v)));
        match outcome {
            Ok((table, verdict)) => {
                verdicts.push(verdict.clone());
                runs.insert(claim.name().to_string(), (table, verdict));
            }
            Err(e) => {
                progress.finish();
                verdicts.push(Verdict {
                    claim: claim.name().to_string(),
                    replicates: 0,
                    checks: vec![Check {
                        name: format!("run failed: {e}"),
                        estimate: f64::NAN,
                        ci: (f64::NAN, f64::NAN),
                        level: 0.95,
                        prediction: claim.prediction(),
                        pass: false,
                    }],
                });
            }
        }
    }
    let mut ctx = ReportContext {
        opts,
        progress,
        runs,
    };
    type Builder = fn(&mut ReportContext) -> Result<Section>;
    let builders: [(&'static str, &str, Builder); 8] = [
        ("sparse", "Sparse regression", sparse::section),
        (
            "glm",
            "Sparse GLMs: logistic and Poisson lasso",
            glm::section,
        ),
        ("ldp", "Local differential privacy", ldp::section),
        (
            "ordinal",
            "Ordinal regression and rare-event metrics",
            ordinal::section,
        ),
        (
            "ordinal-links",
            "Ordinal regression: links, inference, prediction intervals",
            ordinal_links::section,
        ),
        (
            "expfam",
            "Exponential families and the p-n criterion",
            expfam::section,
        ),
        (
            "multiplicity",
            "Predictive multiplicity",
            multiplicity::section,
        ),
        ("echo", "Gravitational-wave echoes", echo::section),
    ];
    let mut sections = Vec::new();
    for (id, title, build_section) in builders {
        ctx.progress.stage(&format!("section {id}: {title}"));
        sections.push(build_section(&mut ctx).unwrap_or_else(|e| Section {
            id,
            title: title.to_string(),
            html: format!(
                "<p class=fail>This section could not be built: {}</p>\n",
                escape(&e.to_string())
            ),
        }));
    }
    let html = page(&sections, &ctx, &verdicts);
    let index = ctx.opts.out_dir.join("index.html");
    crate::fsutil::atomic_write(&index, |f| {
        use std::io::Write;
        f.write_all(html.as_bytes())
            .map_err(|e| Error::io(&index, e))
    })?;
    Ok(ReportSummary {
        index,
        verdicts,
        sections: sections.into_iter().map(|s| s.title).collect(),
    })
}

fn claims_table(ctx: &ReportContext, verdicts: &[Verdict]) -> String {
    let mut rows = Vec::new();
    for v in verdicts {
        let claim = claims::find(&v.claim, ctx.opts.scale).ok();
        for c in &v.checks {
            rows.push(vec![
                format!("<code>{}</code>", escape(&v.claim)),
                escape(&c.name),
                num(c.estimate),
                format!(
                    "[{}, {}] ({:.0}%)",
                    num(c.ci.0),
                    num(c.ci.1),
                    c.level * 100.0
                ),
                escape(&c.prediction),
                v.replicates.to_string(),
                if c.pass {
                    "<b class=pass>PASS</b>".into()
                } else {
                    "<b class=fail>FAIL</b>".into()
                },
            ]);
        }
        if let Some(cl) = claim {
            rows.push(vec![
                String::new(),
                format!("<i>{}</i>", escape(&cl.description())),
                String::new(),
                String::new(),
                escape(&cl.prediction()),
                String::new(),
                String::new(),
            ]);
        }
    }
    html_table(
        &[
            "claim",
            "check",
            "estimate",
            "interval",
            "theory",
            "replicates",
            "verdict",
        ],
        &rows,
    )
}

fn page(sections: &[Section], ctx: &ReportContext, verdicts: &[Verdict]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>veristat report</title>\n<style>\
body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}\
table{{border-collapse:collapse;margin:1em 0;font-size:0.9em}}td,th{{border:1px solid #ccc;padding:3px 7px;text-align:left}}\
th{{background:#eee}}figure{{display:inline-block;margin:0.5em}}img{{max-width:520px}}\
.pass{{color:#080}}.fail{{color:#b00}}code{{background:#f4f4f4}}nav a{{margin-right:1em}}</style></head><body>\n\
<h1>veristat report</h1><p>seed {}, scale {:?}, git {}; {} claims, {} PASS.</p><nav>",
        ctx.opts.seed,
        ctx.opts.scale,
        escape(runner::git_sha()),
        verdicts.len(),
        verdicts.iter().filter(|v| v.pass()).count()
    );
    for sec in sections {
        let _ = write!(s, "<a href=\"#{}\">{}</a>", sec.id, escape(&sec.title));
    }
    s.push_str("<a href=\"#claims\">Claims</a></nav>\n");
    for sec in sections {
        let _ = write!(
            s,
            "<section id=\"{}\"><h2>{}</h2>\n{}</section>\n",
            sec.id,
            escape(&sec.title),
            sec.html
        );
    }
    let _ = write!(
        s,
        "<section id=claims><h2>Claims</h2>\n{}</section></body></html>\n",
        claims_table(ctx, verdicts)
    );
    s
}

/// Default location of the shipped datasets: `./datasets`, else the source tree's.
pub fn default_datasets_dir() -> PathBuf {
    let local = Path::new("datasets");
    if local.is_dir() {
        local.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets")
    }
}
