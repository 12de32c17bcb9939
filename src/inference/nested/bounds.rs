//! The bounds of the live points (Feroz & Hobson 2008, §5; Speagle 2020, §4.1.2, dynesty's
//! `MultiEllipsoid`): their clusters with the covariance factor that shapes walks started in
//! each, and the union of the clusters' bounding ellipsoids that uniform proposals are drawn from.

use crate::linalg::{cholesky_lower_row_major, log_add_exp};
use crate::rng::Rng;
use rand::RngExt;
use rand_distr::StandardNormal;

/// The live points' clusters in one iteration: a cluster label per point and, per cluster, the
/// Cholesky factor of its covariance (unit cube), which shapes the walks started in it.
pub(super) struct Clusters {
    pub(super) labels: Vec<usize>,
    pub(super) chols: Vec<Vec<f64>>,
    /// The clusters' bounding ellipsoids, for uniform proposals; `None` when a covariance is
    /// singular.
    pub(super) bounds: Option<Bounds>,
}

/// The union of the clusters' bounding ellipsoids, each enlarged `enlarge`-fold in volume, in
/// the spread-scaled coordinates `x = u / spread` of the clustering (Feroz & Hobson 2008, §5.1;
/// Speagle 2020, §4.1.2).
pub(super) struct Bounds {
    spread: Vec<f64>,
    ells: Vec<Ellipsoid>,
    /// Cumulative volume shares, for choosing an ellipsoid in proportion to its volume.
    cum: Vec<f64>,
    /// Factor on each ellipsoid's `fmax` for the enlargement, `enlarge^(2/d)`.
    r2_scale: f64,
}

impl Bounds {
    fn new(spread: Vec<f64>, ells: Vec<Ellipsoid>, d: usize, enlarge: f64) -> Self {
        let top = ells
            .iter()
            .map(|e| e.log_vol)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut cum = Vec::with_capacity(ells.len());
        let mut acc = 0.0;
        for e in &ells {
            acc += (e.log_vol - top).exp();
            cum.push(acc);
        }
        for c in &mut cum {
            *c /= acc;
        }
        Self {
            spread,
            ells,
            cum,
            r2_scale: enlarge.powf(2.0 / d as f64),
        }
    }

    /// One draw from the uniform distribution on the union written to `u` (unit-cube
    /// coordinates), or `false` when the draw is rejected: a point in `q` overlapping
    /// ellipsoids is kept with probability `1/q`, which makes the union's density flat.
    pub(super) fn draw(&self, rng: &mut Rng, u: &mut [f64], z: &mut [f64], x: &mut [f64]) -> bool {
        let d = u.len();
        let pick: f64 = rng.random();
        let i = self
            .cum
            .partition_point(|&c| c < pick)
            .min(self.ells.len() - 1);
        let e = &self.ells[i];
        // Uniform in the unit ball: a normal direction and radius U^(1/d).
        let mut norm2 = 0.0;
        for zi in z.iter_mut() {
            *zi = rng.sample(StandardNormal);
            norm2 += *zi * *zi;
        }
        let radius = rng.random::<f64>().powf(1.0 / d as f64) / norm2.sqrt();
        let r = (e.fmax * self.r2_scale).sqrt() * radius;
        for (a, xa) in x.iter_mut().enumerate() {
            let row = &e.chol[a * d..=a * d + a];
            let s = row
                .iter()
                .zip(z.iter())
                .fold(0.0, |acc, (l, zb)| acc + l * zb);
            *xa = e.centre[a] + r * s;
        }
        if self.ells.len() > 1 {
            let q = self
                .ells
                .iter()
                .filter(|o| o.mahalanobis2(x) <= o.fmax * self.r2_scale)
                .count()
                .max(1);
            if q > 1 && rng.random::<f64>() * q as f64 >= 1.0 {
                return false;
            }
        }
        for a in 0..d {
            u[a] = x[a] * self.spread[a];
        }
        true
    }
}

