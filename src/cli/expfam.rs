//! `veristat pn` (being built).

use clap::Args;
use veristat::{Error, Result};

/// p-n criterion.
#[derive(Debug, Args)]
pub struct PnArgs {}

pub fn run(_a: PnArgs) -> Result<()> {
    Err(Error::InvalidData("pn is being built".into()))
}
