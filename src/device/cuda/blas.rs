//! cuBLAS on the process's context: `Xᵀ R` in f64.

use super::Gpu;
use super::launch::error;
use crate::error::{Error, Result};
use cudarc::cublas::sys::cublasOperation_t;
use cudarc::cublas::{Gemm, GemmConfig};
use nalgebra::DMatrix;

impl Gpu {
    /// `Xᵀ R` for an n × d design and an n × m batch of residuals, in f64 (cuBLAS DGEMM). The
    /// CPU twin is `x.tr_mul(r)`.
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
        let x_d = self.upload(x.as_slice(), "X")?;
        let r_d = self.upload(r.as_slice(), "R")?;
        let mut c_d = self.zeros::<f64>(d * m, "XᵀR")?;
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
                .context()
                .blas
                .lock()
                .map_err(|_| Error::GpuUnavailable("cuBLAS handle poisoned".into()))?;
            // SAFETY: the buffers have the sizes the config describes (column-major, leading
            // dimensions n, n and d).
            unsafe { blas.gemm(cfg, &x_d, &r_d, &mut c_d) }.map_err(|e| error("DGEMM", e))?;
        }
        let c = self.download(&c_d, "XᵀR")?;
        Ok(DMatrix::from_vec(d, m, c))
    }
}
