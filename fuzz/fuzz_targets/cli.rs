//! Every data command of the CLI, in process, on fuzzed files and arguments (structure-aware):
//! `fit lasso`, `fit ordinal`, `metrics`, `multiplicity`, `pn` (and `pn simulate`), `ldp sample
//! | audit | regress`, `echo search | loglike`. The file has fuzzed header names (empty,
//! duplicated, quoted, with spaces), separators, a BOM, CRLF line ends, ragged rows and cells
//! (any f64 by its bits, huge and tiny magnitudes, integers, text, quoted numbers, gaps); it can
//! be wide (up to 300 columns). The arguments are the command's flags with fuzzed values (column
//! names of the file, any number, small sizes). The CLI's own code (`src/cli/`) is compiled in,
//! and the arguments are parsed by the same clap definitions as `veristat`'s.
//!
//! Invariant (issue 20): the command returns `Ok` having printed JSON that passed the output
//! guard (`print_json` refuses a non-finite number, so `Ok` means finite JSON), or a typed
//! `veristat::Error` (what `veristat` prints as one `error:` line and exit 2); never a panic,
//! an abort or a hang. Sizes that set the work (Monte Carlo replicates, draws, live points,
//! path lengths, rows) are drawn small so that every input runs in well under a second.
#![no_main]
#![allow(dead_code)]

#[path = "../../src/cli/mod.rs"]
mod cli;

use arbitrary::{Result, Unstructured};
use clap::{Parser, Subcommand};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

/// `veristat`'s commands that read data or take numbers (`main.rs`'s `Command`, less `report`,
/// `verify`, `merge`, `claims` and `device`, which run fixed Monte Carlo or list things).
#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Fit {
        #[command(subcommand)]
        model: FitCommand,
    },
    Metrics(cli::ordinal::MetricsArgs),
    Ldp {
        #[command(subcommand)]
        command: cli::ldp::LdpCommand,
    },
    Pn(cli::expfam::PnArgs),
    Multiplicity(cli::multiplicity::MultiplicityArgs),
    Echo {
        #[command(subcommand)]
        command: cli::echo::EchoCommand,
    },
}

#[derive(Debug, Subcommand)]
enum FitCommand {
    Lasso(cli::sparse::FitLassoArgs),
    Ordinal(cli::ordinal::FitOrdinalArgs),
}

fn dispatch(c: Command) -> veristat::Result<()> {
    match c {
        Command::Fit {
            model: FitCommand::Lasso(a),
        } => cli::sparse::fit_lasso(a),
        Command::Fit {
            model: FitCommand::Ordinal(a),
        } => cli::ordinal::fit_ordinal(a),
        Command::Metrics(a) => cli::ordinal::metrics(a),
        Command::Ldp { command } => cli::ldp::run(command),
        Command::Pn(a) => cli::expfam::run(a),
        Command::Multiplicity(a) => cli::multiplicity::run(a),
        Command::Echo { command } => cli::echo::run(command),
    }
}

/// Header names: what the commands' flags name, and the hostile ones.
const NAMES: [&str; 16] = [
    "a",
    "b",
    "c",
    "y",
    "label",
    "score",
    "x1",
    "fold",
    "frequency",
    "real",
    "imaginary",
    "psd",
    "",
    " a",
    "a b",
    "\"q\"",
];

/// What a flag's value is drawn from.
#[derive(Clone, Copy)]
enum Kind {
    /// A header name (of the file or not).
    Column,
    /// Comma-separated header names.
    Columns,
    /// Any number.
    Number,
    /// An integer in `0..=max`.
    Size(u32),
    /// One of these words.
    Word(&'static [&'static str]),
    /// A flag without a value.
    Switch,
    /// The second file (`ldp regress --public`).
    File,
    /// Comma-separated small integers (row lists, sample sizes, fold ids).
    Ints,
}
use Kind::*;

/// A command: its words, its required flags, its optional flags.
struct Spec {
    words: &'static [&'static str],
    data: bool,
    required: &'static [(&'static str, Kind)],
    optional: &'static [(&'static str, Kind)],
}

