//! `veristat device`.

use clap::Args;
use veristat::{Error, Result};

/// List GPUs and check every kernel against its CPU twin.
#[derive(Debug, Args)]
pub struct DeviceArgs {}

pub fn run(_a: DeviceArgs) -> Result<()> {
    #[cfg(not(feature = "cuda"))]
    {
        Err(Error::GpuUnavailable("this binary was built without the `cuda` feature (cargo build --release --features cuda)".into()))
    }
    #[cfg(feature = "cuda")]
    {
        Err(Error::GpuUnavailable(
            "the CUDA backend is not implemented yet".into(),
        ))
    }
}
