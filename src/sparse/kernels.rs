//! Deterministic dense kernels of the coordinate-descent solvers: dot products whose summation
//! order is fixed (so a result is the same bit for bit on any CPU and thread count) and axpys,
//! all compiled for AVX2 when the CPU has it and never with FMA.

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

/// `(c^T r, c^T h, sum_i h_i c_i^2)` in one read of c, eight lanes each combined in a fixed
/// order (deterministic as [`dot_kernel`]).
#[inline(always)]
fn dot3_kernel(c: &[f64], r: &[f64], h: &[f64]) -> (f64, f64, f64) {
    let n = c.len().min(r.len()).min(h.len());
    let (c, r, h) = (&c[..n], &r[..n], &h[..n]);
    let (mut a, mut b, mut q) = ([0.0f64; 8], [0.0f64; 8], [0.0f64; 8]);
    let (cc, cr, ch) = (c.chunks_exact(8), r.chunks_exact(8), h.chunks_exact(8));
    let (rc, rr, rh) = (cc.remainder(), cr.remainder(), ch.remainder());
    for ((x, y), z) in cc.zip(cr).zip(ch) {
        for l in 0..8 {
            a[l] += x[l] * y[l];
            let t = x[l] * z[l];
            b[l] += t;
            q[l] += t * x[l];
        }
    }
    let fold = |s: [f64; 8]| ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
    let (mut ta, mut tb, mut tq) = (fold(a), fold(b), fold(q));
    for ((x, y), z) in rc.iter().zip(rr).zip(rh) {
        ta += x * y;
        let t = x * z;
        tb += t;
        tq += t * x;
    }
    (ta, tb, tq)
}

#[inline(always)]
fn sub_scaled_product_kernel(v: &mut [f64], t: f64, h: &[f64], x: &[f64]) {
    for ((vi, hi), xi) in v.iter_mut().zip(h).zip(x) {
        *vi -= t * hi * xi;
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    // SAFETY (all): only called after `is_x86_feature_detected!("avx2")`; no FMA is enabled, so
    // every product and sum rounds exactly as in the baseline kernel.
    #[target_feature(enable = "avx2")]
    pub unsafe fn dot3(c: &[f64], r: &[f64], h: &[f64]) -> (f64, f64, f64) {
        super::dot3_kernel(c, r, h)
    }
    #[target_feature(enable = "avx2")]
    pub unsafe fn sub_scaled_product(v: &mut [f64], t: f64, h: &[f64], x: &[f64]) {
        super::sub_scaled_product_kernel(v, t, h, x)
    }
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

/// `(c^T r, c^T h, sum_i h_i c_i^2)` (deterministic order; AVX2 when the CPU has it).
#[inline]
pub(crate) fn dot3(c: &[f64], r: &[f64], h: &[f64]) -> (f64, f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the feature was just detected.
        return unsafe { avx2::dot3(c, r, h) };
    }
    dot3_kernel(c, r, h)
}

/// `v -= t (h o x)` elementwise (AVX2 when the CPU has it, never FMA).
#[inline]
pub(crate) fn sub_scaled_product(v: &mut [f64], t: f64, h: &[f64], x: &[f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the feature was just detected.
        return unsafe { avx2::sub_scaled_product(v, t, h, x) };
    }
    sub_scaled_product_kernel(v, t, h, x)
}
