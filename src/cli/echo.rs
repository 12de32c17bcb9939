//! `veristat echo` (being built).

use clap::Subcommand;
use veristat::{Error, Result};

/// Echo commands.
#[derive(Debug, Subcommand)]
pub enum EchoCommand {
    /// Placeholder.
    Search,
}

pub fn run(_c: EchoCommand) -> Result<()> {
    Err(Error::InvalidData("echo is being built".into()))
}
