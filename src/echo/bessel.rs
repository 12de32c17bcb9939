//! The modified Bessel function of order zero in log form, for the phase-marginalised
//! likelihoods: `∫ e^{x cos θ} dθ / 2π = I₀(x)` (spec §3.3) overflows an f64 at x ≈ 713, while
//! `ln I₀(x) = ln I₀e(x) + x` with the exponentially scaled `I₀e(x) = e^{-x} I₀(x)` never does.

/// Chebyshev coefficients of `e^{-x} I₀(x)` on [0, 8] in the variable `x/2 - 2`
/// (Cephes `i0.c`, S. L. Moshier; the same table scipy's `i0e` uses).
#[allow(clippy::excessive_precision)] // Cephes' table, kept digit for digit.
pub(crate) const I0E_A: [f64; 30] = [
    -4.415_341_646_479_339_379_50E-18,
    3.330_794_518_822_238_097_83E-17,
    -2.431_279_846_547_954_693_59E-16,
    1.715_391_285_555_133_030_61E-15,
    -1.168_533_287_799_345_168_08E-14,
    7.676_185_498_604_935_616_88E-14,
    -4.856_446_783_111_929_460_90E-13,
    2.955_052_663_129_639_834_61E-12,
    -1.726_826_291_441_555_707_23E-11,
    9.675_809_035_373_236_912_24E-11,
    -5.189_795_601_635_262_906_66E-10,
    2.659_823_724_682_386_650_35E-9,
    -1.300_025_009_986_248_042_12E-8,
    6.046_995_022_541_918_949_32E-8,
    -2.670_793_853_940_611_733_91E-7,
    1.117_387_539_120_103_718_15E-6,
    -4.416_738_358_458_750_563_59E-6,
    1.644_844_807_072_889_708_93E-5,
    -5.754_195_010_082_103_703_98E-5,
    1.885_028_850_958_416_557_29E-4,
    -5.763_755_745_385_823_658_85E-4,
    1.639_475_616_941_335_798_42E-3,
    -4.324_309_995_050_575_944_30E-3,
    1.054_646_039_459_499_831_83E-2,
    -2.373_741_480_589_946_881_56E-2,
    4.930_528_423_967_070_848_78E-2,
    -9.490_109_704_804_764_442_10E-2,
    1.716_209_015_222_087_753_49E-1,
    -3.046_826_723_431_983_986_83E-1,
    6.767_952_744_094_760_849_95E-1,
];

/// Chebyshev coefficients of `sqrt(x) e^{-x} I₀(x)` on [8, ∞) in the variable `32/x - 2`
/// (Cephes `i0.c`).
#[allow(clippy::excessive_precision)] // Cephes' table, kept digit for digit.
pub(crate) const I0E_B: [f64; 25] = [
    -7.233_180_487_874_753_954_56E-18,
    -4.830_504_485_944_182_071_26E-18,
    4.465_621_420_296_759_999_01E-17,
    3.461_222_867_697_461_093_10E-17,
    -2.827_623_980_516_583_484_94E-16,
    -3.425_485_619_677_219_134_62E-16,
    1.772_560_133_056_526_383_60E-15,
    3.811_680_669_352_622_420_75E-15,
    -9.554_846_698_828_307_648_70E-15,
    -4.150_569_347_287_222_086_63E-14,
    1.540_086_217_521_409_826_91E-14,
    3.852_778_382_742_142_701_14E-13,
    7.180_124_451_383_666_233_67E-13,
    -1.794_178_531_506_806_117_78E-12,
    -1.321_581_184_044_771_311_88E-11,
    -3.149_916_527_963_241_364_54E-11,
    1.188_914_710_784_643_834_24E-11,
    4.940_602_388_224_969_589_10E-10,
    3.396_232_025_708_386_345_15E-9,
    2.266_668_990_498_178_064_59E-8,
    2.048_918_589_469_063_741_83E-7,
    2.891_370_520_834_756_482_97E-6,
    6.889_758_346_916_823_984_26E-5,
    3.369_116_478_255_694_089_90E-3,
    8.044_904_110_141_088_316_08E-1,
];

