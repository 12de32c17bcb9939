//! Deterministic dense kernels of the coordinate-descent solver: a dot product whose summation
//! order is fixed (so a result is the same bit for bit on any CPU and thread count) and an
//! axpy, both compiled for AVX2 when the CPU has it and never with FMA.

/// Dot product with sixteen accumulators combined in a fixed tree, so the result is the same
/// bit for bit whichever kernel (AVX2 or baseline SIMD) runs it: wider registers only change how
/// many lanes are added at once, never the order of the additions.
#[inline(always)]
fn dot_kernel(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [0.0f64; 16];
    let ca = a.chunks_exact(16);
    let cb = b.chunks_exact(16);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..16 {
            s[l] += x[l] * y[l];
        }
    }
    for l in 0..8 {
        s[l] += s[l + 8];
    }
    for l in 0..4 {
        s[l] += s[l + 4];
    }
    let mut t = (s[0] + s[2]) + (s[1] + s[3]);
    for (x, y) in ra.iter().zip(rb) {
        t += x * y;
    }
    t
}

#[inline(always)]
fn axpy_kernel(r: &mut [f64], c: f64, x: &[f64]) {
    for (ri, xi) in r.iter_mut().zip(x) {
        *ri += c * xi;
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    // SAFETY (both): only called after `is_x86_feature_detected!("avx2")`; no FMA is enabled, so
    // every product and sum rounds exactly as in the baseline kernel.
    #[target_feature(enable = "avx2")]
    pub unsafe fn dot(a: &[f64], b: &[f64]) -> f64 {
        super::dot_kernel(a, b)
    }
    #[target_feature(enable = "avx2")]
    pub unsafe fn axpy(r: &mut [f64], c: f64, x: &[f64]) {
        super::axpy_kernel(r, c, x)
    }
}

/// Dot product (deterministic summation order; AVX2 when the CPU has it).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the feature was just detected.
        return unsafe { avx2::dot(a, b) };
    }
    dot_kernel(a, b)
}

/// `r += c * x` (AVX2 when the CPU has it, never FMA, so it rounds as the baseline).
#[inline]
pub(crate) fn axpy(r: &mut [f64], c: f64, x: &[f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the feature was just detected.
        return unsafe { avx2::axpy(r, c, x) };
    }
    axpy_kernel(r, c, x)
}
