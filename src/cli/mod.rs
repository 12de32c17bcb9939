//! The CLI's shared pieces: output format, progress bars, JSON printing.

pub mod clock;
pub mod device;
pub mod echo;
pub mod expfam;
pub mod ldp;
pub mod multiplicity;
pub mod ordinal;
pub mod report;
pub mod sparse;
pub mod verify;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::Value;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use veristat::device::{Device, DeviceChoice, Resolved};
use veristat::montecarlo::Progress;
use veristat::{Error, Result};

/// `--format json|table`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// Machine-readable JSON on stdout (the documented contract).
    #[default]
    Json,
    /// Aligned text for people.
    Table,
}

/// Resolve `--device` and its device with the registered kernels (`None`: the CPU). `cuda`
/// without a usable GPU (or in a build without the `cuda` feature) is an
/// [`veristat::Error::GpuUnavailable`], which the CLI prints as one line and exits 2 on.
pub fn device(choice: DeviceChoice) -> Result<(Resolved, Option<Device>)> {
    let r = veristat::device::resolve(choice)?;
    let d = r.device(veristat::registry::SOURCES)?;
    Ok((r, d))
}

/// The stderr line of a command whose work has no GPU kernel: it ran on the CPU, and why.
pub fn cpu_line(r: &Resolved, what: &str) -> String {
    match r {
        Resolved::Cpu(_) => r.to_string(),
        Resolved::Cuda(name) => {
            format!("device: cpu for {what}: no GPU kernel for it (cuda ({name}) unused)")
        }
    }
}

/// Print a JSON value on stdout (pretty), once [`check_finite`] has passed it.
pub fn print_json(v: &Value) -> Result<()> {
    print_json_optional(v, &[])
}

/// [`print_json`] for a command with optional inputs echoed in its output: a `null` is accepted
/// at exactly the `optional` field paths (as [`check_finite`] spells them), nowhere else.
pub fn print_json_optional(v: &Value, optional: &[&str]) -> Result<()> {
    check_finite(v, optional)?;
    let text = serde_json::to_string_pretty(v).map_err(|e| Error::NonFinite {
        quantity: "JSON output".into(),
        reason: e.to_string(),
    })?;
    println!("{text}");
    Ok(())
}

/// One JSON value on one line of stdout (a stream of records), checked as [`print_json`] does.
pub fn print_json_line(v: &Value) -> Result<()> {
    check_finite(v, &[])?;
    println!("{v}");
    Ok(())
}

/// The output guarantee: a command exits 0 only with finite numbers. serde_json writes NaN and
/// ±inf as `null` (JSON has no such number), so by the time a result is a [`Value`] a non-finite
/// number *is* a `null`; the CLI's JSON therefore carries no `null` (an absent value is an absent
/// key), and a `null` at any path not declared `optional` is an [`Error::NonFinite`] naming the
/// field, e.g. `alphas[3]` or `cv.mean[0]`.
pub fn check_finite(v: &Value, optional: &[&str]) -> Result<()> {
    fn walk(v: &Value, path: &mut String, optional: &[&str]) -> Option<String> {
        match v {
            Value::Null if !optional.contains(&path.as_str()) => Some(path.clone()),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let hit = walk(item, path, optional);
                path.truncate(len);
                hit
            }),
            Value::Object(map) => map.iter().find_map(|(k, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                let hit = walk(item, path, optional);
                path.truncate(len);
                hit
            }),
            _ => None,
        }
    }
    match walk(v, &mut String::new(), optional) {
        None => Ok(()),
        Some(path) => Err(non_finite_output(if path.is_empty() {
            "(the whole output)".into()
        } else {
            format!("`{path}`")
        })),
    }
}

fn non_finite_output(quantity: String) -> Error {
    Error::NonFinite {
        quantity: format!("result {quantity}"),
        reason: "NaN or infinite (an overflow or a degenerate fit)".into(),
    }
}

/// Print a flat JSON object in either format: as JSON, or as a `key  value` table (strings
/// unquoted); both pass the output guarantee.
pub fn print_object(v: &Value, format: Format) -> Result<()> {
    match format {
        Format::Json => print_json(v),
        Format::Table => {
            let rows: Vec<Vec<String>> = v
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| match v {
                    Value::String(s) => vec![k.clone(), s.clone()],
                    other => vec![k.clone(), other.to_string()],
                })
                .collect();
            print_table(&["key", "value"], &rows)
        }
    }
}

/// A cell or line of text output that shows a non-finite number: Rust writes them `NaN`, `inf`
/// and `-inf`, and a JSON value turned into text writes them `null`.
fn non_finite_token(text: &str) -> Option<&str> {
    text.split(|c: char| c.is_whitespace() || ",;=:()[]{}".contains(c))
        .find(|t| t.eq_ignore_ascii_case("null") || t.parse::<f64>().is_ok_and(|x| !x.is_finite()))
}

/// Print rows as an aligned text table; a cell showing a non-finite number is an
/// [`Error::NonFinite`] naming its column and row (the table format's share of the output
/// guarantee), and nothing is printed.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if non_finite_token(cell).is_some() {
                let col = header.get(c).copied().unwrap_or("?");
                return Err(non_finite_output(format!("`{col}` in table row {r}")));
            }
        }
    }
    let mut w: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.len());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:>w$}", w = w[i]))
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!("{}", line(header.to_vec()));
    for r in rows {
        println!("{}", line(r.iter().map(|s| s.as_str()).collect()));
    }
    Ok(())
}

/// Print one line of the table format's text (a summary under a table), refusing a non-finite
/// number as [`print_table`] does.
pub fn print_line(text: &str) -> Result<()> {
    if let Some(t) = non_finite_token(text) {
        return Err(non_finite_output(format!("`{t}` in the line \"{text}\"")));
    }
    println!("{text}");
    Ok(())
}

