//! The slope claims' device path ([`Offload`]): the NLDP and public-covariate claims' exact
//! sufficient statistics on the cell kernel, LDP-IHT's rounds on the round kernel.

use super::slopes::SlopeClaim;
use super::sweep::{
    Estimator, IHT_L1_RADIUS, IHT_ROUNDS, IHT_STEP, NOISE, Point, TAU1, TAU2, nldp_error,
    observation, public_rows, score,
};
use crate::device::Device;
use crate::device::philox::PhiloxKey;
use crate::error::{Error, Result};
use crate::ldp::kernels::cells::{CellBatch, CellMoments, Cells};
use crate::ldp::regression::iht::IhtProblem;
use crate::ldp::regression::iht_batch::iht_batch;
use crate::ldp::regression::simulate::RademacherDesign;
use crate::montecarlo::{Claim, Observation, Offload};
use crate::rng::{self, Rng};
use rayon::prelude::*;

impl SlopeClaim {
    /// The Philox key of the kernel's draws of `what` (`moments` or `public`) in sweep `param`:
    /// shared by the sweep's points, so that a replicate's points reuse the same uniforms
    /// (common random numbers, as the CPU path's one stream per sweep).
    fn cell_key(&self, seed: u64, param: &str, what: &str) -> PhiloxKey {
        PhiloxKey::new(seed, &format!("{}/{param}/{what}", self.name()))
    }

    /// NLDP and public-covariate rows of replicates `reps`: the sufficient statistics of every
    /// point from the cell kernel ([`CellBatch`]), then per replicate the aggregate noise
    /// (from the replicate's ChaCha stream for the sweep, restarted at every point) and the fit,
    /// exactly as [`Self::error_at`] does with the library's draws.
    fn cell_rows(&self, seed: u64, reps: &[u64], device: &Device) -> Result<Vec<Vec<Observation>>> {
        let mut out: Vec<Vec<Observation>> = reps.iter().map(|_| Vec::new()).collect();
        for s in &self.sweeps {
            let mkey = self.cell_key(seed, s.param, "moments");
            let gkey = self.cell_key(seed, s.param, "public");
            let noise_label = format!("{}/{}/noise", self.name(), s.param);
            for p in &s.points {
                let design = RademacherDesign::new(p.d, p.k, NOISE)?;
                let ms = batch(device, &Cells::new(&design, p.n, TAU2)?, mkey, reps)?;
                let rows = public_rows(p);
                let grams = if self.estimator == Estimator::Public {
                    let gs = batch(device, &Cells::new(&design, rows, f64::MAX)?, gkey, reps)?;
                    Some(gs.iter().map(CellMoments::gram).collect::<Vec<_>>())
                } else {
                    None
                };
                let fits: Vec<(f64, f64)> = reps
                    .par_iter()
                    .enumerate()
                    .map(|(i, &r)| {
                        let mut rng = rng::stream(seed, &noise_label, r);
                        let g = grams.as_ref().map(|g| (&g[i], rows));
                        nldp_error(p, &design, &ms[i].moments(), g, &mut rng)
                    })
                    .collect::<Result<_>>()?;
                for (o, (err, f1)) in out.iter_mut().zip(fits) {
                    o.push(observation(s, p, err, f1));
                }
            }
        }
        Ok(out)
    }
}

/// One kernel call, its length checked.
fn batch(device: &Device, cells: &Cells, key: PhiloxKey, reps: &[u64]) -> Result<Vec<CellMoments>> {
    let v = device.run(&CellBatch { cells, key, reps })?;
    if v.len() != reps.len() {
        return Err(Error::Results(format!(
            "the cell kernel returned {} replicates, expected {}",
            v.len(),
            reps.len()
        )));
    }
    Ok(v)
}

/// The NLDP and public-covariate claims on a device: the exact sufficient statistics of every
/// point (and the public Gram matrix) from the cell kernel ([`CellBatch`]); the O(d²)
/// aggregate noise and the d × d fit on the host. LDP-IHT: every round of every point on the
/// round kernel ([`iht_batch`]). Nothing per replicate on the CPU stream.
impl Offload for SlopeClaim {
    fn describe(&self) -> String {
        match self.estimator {
            Estimator::Nldp | Estimator::Public => {
                "cell counts, Σxxᵀ and Σxỹ of every point (and the public Gram matrix) on the ldp cell kernel; \
                 aggregate noise and the d×d fit on the host"
                    .into()
            }
            Estimator::Iht => format!(
                "LDP-IHT rounds of every sweep point on the vs_ldp_iht_round kernel (users drawn on \
                 the device, T = {IHT_ROUNDS} rounds, server step on the host); nothing on the CPU"
            ),
        }
    }

    fn kernel_rows(
        &self,
        seed: u64,
        reps: &[u64],
        device: &Device,
    ) -> Result<Vec<Vec<Observation>>> {
        match self.estimator {
            Estimator::Nldp | Estimator::Public => self.cell_rows(seed, reps, device),
            Estimator::Iht => self.iht_kernel_rows(seed, reps, device),
        }
    }

    fn cpu_rows(&self, _replicate: u64, _rng: &mut Rng) -> Result<Vec<Observation>> {
        Ok(Vec::new())
    }
}

impl SlopeClaim {
    /// The LDP-IHT problem of a sweep point, with the claim's protocol settings.
    pub(super) fn iht_problem(p: &Point) -> IhtProblem {
        IhtProblem {
            n: p.n,
            epsilon: p.epsilon,
            d: p.d,
            k: p.k,
            noise: NOISE,
            rounds: IHT_ROUNDS,
            step: IHT_STEP,
            tau1: TAU1,
            tau2: TAU2,
            l1_radius: IHT_L1_RADIUS,
        }
    }

    /// Philox key of one sweep on the kernel: shared by the sweep's points, so replicate r's
    /// users at every point of the sweep come from the same counters (common random numbers,
    /// as the CPU path's per-sweep stream), and distinct between sweeps, seeds and claims.
    fn kernel_key(&self, seed: u64, param: &str) -> PhiloxKey {
        PhiloxKey::new(seed, &format!("{}/sweep={param}", self.name()))
    }

    /// LDP-IHT's rows for `reps`: every sweep point's replicates at once through [`iht_batch`].
    fn iht_kernel_rows(
        &self,
        seed: u64,
        reps: &[u64],
        device: &Device,
    ) -> Result<Vec<Vec<Observation>>> {
        let mut out: Vec<Vec<Observation>> = reps.iter().map(|_| Vec::new()).collect();
        for s in &self.sweeps {
            let key = self.kernel_key(seed, s.param);
            for p in &s.points {
                let problem = Self::iht_problem(p);
                let truth = problem.theta_star()?;
                let thetas = iht_batch(device, key, &problem, reps)?;
                for (o, th) in out.iter_mut().zip(&thetas) {
                    let (err, f1) = score(th, &truth);
                    o.push(observation(s, p, err, f1));
                }
            }
        }
        Ok(out)
    }
}