const FORMAT: (&str, Kind) = ("--format", Word(&["json", "table", "csv"]));
const MECHANISMS: &[&str] = &[
    "rr",
    "grr",
    "oue",
    "sue",
    "olh",
    "duchi",
    "duchi-l2",
    "duchi-linf",
    "piecewise",
    "hybrid",
    "laplace",
    "gaussian",
    "gaussian-analytic",
    "nope",
];
const FAMILIES: &[&str] = &[
    "gaussian-diag",
    "gaussian-full",
    "gaussian-iso",
    "poisson",
    "normal",
    "nope",
];

const SPECS: &[Spec] = &[
    Spec {
        words: &["fit", "lasso"],
        data: true,
        required: &[("--target", Column)],
        optional: &[
            ("--features", Columns),
            ("--alpha", Number),
            ("--n-alphas", Size(20)),
            ("--eps", Number),
            ("--l1-ratio", Number),
            ("--standardize", Switch),
            ("--cv", Size(6)),
            ("--foldid", Column),
            ("--seed", Size(9)),
            ("--tol", Number),
            FORMAT,
        ],
    },
    Spec {
        words: &["fit", "ordinal"],
        data: true,
        required: &[
            ("--target", Column),
            ("--model", Word(&["po", "presto", "logit-last", "probit"])),
        ],
        optional: &[
            ("--features", Columns),
            ("--lambda", Number),
            ("--n-lambdas", Size(6)),
            ("--lambda-ratio", Number),
            ("--cv", Size(4)),
            ("--foldid", Column),
            ("--penalize-first", Word(&["true", "false"])),
            ("--standardize", Switch),
            ("--a", Number),
            ("--seed", Size(9)),
            FORMAT,
        ],
    },
    Spec {
        words: &["metrics"],
        data: true,
        required: &[("--label", Column), ("--score", Column)],
        optional: &[FORMAT],
    },
    Spec {
        words: &["multiplicity"],
        data: true,
        required: &[
            ("--target", Column),
            ("--epsilon", Number),
            ("--l2", Number),
        ],
        optional: &[
            ("--features", Columns),
            ("--relative", Switch),
            ("--standardize", Switch),
            ("--rows", Ints),
            ("--all", Switch),
            FORMAT,
        ],
    },
    Spec {
        words: &["pn"],
        data: true,
        required: &[("--family", Word(FAMILIES))],
        optional: &[
            ("--columns", Columns),
            ("--delta", Number),
            ("--threshold", Number),
            ("--bound", Word(&["pinsker", "bhattacharyya", "nope"])),
            FORMAT,
        ],
    },
    Spec {
        words: &["pn", "simulate"],
        data: false,
        required: &[
            ("--family", Word(FAMILIES)),
            (
                "--truth",
                Word(&[
                    "gamma:2",
                    "student-t:3",
                    "student-t:0.5",
                    "lognormal:1",
                    "negbin:2,0.5",
                    "poisson:3",
                    "normal:0,1",
                    "normal:0,0",
                    "mixture:0.5,0,1,3,1",
                    "gaussian-ar:0.5",
                    "gaussian-ar:1",
                    "gamma:-1",
                    "x",
                ]),
            ),
            ("--replicates", Size(30)),
        ],
        optional: &[
            ("--n", Ints),
            ("--seed", Size(9)),
            ("--dim", Size(4)),
            FORMAT,
        ],
    },
    Spec {
        words: &["ldp", "sample"],
        data: false,
        required: &[
            ("--mechanism", Word(MECHANISMS)),
            ("--epsilon", Number),
            ("--input", Ints),
            ("--n", Size(20)),
        ],
        optional: &[("--delta", Number), ("--k", Size(12)), ("--seed", Size(9))],
    },
    Spec {
        words: &["ldp", "audit"],
        data: false,
        required: &[
            ("--mechanism", Word(MECHANISMS)),
            ("--epsilon", Number),
            ("--draws", Size(2000)),
        ],
        optional: &[
            ("--delta", Number),
            ("--k", Size(12)),
            ("--d", Size(6)),
            ("--level", Number),
            ("--seed", Size(9)),
            FORMAT,
        ],
    },
    Spec {
        words: &["ldp", "regress"],
        data: true,
        required: &[
            ("--target", Column),
            ("--method", Word(&["nldp", "public", "iht"])),
            ("--epsilon", Number),
            ("--delta", Number),
            ("--device", Word(&["cpu"])),
        ],
        optional: &[
            ("--public", File),
            ("--seed", Size(9)),
            ("--tau1", Number),
            ("--tau2", Number),
            ("--lambda", Number),
            ("--k", Size(12)),
            ("--rounds", Size(12)),
            ("--step", Number),
            ("--l1-bound", Number),
            FORMAT,
        ],
    },
    Spec {
        words: &["echo", "search"],
        data: true,
        required: &[
            ("--likelihood", Word(&["new", "old", "x"])),
            ("--device", Word(&["cpu"])),
            ("--nlive", Size(16)),
            ("--walks", Size(4)),
        ],
        optional: &[
            ("--batch", Size(4)),
            ("--seed", Size(9)),
            ("--r-bar", Number),
            ("--f-max", Number),
            FORMAT,
        ],
    },
    Spec {
        words: &["echo", "loglike"],
        data: true,
        required: &[
            ("--likelihood", Word(&["new", "old"])),
            (
                "--params",
                Word(&[
                    "width=0.01,amplitude=1,phase=0.5,spacing=0.02,fmin=0.001,fmax=0.05",
                    "width=1e-300,amplitude=1e300,phase=0,spacing=1e-300,fmin=0,fmax=1e300",
                    "width=0.01,amplitude=-1,phase=2,spacing=0,fmin=0.05,fmax=0.001",
                    "width=nan,amplitude=inf,phase=0,spacing=1,fmin=0,fmax=1",
                    "width=0.01",
                    "x=1",
                ]),
            ),
        ],
        optional: &[FORMAT],
    },
];

