//! Frequency-space Bayesian search for the quasinormal modes of gravitational-wave echoes.
//!
//! Wu, Gao, Ren & Afshordi, "Model-independent search for the quasinormal modes of
//! gravitational wave echoes", Phys. Rev. D 108, 124006 (2023), arXiv:2308.01017; reference
//! implementation ECHOMASE (github.com/hermione-evans/ECHOMASE). The module tree follows the
//! maths:
//!
//! | module | what | spec |
//! |---|---|---|
//! | [`spectrum`] | data model, Whittle product, SNR, noise, Welch / aLIGO PSD | §1 |
//! | [`benchmarks`] | reference spectra reader, analytic reflectivity transfer functions, Kerr formulas | §2 |
//! | [`template`] | the QNM comb `qnmcomb_cut` and the triangle comb | §3.1, §3.4 |
//! | [`bessel`] | `ln I₀` via the exponentially scaled `I₀e` (never overflows) | §3.3 |
//! | [`likelihood`] | phase-marginalised likelihood ratios, per bin ("old") and per QNM ("new") | §3.3 |
//! | [`search`](mod@search) | priors, the nested-sampling search (ln B), detection rate | §3.2, §4 |
//!
//! The sampler is [`crate::inference::nested`].
//!
//! ```
//! use veristat::echo::{simulate, PsdModel, CombParams, CombPrior, LikelihoodKind, search};
//! use veristat::echo::template::{qnm_comb, DurationFactor};
//! use veristat::inference::NestedParams;
//! // A 3-parameter toy: comb with spacing 20 Hz in 4 s of white noise (S = 1).
//! let freq: Vec<f64> = (0..400).map(|k| k as f64 * 0.25).collect();
//! let truth = CombParams { width: 2.0, amplitude: 1.0, phase: 0.37, spacing: 20.0, fmin: 0.0, fmax: 99.75 };
//! let (h, _) = qnm_comb(&freq, &truth, 4.0, DurationFactor::Reference);
//! let mut rng = veristat::rng::stream(1, "doc", 0);
//! let real = simulate(&freq, &h, 1.0, PsdModel::Known(vec![1.0; 400]), &mut rng).unwrap();
//! let mut prior = CombPrior::toy(2.0, 3.0, (10.0, 40.0), (0.0, 99.75));
//! let res = search(&real.spectrum, &prior, LikelihoodKind::New, &NestedParams::new(50), &mut rng).unwrap();
//! assert!(res.log_bayes_factor.is_finite());
//! ```

pub mod benchmarks;
pub mod bessel;
pub mod kernel;
pub mod likelihood;
pub mod search;
pub mod spectrum;
pub mod template;

pub use benchmarks::{Benchmark, ReferenceSpectrum, Reflectivity};
pub use likelihood::{CombLikelihood, LikelihoodKind};
pub use search::{
    CombPrior, PriorRange, SearchResult, device_batch, search, search_on, search_resumable,
};
pub use spectrum::{C64, Spectrum};
pub use template::CombParams;

use crate::error::{Result, check};
use crate::rng::Rng;

/// Which PSD the analysis uses for a simulated realization.
#[derive(Debug, Clone, PartialEq)]
pub enum PsdModel {
    /// The true PSD of the simulated noise, given per bin.
    Known(Vec<f64>),
    /// White noise of unit-variance samples at step `dt` (true `S = 2dt`), analysed with a
    /// Welch estimate (Blackman window, `nfft`, 50 % overlap) from `segments` segments of an
    /// independent white series, as the reference analysis does (spec §1).
    WhiteWelch {
        /// Sample step of the underlying time series.
        dt: f64,
        /// Welch segment length (the reference: 2048).
        nfft: usize,
        /// Number of Welch segments (the reference: ≈ 2000).
        segments: usize,
    },
    /// White noise at step `dt`, analysed with the exact `S = 2dt`.
    WhiteExact {
        /// Sample step.
        dt: f64,
    },
}

/// One simulated data set.
#[derive(Debug, Clone)]
pub struct Realization {
    /// Data = noise + scale·signal, with the analysis PSD.
    pub spectrum: Spectrum,
    /// Mean |ñ_k| of the noise alone (the benchmarks' amplitude prior scale, spec §3.2).
    pub mean_abs_noise: f64,
}

/// Simulate Gaussian noise per bin (spec §1) and add `scale · signal`.
pub fn simulate(
    freq: &[f64],
    signal: &[C64],
    scale: f64,
    psd: PsdModel,
    rng: &mut Rng,
) -> Result<Realization> {
    check::finite("scale", scale)?;
    let n = freq.len();
    if n < 2 {
        return Err(crate::Error::InvalidData(format!(
            "need at least 2 frequency bins, got {n}"
        )));
    }
    let df = freq[1] - freq[0];
    let (truth, analysis) = match psd {
        PsdModel::Known(s) => (s.clone(), s),
        PsdModel::WhiteExact { dt } => {
            check::positive("dt", dt)?;
            (vec![2.0 * dt; n], vec![2.0 * dt; n])
        }
        PsdModel::WhiteWelch { dt, nfft, segments } => {
            check::positive("dt", dt)?;
            let est = spectrum::white_noise_welch_psd(freq, dt, nfft, segments, rng)?;
            (vec![2.0 * dt; n], est)
        }
    };
    let noise = spectrum::gaussian_noise(&truth, df, rng)?;
    let mean_abs_noise = noise.iter().map(|z| z.norm()).sum::<f64>() / n as f64;
    let spec = Spectrum::new(freq.to_vec(), noise, analysis)?;
    let spec = spec.inject(signal, scale)?;
    Ok(Realization {
        spectrum: spec,
        mean_abs_noise,
    })
}