/// Progress on stderr: bars on a terminal; plain lines when stderr is piped or redirected to a
/// file (indicatif hides its bars there, so a long job would otherwise say nothing until it
/// ends): one line per stage, and for a phase that runs longer than [`PLAIN_EVERY`] one line
/// every [`PLAIN_EVERY`] and one when it ends (short phases stay silent, so a quick command's
/// stderr holds nothing but its error, if any).
pub struct Bars {
    multi: MultiProgress,
    current: Mutex<Option<ProgressBar>>,
    plain: Option<Mutex<PlainPhase>>,
    t0: Instant,
}

/// Interval between two plain progress lines of one phase.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

struct PlainPhase {
    label: String,
    total: u64,
    done: u64,
    started: Option<Instant>,
    last_line: Instant,
    printed: bool,
}

impl Default for PlainPhase {
    fn default() -> Self {
        Self {
            label: String::new(),
            total: 0,
            done: 0,
            started: None,
            last_line: Instant::now(),
            printed: false,
        }
    }
}

impl Bars {
    /// Bars when stderr is a terminal, plain lines otherwise.
    pub fn new() -> Self {
        use std::io::IsTerminal;
        let terminal = std::io::stderr().is_terminal();
        Self {
            multi: MultiProgress::new(),
            current: Mutex::new(None),
            plain: (!terminal).then(|| Mutex::new(PlainPhase::default())),
            t0: Instant::now(),
        }
    }

    fn line(&self, text: &str) {
        let line = format!("[{:>7.1} s] {text}", self.t0.elapsed().as_secs_f64());
        if self.plain.is_some() {
            eprintln!("{line}");
        } else {
            // Printed above the bars so they are not torn.
            let _ = self.multi.println(line);
        }
    }
}

impl Progress for Bars {
    fn stage(&self, label: &str) {
        self.line(label);
    }
    fn start(&self, label: &str, total: u64) {
        if let Some(plain) = &self.plain {
            let now = Instant::now();
            *plain.lock().expect("progress lock") = PlainPhase {
                label: label.to_string(),
                total,
                done: 0,
                started: Some(now),
                last_line: now,
                printed: false,
            };
            return;
        }
        let pb = self.multi.add(ProgressBar::new(total));
        pb.set_style(
            ProgressStyle::with_template(
                "{prefix:>28} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta}",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        pb.set_prefix(label.to_string());
        *self.current.lock().expect("progress lock") = Some(pb);
    }
    fn inc(&self, n: u64) {
        if let Some(plain) = &self.plain {
            let mut p = plain.lock().expect("progress lock");
            p.done += n;
            if p.last_line.elapsed() >= PLAIN_EVERY && p.done < p.total {
                p.last_line = Instant::now();
                p.printed = true;
                let text = format!("{}: {}/{}", p.label, p.done, p.total);
                drop(p);
                self.line(&text);
            }
            return;
        }
        if let Some(pb) = self.current.lock().expect("progress lock").as_ref() {
            pb.inc(n);
        }
    }
    fn finish(&self) {
        if let Some(plain) = &self.plain {
            let p = std::mem::take(&mut *plain.lock().expect("progress lock"));
            let long = p.started.is_some_and(|t| t.elapsed() >= PLAIN_EVERY);
            if let (Some(started), true) = (p.started, p.printed || long) {
                self.line(&format!(
                    "{}: {}/{} done in {:.1} s",
                    p.label,
                    p.done,
                    p.total,
                    started.elapsed().as_secs_f64()
                ));
            }
            return;
        }
        if let Some(pb) = self.current.lock().expect("progress lock").take() {
            pb.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn non_finite_numbers_never_leave_as_output() {
        // serde_json turns NaN and inf into null: the guard names the field where that happened.
        let v = json!({"alphas": [0.5, f64::NAN], "cv": {"mean": [f64::INFINITY]}, "n": 3});
        match check_finite(&v, &[]) {
            Err(Error::NonFinite { quantity, .. }) => assert!(quantity.contains("`alphas[1]`")),
            other => panic!("{other:?}"),
        }
        assert!(print_json(&v).is_err());
        assert!(print_json_line(&v).is_err());
        let inner = json!({"cv": {"mean": [1.0, f64::NEG_INFINITY]}});
        let e = check_finite(&inner, &[]).unwrap_err();
        assert!(e.to_string().contains("`cv.mean[1]`"), "{e}");
        // A declared optional input may be null, and only there.
        let opt = json!({"params": {"lambda_given": null}, "x": 1.0});
        assert!(check_finite(&opt, &["params.lambda_given"]).is_ok());
        assert!(check_finite(&opt, &[]).is_err());
        assert!(check_finite(&json!({"a": [1, 2.5, "text", true]}), &[]).is_ok());
        // The table format: a cell or a summary line showing NaN/inf is refused by column, row.
        let rows = vec![
            vec!["0.1".to_string(), "2".to_string()],
            vec!["0.2".to_string(), format!("{:.6}", f64::NAN)],
        ];
        let e = print_table(&["alpha", "coef"], &rows).unwrap_err();
        assert!(e.to_string().contains("`coef` in table row 1"), "{e}");
        for bad in [f64::INFINITY, f64::NEG_INFINITY] {
            let r = vec![vec![format!("[{:.6}, 1.0]", bad)]];
            assert!(print_table(&["interval"], &r).is_err());
        }
        assert!(print_line(&format!("loglik {:.6} lambda 0", f64::NAN)).is_err());
        assert!(print_line("model \"po\"  loglik -12.5  lambda 0 (information)").is_ok());
        assert!(print_object(&json!({"risk": f64::NAN}), Format::Table).is_err());
    }
}