/// A number as a user might type it: any f64 by its bits (NaN, infinities, subnormals), huge and
/// tiny powers of ten, small integers, and spellings f64's parser takes or refuses.
fn number(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=5)? {
        0 => format!("{}", f64::from_bits(u.arbitrary()?)),
        1 => format!(
            "{}e{}",
            u.int_in_range(-9i32..=9)?,
            u.int_in_range(-330i32..=320)?
        ),
        2 => u.int_in_range(-3i32..=12)?.to_string(),
        3 => format!("{}", u.int_in_range(0u32..=1000)? as f64 / 100.0),
        4 => (*u.choose(&["nan", "inf", "-inf", "-0", "1e400", "0x10", "", " 1", "1,5"])?).into(),
        _ => format!("{:e}", u.arbitrary::<f32>()?),
    })
}

fn column(u: &mut Unstructured, header: &[String]) -> Result<String> {
    if !header.is_empty() && u.ratio(7, 8)? {
        Ok(u.choose(header)?.clone())
    } else {
        Ok((*u.choose(&NAMES)?).to_string())
    }
}

fn value(
    u: &mut Unstructured,
    kind: Kind,
    header: &[String],
    public: &str,
) -> Result<Option<String>> {
    Ok(Some(match kind {
        Column => column(u, header)?,
        Columns => {
            let n = u.int_in_range(0..=4)?;
            (0..n)
                .map(|_| column(u, header))
                .collect::<Result<Vec<_>>>()?
                .join(",")
        }
        Number => number(u)?,
        Size(max) => u.int_in_range(0..=max)?.to_string(),
        Word(words) => (*u.choose(words)?).to_string(),
        Switch => return Ok(None),
        File => public.to_string(),
        Ints => {
            let n = u.int_in_range(0..=4)?;
            (0..n)
                .map(|_| Ok(u.int_in_range(-1i32..=60)?.to_string()))
                .collect::<Result<Vec<_>>>()?
                .join(",")
        }
    }))
}

/// One cell as a file might hold it.
fn cell(u: &mut Unstructured, numeric_bias: bool) -> Result<String> {
    if numeric_bias && u.ratio(3, 4)? {
        return Ok(match u.int_in_range(0..=2)? {
            0 => u.int_in_range(0i32..=4)?.to_string(),
            1 => format!("{}", u.int_in_range(-2000i32..=2000)? as f64 / 100.0),
            _ => format!(
                "{}e{}",
                u.int_in_range(1i32..=9)?,
                u.int_in_range(-320i32..=310)?
            ),
        });
    }
    Ok(match u.int_in_range(0..=6)? {
        0 => number(u)?,
        1 => String::new(),
        2 => (*u.choose(&["NA", "x", "true", "\"1.5\"", "\"a,b\"", "1 ", "\"\"", "-"])?).into(),
        3 => format!("\"{}\"", number(u)?),
        4 => format!("{}", f64::from_bits(u.arbitrary()?)),
        5 => u.int_in_range(0i32..=1)?.to_string(),
        _ => format!(
            "{}e-{}",
            u.int_in_range(1i32..=9)?,
            u.int_in_range(300i32..=330)?
        ),
    })
}

