//! The `veristat` command line: parse, call the library, print. Errors print one line on stderr
//! and exit with status 2.

mod cli;

use clap::{Parser, Subcommand};

/// veristat: estimators from recent papers, with their theory checked by Monte Carlo.
#[derive(Debug, Parser)]
#[command(name = "veristat", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the HTML report (figures for every module, claim verdicts) to reports/.
    Report(cli::report::ReportArgs),
    /// Fit a model to a CSV or Parquet file and print the fit as JSON.
    Fit {
        #[command(subcommand)]
        model: FitCommand,
    },
    /// AUROC, average precision, Brier score and log loss of a score column.
    Metrics(cli::ordinal::MetricsArgs),
    /// Run a claim's Monte Carlo (optionally one shard) and print its verdict.
    Verify(cli::verify::VerifyArgs),
    /// Merge the shards of a claim run and print the verdict.
    Merge(cli::verify::MergeArgs),
    /// List the claims.
    Claims(cli::verify::ClaimsArgs),
    /// Local differential privacy: sample, audit, regress.
    Ldp {
        #[command(subcommand)]
        command: cli::ldp::LdpCommand,
    },
    /// The p-n criterion for exponential families (and its simulation).
    Pn(cli::expfam::PnArgs),
    /// Predictive multiplicity of regularized logistic regression.
    Multiplicity(cli::multiplicity::MultiplicityArgs),
    /// Gravitational-wave echo search.
    Echo {
        #[command(subcommand)]
        command: cli::echo::EchoCommand,
    },
    /// List GPUs and check every kernel against its CPU twin.
    Device(cli::device::DeviceArgs),
}

#[derive(Debug, Subcommand)]
enum FitCommand {
    /// Lasso / elastic-net path with optional cross-validation.
    Lasso(cli::sparse::FitLassoArgs),
    /// Proportional odds, PRESTO, or logistic regression on the last class.
    Ordinal(cli::ordinal::FitOrdinalArgs),
}

fn main() {
    // A panic the library catches and turns into an error (polars on a damaged Parquet file)
    // must not add its message to the one `error:` line; any other panic is printed as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if veristat::data::GUARDED_READS.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            default_hook(info);
        }
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Report(a) => cli::report::run(a),
        Command::Fit {
            model: FitCommand::Lasso(a),
        } => cli::sparse::fit_lasso(a),
        Command::Fit {
            model: FitCommand::Ordinal(a),
        } => cli::ordinal::fit_ordinal(a),
        Command::Metrics(a) => cli::ordinal::metrics(a),
        Command::Verify(a) => cli::verify::verify(a),
        Command::Merge(a) => cli::verify::merge(a),
        Command::Claims(a) => cli::verify::list(a),
        Command::Ldp { command } => cli::ldp::run(command),
        Command::Pn(a) => cli::expfam::run(a),
        Command::Multiplicity(a) => cli::multiplicity::run(a),
        Command::Echo { command } => cli::echo::run(command),
        Command::Device(a) => cli::device::run(a),
    };
    if let Err(e) = result {
        let line = e.to_string().replace('\n', " ");
        eprintln!("error: {line}");
        std::process::exit(2);
    }
}
