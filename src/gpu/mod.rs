//! CUDA backend (feature `cuda`), through cudarc with the CUDA libraries loaded at run time.
//!
//! cudarc panics on the first call into a library it cannot `dlopen`, so every entry point runs
//! [`preflight`] first and turns absence into [`Error::GpuUnavailable`]. One context and one
//! stream per process ([`Gpu::get`]). Every kernel has a CPU twin in the core library; the
//! agreement checks are `#[ignore]`d tests (run them on a GPU machine with `--ignored`) and
//! `veristat device`.
//!
//! Status: the context, the preflight and the batched `Xᵀ R` (cuBLAS DGEMM, f64) used by the
//! sparse module's gap/KKT checks are here. The echo, LDP and expfam kernels of the CUDA issue are
//! not written yet; this session had no GPU to check them on.

use crate::error::{Error, Result};
use cudarc::cublas::sys::cublasOperation_t;
use cudarc::cublas::{CudaBlas, Gemm, GemmConfig};
use cudarc::driver::{CudaContext, CudaStream};
use nalgebra::DMatrix;
use std::sync::{Arc, Mutex, OnceLock};

/// A CUDA library and whether it could be loaded.
#[derive(Debug, Clone)]
pub struct Library {
    /// cudarc's name for it.
    pub name: &'static str,
    /// Whether `dlopen` succeeded.
    pub found: bool,
    /// File names tried (on LD_LIBRARY_PATH and the default search path).
    pub tried: Vec<String>,
}

/// The three libraries veristat uses: the driver, cuBLAS and NVRTC.
pub fn libraries() -> Vec<Library> {
    // SAFETY: `is_culib_present` only attempts to dlopen the library and reports the outcome.
    let present = unsafe {
        [
            cudarc::driver::sys::is_culib_present(),
            cudarc::cublas::sys::is_culib_present(),
            cudarc::nvrtc::sys::is_culib_present(),
        ]
    };
    ["cuda", "cublas", "nvrtc"]
        .into_iter()
        .zip(present)
        .map(|(name, found)| Library {
            name,
            found,
            tried: cudarc::get_lib_name_candidates(name),
        })
        .collect()
}

/// `Ok` when every library loads; otherwise a one-line [`Error::GpuUnavailable`] naming what is
/// missing and the files tried.
pub fn preflight() -> Result<()> {
    let missing: Vec<String> = libraries()
        .into_iter()
        .filter(|l| !l.found)
        .map(|l| format!("{} (tried {})", l.name, l.tried.join(", ")))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::GpuUnavailable(format!(
            "cannot load {}; set LD_LIBRARY_PATH to the folders holding the NVIDIA driver and CUDA 13 libraries",
            missing.join("; ")
        )))
    }
}

fn gpu_err(what: &str, e: impl std::fmt::Debug) -> Error {
    Error::GpuUnavailable(format!("{what}: {e:?}"))
}

/// The process's CUDA context, stream and cuBLAS handle.
pub struct Gpu {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    blas: Mutex<CudaBlas>,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu")
            .field("device", &self.ctx.name().unwrap_or_default())
            .finish()
    }
}

static GPU: OnceLock<std::result::Result<Gpu, String>> = OnceLock::new();

