//! `veristat ldp` (being built).

use clap::Subcommand;
use veristat::{Error, Result};

/// LDP commands.
#[derive(Debug, Subcommand)]
pub enum LdpCommand {
    /// Placeholder.
    Sample,
}

pub fn run(_c: LdpCommand) -> Result<()> {
    Err(Error::InvalidData("ldp is being built".into()))
}