/// A CSV file: header, rows, separator, BOM, line ends, ragged rows. Returns the text and the
/// header names (unquoted).
fn csv(u: &mut Unstructured) -> Result<(String, Vec<String>)> {
    let wide = u.ratio(1, 16)?;
    let ncol = if wide {
        u.int_in_range(20..=300)?
    } else {
        u.int_in_range(1..=8)?
    };
    let nrow = if wide {
        u.int_in_range(0..=6)?
    } else {
        u.int_in_range(0..=40)?
    };
    let sep = *u.choose(&[",", ",", ",", ";", "\t"])?;
    let eol = if u.ratio(1, 4)? { "\r\n" } else { "\n" };
    let numeric_bias = u.ratio(3, 4)?;
    let mut header = Vec::with_capacity(ncol);
    for j in 0..ncol {
        let name = if wide && u.ratio(3, 4)? {
            format!("x{j}")
        } else {
            (*u.choose(&NAMES)?).to_string()
        };
        header.push(name);
    }
    let quote = u.ratio(1, 6)?;
    let mut text = String::new();
    if u.ratio(1, 8)? {
        text.push('\u{feff}');
    }
    let head: Vec<String> = header
        .iter()
        .map(|h| if quote { format!("\"{h}\"") } else { h.clone() })
        .collect();
    text.push_str(&head.join(sep));
    for _ in 0..nrow {
        text.push_str(eol);
        let width = if u.ratio(1, 20)? {
            u.int_in_range(0..=ncol + 1)?
        } else {
            ncol
        };
        let cells: Vec<String> = (0..width)
            .map(|_| cell(u, numeric_bias))
            .collect::<Result<_>>()?;
        text.push_str(&cells.join(sep));
    }
    if u.ratio(3, 4)? {
        text.push_str(eol);
    }
    Ok((text, header))
}

fn scratch(name: &str) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    dir.join(format!("veristat-fuzz-cli-{}-{name}", std::process::id()))
}

fn args(u: &mut Unstructured) -> Result<Vec<String>> {
    let spec = u.choose(SPECS)?;
    let (text, header) = csv(u)?;
    let data = scratch("data.csv");
    std::fs::write(&data, text).expect("scratch file");
    let (public_text, _) = csv(u)?;
    let public = scratch("public.csv");
    std::fs::write(&public, public_text).expect("scratch file");
    let public = public.display().to_string();
    let mut argv: Vec<String> = std::iter::once("veristat")
        .chain(spec.words.iter().copied())
        .map(String::from)
        .collect();
    if spec.data {
        argv.push("--data".into());
        argv.push(data.display().to_string());
    }
    for &(flag, kind) in spec.required {
        argv.push(flag.into());
        if let Some(v) = value(u, kind, &header, &public)? {
            argv.push(v);
        }
    }
    for &(flag, kind) in spec.optional {
        if u.ratio(1, 3)? {
            argv.push(flag.into());
            if let Some(v) = value(u, kind, &header, &public)? {
                argv.push(v);
            }
        }
    }
    Ok(argv)
}

fuzz_target!(|bytes: &[u8]| {
    // libFuzzer's panic hook aborts on every panic, also one veristat catches and turns into a
    // typed error (polars' Parquet reader); back to the default hook, an uncaught panic still
    // reaches libfuzzer-sys's own catch and aborts.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| drop(std::panic::take_hook()));
    let mut u = Unstructured::new(bytes);
    let Ok(argv) = args(&mut u) else {
        return;
    };
    // A clap error is the CLI's usage error (exit 2 with clap's message): not a finding.
    let Ok(parsed) = Cli::try_parse_from(&argv) else {
        return;
    };
    // Ok: the JSON passed `print_json`'s finiteness guard; Err: a typed error, one line.
    if let Err(e) = dispatch(parsed.command) {
        let line = e.to_string();
        assert!(!line.is_empty(), "empty error message for {argv:?}");
    }
});
