//! `veristat fit lasso` (being built).

use clap::Args;
use veristat::{Error, Result};

/// Lasso / elastic-net path.
#[derive(Debug, Args)]
pub struct FitLassoArgs {}

pub fn fit_lasso(_a: FitLassoArgs) -> Result<()> {
    Err(Error::InvalidData("fit lasso is being built".into()))
}