/// Clenshaw recurrence for a Chebyshev series with Cephes' coefficient order (`chbevl`).
#[inline]
fn chbevl(x: f64, coef: &[f64]) -> f64 {
    let mut b0 = coef[0];
    let mut b1 = 0.0;
    let mut b2 = 0.0;
    for &c in &coef[1..] {
        b2 = b1;
        b1 = b0;
        b0 = x * b1 - b2 + c;
    }
    0.5 * (b0 - b2)
}

/// Exponentially scaled Bessel function `I₀e(x) = e^{-|x|} I₀(x)`, finite for every finite x.
#[inline]
pub fn i0e(x: f64) -> f64 {
    let x = x.abs();
    if x <= 8.0 {
        chbevl(0.5 * x - 2.0, &I0E_A)
    } else {
        chbevl(32.0 / x - 2.0, &I0E_B) / x.sqrt()
    }
}

/// `ln I₀(x)`, accurate to a few ulps in relative terms for all x (no overflow at any finite x,
/// no cancellation at small x).
///
/// For |x| < 1/2 the power series `I₀(x) = Σ (x²/4)^k / (k!)²` goes through `ln_1p`, because
/// `ln I₀e(x) + x` cancels there (`ln I₀(x) ≈ x²/4`); above it, `ln I₀e(x) + |x|`.
#[inline]
pub fn ln_i0(x: f64) -> f64 {
    let x = x.abs();
    if x < 0.5 {
        ln_i0_series(x)
    } else {
        i0e(x).ln() + x
    }
}

/// Values per lane group of [`ln_i0_batch`]: eight independent Clenshaw chains keep the
/// floating-point units busy where one chain waits on its own latency at every step.
const LANES: usize = 8;

/// `ln I₀(x_i)` into `out[i]` for every `i`, bit for bit [`ln_i0`] of each `x_i`.
///
/// [`ln_i0`] is one Clenshaw recurrence (30 or 25 dependent multiply-subtract-add steps) per
/// value, and a comb likelihood calls it per tooth or per bin, so its latency dominates the
/// echo search. Here the values of each branch (series, `[1/2, 8]`, `(8, ∞)`) are gathered
/// into groups of eight (`LANES`) and the group's recurrences run side by side with the same
/// operations in the same order per lane, so every result is the scalar one exactly.
///
/// # Panics
/// When `x` and `out` differ in length (a caller's bug).
pub fn ln_i0_batch(x: &[f64], out: &mut [f64]) {
    assert_eq!(x.len(), out.len(), "ln_i0_batch: x and out lengths differ");
    // Per branch: the pending values and where their results go.
    let mut pend = [[0.0f64; LANES]; 3];
    let mut slot = [[0usize; LANES]; 3];
    let mut count = [0usize; 3];
    for (i, &xi) in x.iter().enumerate() {
        let a = xi.abs();
        let b = if a < 0.5 {
            0
        } else if a <= 8.0 {
            1
        } else {
            2
        };
        pend[b][count[b]] = a;
        slot[b][count[b]] = i;
        count[b] += 1;
        if count[b] == LANES {
            flush(b, &pend[b], &slot[b], LANES, out);
            count[b] = 0;
        }
    }
    for b in 0..3 {
        if count[b] > 0 {
            // Unused lanes hold a value of the branch's domain; their results are dropped.
            let fill = [0.25, 1.0, 16.0][b];
            for v in &mut pend[b][count[b]..] {
                *v = fill;
            }
            flush(b, &pend[b], &slot[b], count[b], out);
        }
    }
}

/// One lane group of [`ln_i0_batch`] in branch `b` (0: series, 1: `[1/2, 8]`, 2: `(8, ∞)`);
/// the first `used` lanes are written to `out[slot[l]]`.
#[inline]
fn flush(b: usize, x: &[f64; LANES], slot: &[usize; LANES], used: usize, out: &mut [f64]) {
    let mut r = [0.0f64; LANES];
    match b {
        0 => {
            for (rl, &xl) in r.iter_mut().zip(x) {
                *rl = series_sum(xl);
            }
            for l in 0..used {
                out[slot[l]] = r[l].ln_1p();
            }
        }
        1 => {
            let mut arg = [0.0f64; LANES];
            for (al, &xl) in arg.iter_mut().zip(x) {
                *al = 0.5 * xl - 2.0;
            }
            let c = chbevl_lanes(&arg, &I0E_A);
            for l in 0..used {
                out[slot[l]] = c[l].ln() + x[l];
            }
        }
        _ => {
            let mut arg = [0.0f64; LANES];
            for (al, &xl) in arg.iter_mut().zip(x) {
                *al = 32.0 / xl - 2.0;
            }
            let c = chbevl_lanes(&arg, &I0E_B);
            for (rl, (&cl, &xl)) in r.iter_mut().zip(c.iter().zip(x)) {
                *rl = cl / xl.sqrt();
            }
            for l in 0..used {
                out[slot[l]] = r[l].ln() + x[l];
            }
        }
    }
}