/// An ellipsoid bounding a set of points: `(x - centre)ᵀ (f·C)⁻¹ (x - centre) <= 1` with `C`
/// the points' (maximum-likelihood) covariance and `f` the largest squared Mahalanobis distance.
struct Ellipsoid {
    centre: Vec<f64>,
    cov: Vec<f64>,
    /// Lower Cholesky factor of `cov` (row-major).
    chol: Vec<f64>,
    fmax: f64,
    /// `ln` volume less the unit ball's (a constant that cancels in every comparison).
    log_vol: f64,
}

impl Clusters {
    /// dynesty's `bounding_ellipsoids` (Speagle 2020; after Feroz & Hobson 2008): coordinates
    /// are divided by each axis' spread so k-means sees a roughly isotropic cloud, then clusters
    /// are split recursively.
    ///
    /// Periodic axes are clustered as if they were not periodic: a mode straddling the wrap then
    /// looks like two blobs at both ends of the axis, which the splitting separates (their
    /// combined bounding ellipsoid is far larger than the two pieces), so each piece still gets
    /// a local covariance and the walks, which do wrap, cross the seam freely.
    pub(super) fn of(us: &[&[f64]], d: usize, enlarge: f64) -> Self {
        let n = us.len();
        let one = |us: &[&[f64]]| Self {
            labels: vec![0; us.len()],
            chols: vec![live_cholesky(us, d)],
            bounds: None,
        };
        let mut spread = vec![0.0; d];
        for (j, s) in spread.iter_mut().enumerate() {
            let m = us.iter().map(|u| u[j]).sum::<f64>() / n as f64;
            let v = us.iter().map(|u| (u[j] - m).powi(2)).sum::<f64>() / n as f64;
            *s = if v > 0.0 { v.sqrt() } else { 1.0 };
        }
        let x: Vec<Vec<f64>> = us
            .iter()
            .map(|u| u.iter().zip(&spread).map(|(a, s)| a / s).collect())
            .collect();
        let all: Vec<usize> = (0..n).collect();
        let Some(root) = Ellipsoid::bounding(&x, &all, d) else {
            return one(us);
        };
        let parts = split(&x, all, root, d);
        let mut labels = vec![0; n];
        let mut chols = Vec::with_capacity(parts.len());
        let mut ells = Vec::with_capacity(parts.len());
        for (c, (idx, ell)) in parts.into_iter().enumerate() {
            for &i in &idx {
                labels[i] = c;
            }
            let pts: Vec<&[f64]> = idx.iter().map(|&i| us[i]).collect();
            chols.push(live_cholesky(&pts, d));
            ells.push(ell);
        }
        Self {
            labels,
            chols,
            bounds: Some(Bounds::new(spread, ells, d, enlarge)),
        }
    }
}

impl Ellipsoid {
    /// The bounding ellipsoid of `x[idx]`; `None` when their covariance is singular.
    fn bounding(x: &[Vec<f64>], idx: &[usize], d: usize) -> Option<Self> {
        let n = idx.len() as f64;
        let mut centre = vec![0.0; d];
        for &i in idx {
            for (c, v) in centre.iter_mut().zip(&x[i]) {
                *c += v;
            }
        }
        for c in &mut centre {
            *c /= n;
        }
        let mut cov = vec![0.0; d * d];
        for &i in idx {
            for a in 0..d {
                let da = x[i][a] - centre[a];
                for b in 0..=a {
                    cov[a * d + b] += da * (x[i][b] - centre[b]);
                }
            }
        }
        for a in 0..d {
            for b in 0..=a {
                cov[a * d + b] /= n;
                cov[b * d + a] = cov[a * d + b];
            }
        }
        let l = cholesky_lower_row_major(&cov, d)?;
        let fmax = idx
            .iter()
            .map(|&i| mahalanobis2(&l, &centre, &x[i]))
            .fold(0.0f64, f64::max);
        if !(fmax > 0.0 && fmax.is_finite()) {
            return None;
        }
        let log_det_half: f64 = (0..d).map(|a| l[a * d + a].ln()).sum();
        Some(Self {
            centre,
            cov,
            chol: l,
            fmax,
            log_vol: log_det_half + 0.5 * d as f64 * fmax.ln(),
        })
    }

