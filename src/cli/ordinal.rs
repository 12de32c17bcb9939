//! `veristat fit ordinal` and `veristat metrics` (being built).

use clap::Args;
use veristat::{Error, Result};

/// Ordinal regression.
#[derive(Debug, Args)]
pub struct FitOrdinalArgs {}

/// Rare-event metrics.
#[derive(Debug, Args)]
pub struct MetricsArgs {}

pub fn fit_ordinal(_a: FitOrdinalArgs) -> Result<()> {
    Err(Error::InvalidData("fit ordinal is being built".into()))
}

pub fn metrics(_a: MetricsArgs) -> Result<()> {
    Err(Error::InvalidData("metrics is being built".into()))
}