/// [`chbevl`] on [`LANES`] arguments at once, lane by lane the same operations.
#[inline]
fn chbevl_lanes(x: &[f64; LANES], coef: &[f64]) -> [f64; LANES] {
    let mut b0 = [coef[0]; LANES];
    let mut b1 = [0.0f64; LANES];
    let mut b2 = [0.0f64; LANES];
    for &c in &coef[1..] {
        for l in 0..LANES {
            b2[l] = b1[l];
            b1[l] = b0[l];
            b0[l] = x[l] * b1[l] - b2[l] + c;
        }
    }
    let mut out = [0.0f64; LANES];
    for l in 0..LANES {
        out[l] = 0.5 * (b0[l] - b2[l]);
    }
    out
}

/// `ln I₀(x)` from the power series through `ln_1p`; accurate for |x| <= 1/2.
#[inline]
fn ln_i0_series(x: f64) -> f64 {
    series_sum(x).ln_1p()
}

/// `I₀(x) - 1` by its power series (the argument of [`ln_i0_series`]'s `ln_1p`).
#[inline]
fn series_sum(x: f64) -> f64 {
    let t = 0.25 * x * x;
    // Horner form of Σ_{k=1}^{8} t^k/(k!)²; the next term is below 1e-19 relative.
    t * (1.0
        + t / 4.0
            * (1.0
                + t / 9.0
                    * (1.0
                        + t / 16.0
                            * (1.0
                                + t / 25.0
                                    * (1.0 + t / 36.0 * (1.0 + t / 49.0 * (1.0 + t / 64.0)))))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_points() {
        // I₀(0) = 1; I₀(1) = 1.2660658777520083 (A&S table 9.8).
        assert_eq!(ln_i0(0.0), 0.0);
        assert!((ln_i0(1.0) - 1.266_065_877_752_008_4f64.ln()).abs() < 1e-15);
        // Large-x asymptote ln I₀(x) ≈ x - ln(2πx)/2 + 1/(8x).
        let x = 1e5;
        let asym = x - 0.5 * (2.0 * std::f64::consts::PI * x).ln() + (1.0 / (8.0 * x)).ln_1p();
        assert!((ln_i0(x) - asym).abs() / asym < 1e-14);
        assert!(ln_i0(1e300).is_finite());
    }

    #[test]
    fn batch_is_the_scalar_bit_for_bit() {
        // Every branch, both switch points, signs, lengths that leave partial lane groups.
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            8.0,
            -8.0,
            8.000000000000002,
            1e300,
            1e-300,
        ];
        let mut r = crate::rng::stream(3, "ln-i0-batch", 0);
        use rand::RngExt;
        for _ in 0..997 {
            let e: f64 = r.random::<f64>() * 8.0 - 4.0;
            let s = if r.random::<bool>() { 1.0 } else { -1.0 };
            xs.push(s * 10f64.powf(e));
        }
        for len in [0, 1, 7, 8, 9, 17, xs.len()] {
            let mut out = vec![f64::NAN; len];
            ln_i0_batch(&xs[..len], &mut out);
            for (x, o) in xs[..len].iter().zip(&out) {
                assert_eq!(o.to_bits(), ln_i0(*x).to_bits(), "x = {x}");
            }
        }
    }

    #[test]
    fn series_and_chebyshev_agree_at_the_switch() {
        for x in [0.3, 0.5] {
            let a = ln_i0_series(x);
            let b = i0e(x).ln() + x;
            assert!((a - b).abs() / b < 1e-13, "{x}: {a} vs {b}");
        }
    }
}