    /// Squared Mahalanobis distance `(x - centre)ᵀ C⁻¹ (x - centre)` by forward substitution.
    fn mahalanobis2(&self, x: &[f64]) -> f64 {
        mahalanobis2(&self.chol, &self.centre, x)
    }

    /// The two ends of the major axis (dynesty's k-means starting centres).
    fn major_axis_ends(&self, d: usize) -> (Vec<f64>, Vec<f64>) {
        let eig = nalgebra::DMatrix::from_row_slice(d, d, &self.cov).symmetric_eigen();
        let mut best = 0;
        for a in 1..d {
            if eig.eigenvalues[a] > eig.eigenvalues[best] {
                best = a;
            }
        }
        let half = (eig.eigenvalues[best].max(0.0) * self.fmax).sqrt();
        let v = eig.eigenvectors.column(best);
        let p: Vec<f64> = (0..d).map(|a| self.centre[a] + half * v[a]).collect();
        let m: Vec<f64> = (0..d).map(|a| self.centre[a] - half * v[a]).collect();
        (m, p)
    }
}

/// One level of dynesty's `_bounding_ellipsoids`: split `idx` in two by 2-means (10 Lloyd
/// iterations from the major-axis ends), recurse into both halves, and keep the split when the
/// volume drops by more than the BIC-motivated `X ln(N) / N`, `X = d(d+3)/2` ellipsoid
/// parameters (x-means, Pelleg & Moore 2000), either at once or after the recursion. Clusters
/// keep at least `2d` points so that their covariances are well determined.
fn split(
    x: &[Vec<f64>],
    idx: Vec<usize>,
    ell: Ellipsoid,
    d: usize,
) -> Vec<(Vec<usize>, Ellipsoid)> {
    let min_size = 2 * d;
    let n = idx.len();
    if n < 2 * min_size {
        return vec![(idx, ell)];
    }
    let (c0, c1) = ell.major_axis_ends(d);
    let mut centres = [c0, c1];
    let mut labels = vec![usize::MAX; n];
    for _ in 0..10 {
        let mut changed = false;
        for (lab, &i) in labels.iter_mut().zip(&idx) {
            let dist =
                |c: &[f64]| -> f64 { x[i].iter().zip(c).map(|(a, b)| (a - b).powi(2)).sum() };
            let new = usize::from(dist(&centres[1]) < dist(&centres[0]));
            changed |= new != *lab;
            *lab = new;
        }
        if !changed {
            break;
        }
        let mut sums = [vec![0.0; d], vec![0.0; d]];
        let mut counts = [0usize; 2];
        for (&lab, &i) in labels.iter().zip(&idx) {
            counts[lab] += 1;
            for (s, v) in sums[lab].iter_mut().zip(&x[i]) {
                *s += v;
            }
        }
        if counts.contains(&0) {
            return vec![(idx, ell)];
        }
        for c in 0..2 {
            for (cc, s) in centres[c].iter_mut().zip(&sums[c]) {
                *cc = s / counts[c] as f64;
            }
        }
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (&lab, &i) in labels.iter().zip(&idx) {
        if lab == 0 { a.push(i) } else { b.push(i) }
    }
    if a.len() < min_size || b.len() < min_size {
        return vec![(idx, ell)];
    }
    let (Some(ea), Some(eb)) = (Ellipsoid::bounding(x, &a, d), Ellipsoid::bounding(x, &b, d))
    else {
        return vec![(idx, ell)];
    };
    let n_param = (d * (d + 3) / 2) as f64;
    let log_vol_dec = n_param * (n as f64).ln() / n as f64;
    let first = log_add_exp(ea.log_vol, eb.log_vol) - ell.log_vol;
    let mut out = split(x, a, ea, d);
    out.extend(split(x, b, eb, d));
    let all = out
        .iter()
        .fold(f64::NEG_INFINITY, |acc, (_, e)| log_add_exp(acc, e.log_vol));
    if first < -log_vol_dec || all - ell.log_vol < -log_vol_dec * (out.len() - 1) as f64 {
        out
    } else {
        vec![(idx, ell)]
    }
}

/// `|L⁻¹ (x - centre)|²` for a lower Cholesky factor `L` (row-major) of a covariance.
fn mahalanobis2(l: &[f64], centre: &[f64], x: &[f64]) -> f64 {
    let d = centre.len();
    let mut z = [0.0f64; 32];
    let mut heap;
    let z: &mut [f64] = if d <= z.len() {
        &mut z[..d]
    } else {
        heap = vec![0.0; d];
        &mut heap
    };
    let mut r2 = 0.0;
    for a in 0..d {
        let mut s = x[a] - centre[a];
        for b in 0..a {
            s -= l[a * d + b] * z[b];
        }
        z[a] = s / l[a * d + a];
        r2 += z[a] * z[a];
    }
    r2
}

/// Lower Cholesky factor (row-major, d x d) of the points' covariance, regularised so
/// a collapsed axis still gets a small step.
pub(super) fn live_cholesky(us: &[&[f64]], d: usize) -> Vec<f64> {
    let n = us.len() as f64;
    let mut mean = vec![0.0; d];
    for u in us {
        for (m, x) in mean.iter_mut().zip(u.iter()) {
            *m += x;
        }
    }
    for m in &mut mean {
        *m /= n;
    }
    let mut c = vec![0.0; d * d];
    for u in us {
        for i in 0..d {
            let di = u[i] - mean[i];
            for j in 0..=i {
                c[i * d + j] += di * (u[j] - mean[j]);
            }
        }
    }
    for i in 0..d {
        for j in 0..=i {
            c[i * d + j] /= n - 1.0;
        }
        c[i * d + i] += 1e-12;
    }
    // A non-positive pivot falls back to the diagonal.
    cholesky_lower_row_major(&c, d).unwrap_or_else(|| {
        let mut diag = vec![0.0; d * d];
        for q in 0..d {
            diag[q * d + q] = c[q * d + q].max(1e-12).sqrt();
        }
        diag
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_of_overlapping_ellipsoids_is_sampled_uniformly() {
        // Two unit disks with centres 1 apart: the lens they share has area
        // 2 acos(1/2) - sqrt(3)/2, so a uniform draw on the union lands in it with probability
        // lens / (2π - lens) = 0.2430. Without the 1/q rule it would be 2 lens / 2π = 0.391.
        let disk = |cx: f64| Ellipsoid {
            centre: vec![cx, 0.0],
            cov: vec![1.0, 0.0, 0.0, 1.0],
            chol: vec![1.0, 0.0, 0.0, 1.0],
            fmax: 1.0,
            log_vol: 0.0,
        };
        let b = Bounds::new(vec![1.0, 1.0], vec![disk(0.0), disk(1.0)], 2, 1.0);
        let mut rng = crate::rng::stream(5, "nested-union", 0);
        let (mut u, mut z, mut x) = ([0.0; 2], [0.0; 2], [0.0; 2]);
        let (mut n, mut lens, mut left_only) = (0usize, 0usize, 0usize);
        while n < 200_000 {
            if !b.draw(&mut rng, &mut u, &mut z, &mut x) {
                continue;
            }
            n += 1;
            let in0 = u[0] * u[0] + u[1] * u[1] <= 1.0;
            let in1 = (u[0] - 1.0).powi(2) + u[1] * u[1] <= 1.0;
            assert!(in0 || in1, "draw {u:?} outside the union");
            lens += usize::from(in0 && in1);
            left_only += usize::from(in0 && !in1);
        }
        let area = 2.0 * 0.5f64.acos() - 0.75f64.sqrt();
        let p = area / (2.0 * std::f64::consts::PI - area);
        let se = (p * (1.0 - p) / n as f64).sqrt();
        let f = lens as f64 / n as f64;
        assert!((f - p).abs() < 4.0 * se, "lens share {f} vs {p} ± {se}");
        let q = (1.0 - p) / 2.0;
        let f = left_only as f64 / n as f64;
        assert!(
            (f - q).abs() < 4.0 * (q * (1.0 - q) / n as f64).sqrt(),
            "left-only share {f} vs {q}"
        );
    }
}
