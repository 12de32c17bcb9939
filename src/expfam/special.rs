//! Polygamma functions ψ⁽ᵐ⁾, m = 0..3: the cumulants of log X under a Gamma law
//! (κ_r(log X) = ψ⁽ʳ⁻¹⁾(k)), needed for the Gamma family's third and fourth cumulants.

/// Bernoulli numbers B_2, B_4, ..., B_14.
const B2K: [f64; 7] = [
    1.0 / 6.0,
    -1.0 / 30.0,
    1.0 / 42.0,
    -1.0 / 30.0,
    5.0 / 66.0,
    -691.0 / 2730.0,
    7.0 / 6.0,
];

fn factorial(k: u32) -> f64 {
    (1..=k).map(f64::from).product()
}

/// ψ⁽ᵐ⁾(x) for m ∈ {0, 1, 2, 3} and x > 0 (NaN otherwise): upward recurrence to x ≥ 16, then
/// the asymptotic series ψ⁽ᵐ⁾(x) ~ (−1)^{m+1}[(m−1)!/x^m + m!/(2x^{m+1}) + Σ_k B_2k (2k+m−1)!/((2k)! x^{2k+m})]
/// (Abramowitz & Stegun 6.4.11), accurate to a few ulps there.
pub fn polygamma(m: u32, x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || m > 3 {
        return f64::NAN;
    }
    let mut shift = 0.0;
    let mut x = x;
    let sign_m = if m.is_multiple_of(2) { 1.0 } else { -1.0 };
    let mfact = factorial(m);
    while x < 16.0 {
        // ψ⁽ᵐ⁾(x) = ψ⁽ᵐ⁾(x+1) − (−1)^m m!/x^{m+1}
        shift -= sign_m * mfact / x.powi(m as i32 + 1);
        x += 1.0;
    }
    let sign = if m.is_multiple_of(2) { -1.0 } else { 1.0 }; // (−1)^{m+1}
    let mut s = if m == 0 {
        -x.ln()
    } else {
        factorial(m - 1) / x.powi(m as i32)
    };
    s += mfact / (2.0 * x.powi(m as i32 + 1));
    for (k, b) in B2K.iter().enumerate() {
        let k2 = 2 * (k as u32 + 1);
        s += b * factorial(k2 + m - 1) / (factorial(k2) * x.powi((k2 + m) as i32));
    }
    sign * s + shift
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn polygamma_matches_known_values() {
        // ψ(1) = −γ; ψ'(1) = π²/6; ψ''(1) = −2ζ(3); ψ'''(1) = π⁴/15.
        let zeta3 = 1.202_056_903_159_594_3;
        assert!((polygamma(0, 1.0) + 0.577_215_664_901_532_9).abs() < 1e-14);
        assert!((polygamma(1, 1.0) - PI * PI / 6.0).abs() < 1e-14);
        assert!((polygamma(2, 1.0) + 2.0 * zeta3).abs() < 1e-13);
        assert!((polygamma(3, 1.0) - PI.powi(4) / 15.0).abs() < 1e-12);
        for &x in &[0.3, 2.5, 7.0, 40.0] {
            assert!((polygamma(0, x) - statrs::function::gamma::digamma(x)).abs() < 1e-12);
        }
        assert!(polygamma(1, -1.0).is_nan());
    }
}
