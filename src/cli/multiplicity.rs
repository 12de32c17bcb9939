//! `veristat multiplicity` (being built).

use clap::Args;
use veristat::{Error, Result};

/// Predictive multiplicity.
#[derive(Debug, Args)]
pub struct MultiplicityArgs {}

pub fn run(_a: MultiplicityArgs) -> Result<()> {
    Err(Error::InvalidData("multiplicity is being built".into()))
}