impl Gpu {
    /// The shared device 0, created on first use.
    pub fn get() -> Result<&'static Gpu> {
        GPU.get_or_init(|| Self::create().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::GpuUnavailable(e.clone()))
    }

    fn create() -> Result<Gpu> {
        preflight()?;
        let n = CudaContext::device_count().map_err(|e| gpu_err("counting devices", e))?;
        if n == 0 {
            return Err(Error::GpuUnavailable(
                "the driver loads but reports no CUDA device".into(),
            ));
        }
        let ctx = CudaContext::new(0).map_err(|e| gpu_err("creating a context on device 0", e))?;
        let stream = ctx.default_stream();
        let blas =
            CudaBlas::new(stream.clone()).map_err(|e| gpu_err("creating a cuBLAS handle", e))?;
        Ok(Gpu {
            ctx,
            stream,
            blas: Mutex::new(blas),
        })
    }

    /// Device name, memory in bytes and compute capability.
    pub fn describe(&self) -> Result<(String, usize, (i32, i32))> {
        Ok((
            self.ctx.name().map_err(|e| gpu_err("device name", e))?,
            self.ctx
                .total_mem()
                .map_err(|e| gpu_err("device memory", e))?,
            self.ctx
                .compute_capability()
                .map_err(|e| gpu_err("compute capability", e))?,
        ))
    }

    /// `Xᵀ R` for an n × d design and an n × m batch of residuals, in f64 (cuBLAS DGEMM). The
    /// CPU twin is `x.tr_mul(r)`; the sparse module uses it for batched gap and KKT checks.
    pub fn xt_r(&self, x: &DMatrix<f64>, r: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        if x.nrows() != r.nrows() {
            return Err(Error::DimensionMismatch {
                what: "Xᵀ R rows",
                expected: x.nrows(),
                got: r.nrows(),
            });
        }
        let (n, d, m) = (x.nrows(), x.ncols(), r.ncols());
        let to_i32 = |v: usize, what: &'static str| {
            i32::try_from(v)
                .map_err(|_| Error::param(what, v, "exceeds cuBLAS's 32-bit dimension limit"))
        };
        let (ni, di, mi) = (to_i32(n, "n")?, to_i32(d, "d")?, to_i32(m, "m")?);
        let s = &self.stream;
        let x_d = s
            .clone_htod(x.as_slice())
            .map_err(|e| gpu_err("copying X", e))?;
        let r_d = s
            .clone_htod(r.as_slice())
            .map_err(|e| gpu_err("copying R", e))?;
        let mut c_d = s
            .alloc_zeros::<f64>(d * m)
            .map_err(|e| gpu_err("allocating XᵀR", e))?;
        let cfg = GemmConfig {
            transa: cublasOperation_t::CUBLAS_OP_T,
            transb: cublasOperation_t::CUBLAS_OP_N,
            m: di,
            n: mi,
            k: ni,
            alpha: 1.0,
            lda: ni,
            ldb: ni,
            beta: 0.0,
            ldc: di,
        };
        {
            let blas = self
                .blas
                .lock()
                .map_err(|_| Error::GpuUnavailable("cuBLAS handle poisoned".into()))?;
            // SAFETY: the buffers have the sizes the config describes (column-major, leading
            // dimensions n, n and d).
            unsafe { blas.gemm(cfg, &x_d, &r_d, &mut c_d) }.map_err(|e| gpu_err("DGEMM", e))?;
        }
        let c = s
            .clone_dtoh(&c_d)
            .map_err(|e| gpu_err("copying XᵀR back", e))?;
        Ok(DMatrix::from_vec(d, m, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preflight_never_panics() {
        // On a machine without CUDA this is an error naming the libraries; with CUDA it is Ok.
        match preflight() {
            Ok(()) => {}
            Err(e) => assert!(e.to_string().contains("cannot load"), "{e}"),
        }
    }

    #[test]
    #[ignore = "needs a CUDA GPU: cargo test --features cuda -- --ignored"]
    fn xt_r_matches_cpu_twin() {
        let mut rng = crate::rng::stream(3, "gpu-xtr", 0);
        use rand::RngExt;
        let x = DMatrix::from_fn(3000, 257, |_, _| rng.random::<f64>() - 0.5);
        let r = DMatrix::from_fn(3000, 5, |_, _| rng.random::<f64>() - 0.5);
        let gpu = Gpu::get().expect("a GPU");
        let g = gpu.xt_r(&x, &r).unwrap();
        let c = x.tr_mul(&r);
        assert!((g - &c).norm() <= 1e-12 * c.norm());
    }
}
