//! Launch helpers shared by every kernel job: error mapping, 32-bit index checks and grid sizing.

use crate::error::{Error, Result};
use cudarc::driver::LaunchConfig;

/// A CUDA call's failure as [`Error::GpuUnavailable`], naming what was being done.
pub fn error(what: &str, e: impl std::fmt::Debug) -> Error {
    Error::GpuUnavailable(format!("{what}: {e:?}"))
}

/// `v` as a kernel's 32-bit size or index argument; too large is an
/// [`Error::InvalidParameter`] naming `what`.
pub fn to_u32(v: usize, what: &'static str) -> Result<u32> {
    u32::try_from(v).map_err(|_| Error::param(what, v, "exceeds the kernels' 32-bit index range"))
}

/// One thread per item: `count` items in blocks of `threads`.
pub fn per_thread(count: u32, threads: u32) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (count.div_ceil(threads), 1, 1),
        block_dim: (threads, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// A `grid` of blocks of `threads` threads with `shared` bytes of dynamic shared memory each.
pub fn blocks(grid: (u32, u32), threads: u32, shared: u32) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (grid.0, grid.1, 1),
        block_dim: (threads, 1, 1),
        shared_mem_bytes: shared,
    }
}
