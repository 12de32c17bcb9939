//! Column-at-a-time privatization and one-pass aggregation (spec §2.10).
//!
//! **Reproducibility.** Users are cut into chunks of [`CHUNK`] rows; chunk c draws from
//! `rng::stream(seed, LABEL, c)` only, and chunks are processed in parallel (rayon) into
//! disjoint parts of one [`Reports`] buffer. The buffer is therefore the same for every thread
//! count, and a stream of the column in pieces of whole chunks ([`privatize_column_from`])
//! gives the same reports as one call. Aggregation sums per-chunk statistics in chunk order:
//! integer support counts (exact) for the frequency oracles, and per-coordinate sums and sums
//! of squares for the mean mechanisms, so estimates are bit-identical for any thread count too.
//!
//! **Intervals.** A frequency oracle with support probabilities (p, q) (a report supports the
//! user's category with probability p, any other with q) estimates f_u by
//! f̂_u = (P̂_u − q)/(p − q), P̂_u the fraction of reports supporting u (Wang et al. 2017,
//! eq. 2). When users are a sample of a population with frequencies f, each report supports u
//! independently with probability P_u = f_u p + (1 − f_u) q, so Var f̂_u = P_u(1 − P_u)/(n(p − q)²)
//! exactly (Wang et al. 2017, eq. 3 is its f_u-free bound); the standard error plugs in P̂_u.
//! For a fixed set of users it is an upper bound (the per-user variances average to at most
//! that). The mean mechanisms' decoder is the report itself and its variance E z² − μ²; the
//! standard error uses the sample variance of the reports (for Duchi et al.'s mechanisms, whose
//! reports have a constant norm, this equals the closed form B² − μ̂² of spec §2.4 up to the
//! n/(n − 1) factor). Intervals are normal: estimate ± z_{1−α/2}·SE.
//!
//! Throughput against numpy and multi-freq-ldpy, and the 10⁷-row CLI run: `docs/measurements/ldp.md`.

use super::mechanisms::Mechanism;
use super::reports::{Layout, Reports, Rows};
use crate::error::{Error, Result};
use crate::montecarlo::stats::normal_quantile;
use crate::rng;
use rayon::prelude::*;
use serde::Serialize;

/// Users per random stream and per aggregation partial; fixed so that results do not depend
/// on the thread count.
pub const CHUNK: usize = 1 << 14;

/// Stream label of the batch privatizer.
pub const LABEL: &str = "ldp-batch";

/// Privatize a column of users: `xs` holds n × [`Mechanism::input_dim`] numbers, row-major.
pub fn privatize_column(m: &dyn Mechanism, xs: &[f64], seed: u64) -> Result<Reports> {
    privatize_column_from(m, xs, seed, 0)
}

/// As [`privatize_column`] for the part of a longer column that starts at chunk
/// `first_chunk` (row `first_chunk · CHUNK`): streaming a column in pieces of whole chunks
/// gives the same reports as one call over the whole column.
pub fn privatize_column_from(
    m: &dyn Mechanism,
    xs: &[f64],
    seed: u64,
    first_chunk: u64,
) -> Result<Reports> {
    let din = m.input_dim();
    if !xs.len().is_multiple_of(din) {
        return Err(Error::DimensionMismatch {
            what: "column length (a multiple of the mechanism's input dimension)",
            expected: din,
            got: xs.len(),
        });
    }
    let n = xs.len() / din;
    let mut out = Reports::zeros(m.layout(), n);
    let parts: Vec<Result<()>> = out
        .chunks_mut(CHUNK)
        .into_par_iter()
        .zip(xs.par_chunks(CHUNK * din))
        .enumerate()
        .map(|(c, (o, x))| {
            let mut r = rng::stream(seed, LABEL, first_chunk + c as u64);
            m.privatize_rows(x, o, &mut r)
        })
        .collect();
    for p in parts {
        p?;
    }
    Ok(out)
}

/// Sufficient statistics of a column of reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Stats {
    /// Support counts per category (frequency oracles).
    Counts(Vec<u64>),
    /// Per-coordinate sums and sums of squares of the reports (mean mechanisms).
    Moments {
        /// Σ z.
        sum: Vec<f64>,
        /// Σ z².
        sum_sq: Vec<f64>,
    },
}

/// Running aggregate of reports: fold chunks in with [`Summary::add`], then [`Summary::finish`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Reports folded in.
    pub n: usize,
    /// Their sufficient statistics.
    pub stats: Stats,
}

impl Summary {
    /// The empty aggregate for mechanism `m`.
    pub fn new(m: &dyn Mechanism) -> Self {
        let k = m.estimate_dim();
        Self {
            n: 0,
            stats: if m.support().is_some() {
                Stats::Counts(vec![0; k])
            } else {
                Stats::Moments {
                    sum: vec![0.0; k],
                    sum_sq: vec![0.0; k],
                }
            },
        }
    }

    /// Fold in a buffer of reports: per-chunk statistics in parallel, added in chunk order.
    pub fn add(&mut self, m: &dyn Mechanism, reports: &Reports) -> Result<()> {
        if reports.layout() != m.layout() {
            return Err(Error::InvalidData(format!(
                "reports are stored as {:?}, mechanism `{}` writes {:?}",
                reports.layout(),
                m.name(),
                m.layout()
            )));
        }
        let n = reports.len();
        let parts: Vec<Result<Summary>> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| chunk_stats(m, reports.rows(c * CHUNK, n.min((c + 1) * CHUNK))))
            .collect();
        for p in parts {
            let p = p?;
            self.n += p.n;
            match (&mut self.stats, p.stats) {
                (Stats::Counts(a), Stats::Counts(b)) => {
                    a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                }
                (Stats::Moments { sum, sum_sq }, Stats::Moments { sum: s, sum_sq: s2 }) => {
                    sum.iter_mut().zip(s).for_each(|(a, b)| *a += b);
                    sum_sq.iter_mut().zip(s2).for_each(|(a, b)| *a += b);
                }
                _ => return Err(Error::InvalidData("mixed report statistics".into())),
            }
        }
        Ok(())
    }

    /// Estimates, variances and standard errors (see the module docs).
    pub fn finish(&self, m: &dyn Mechanism) -> Result<Estimates> {
        if self.n == 0 {
            return Err(Error::param("n", 0, "need at least one report"));
        }
        let n = self.n as f64;
        let (estimate, variance): (Vec<f64>, Vec<f64>) = match (&self.stats, m.support()) {
            (Stats::Counts(c), Some((p, q))) => c
                .iter()
                .map(|c| {
                    let ph = *c as f64 / n;
                    (
                        (ph - q) / (p - q),
                        ph * (1.0 - ph) / (n * (p - q) * (p - q)),
                    )
                })
                .unzip(),
            (Stats::Moments { sum, sum_sq }, None) => sum
                .iter()
                .zip(sum_sq)
                .map(|(s, s2)| {
                    let mu = s / n;
                    let var = if self.n > 1 {
                        ((s2 - n * mu * mu) / (n - 1.0)).max(0.0) / n
                    } else {
                        f64::NAN
                    };
                    (mu, var)
                })
                .unzip(),
            _ => {
                return Err(Error::InvalidData(
                    "statistics do not match the mechanism".into(),
                ));
            }
        };
        let std_error = variance.iter().map(|v| v.sqrt()).collect();
        Ok(Estimates {
            kind: if m.support().is_some() {
                Target::Frequency
            } else {
                Target::Mean
            },
            estimate,
            variance,
            std_error,
            n: self.n,
        })
    }
}

fn chunk_stats(m: &dyn Mechanism, rows: Rows<'_>) -> Result<Summary> {
    let k = m.estimate_dim();
    if m.support().is_some() {
        let mut counts = vec![0u64; k];
        m.count_support(rows, &mut counts)?;
        let n = match (m.layout(), rows) {
            (Layout::Bits { k }, Rows::Bits(w)) => w.len() / k.div_ceil(64),
            (Layout::Ints { width }, Rows::Ints(v)) => v.len() / width,
            _ => return Err(super::reports::wrong_layout(m.name())),
        };
        return Ok(Summary {
            n,
            stats: Stats::Counts(counts),
        });
    }
    let Rows::Reals(v) = rows else {
        return Err(super::reports::wrong_layout(m.name()));
    };
    let mut sum = vec![0.0; k];
    let mut sum_sq = vec![0.0; k];
    for row in v.chunks(k) {
        for ((s, s2), z) in sum.iter_mut().zip(sum_sq.iter_mut()).zip(row) {
            *s += z;
            *s2 += z * z;
        }
    }
    Ok(Summary {
        n: v.len() / k,
        stats: Stats::Moments { sum, sum_sq },
    })
}

/// What the estimates are of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// The frequency of each category.
    Frequency,
    /// Each coordinate of the mean input.
    Mean,
}

/// Estimates with standard errors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimates {
    /// Frequencies or means.
    pub kind: Target,
    /// Unbiased estimate per category or coordinate (before any post-processing).
    pub estimate: Vec<f64>,
    /// Its variance (see the module docs).
    pub variance: Vec<f64>,
    /// √variance.
    pub std_error: Vec<f64>,
    /// Reports aggregated.
    pub n: usize,
}

impl Estimates {
    /// Two-sided normal intervals estimate ± z_{(1+level)/2}·SE.
    pub fn conf_int(&self, level: f64) -> Result<Vec<(f64, f64)>> {
        if !(level > 0.0 && level < 1.0) {
            return Err(Error::param("level", level, "must lie in (0, 1)"));
        }
        let z = normal_quantile(0.5 + level / 2.0);
        Ok(self
            .estimate
            .iter()
            .zip(&self.std_error)
            .map(|(e, s)| (e - z * s, e + z * s))
            .collect())
    }
}

/// Aggregate a whole buffer: [`Summary::add`] then [`Summary::finish`].
pub fn aggregate_column(m: &dyn Mechanism, reports: &Reports) -> Result<Estimates> {
    let mut s = Summary::new(m);
    s.add(m, reports)?;
    s.finish(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldp::mechanisms::{NAMES, by_name};

    fn column(m: &dyn Mechanism, n: usize) -> Vec<f64> {
        (0..n * m.input_dim())
            .map(|i| {
                if m.support().is_some() {
                    // Randomized response estimates the frequency of 1 (one coordinate).
                    let k = m.estimate_dim().max(2);
                    ((i * 7 + i / 3) % k) as f64
                } else {
                    ((i % 11) as f64 / 10.0 - 0.5) * 0.8
                }
            })
            .collect()
    }

    #[test]
    fn per_report_api_draws_what_the_batch_kernel_draws() {
        // Same stream, same order: the per-report privatize and the batch kernel agree for
        // every mechanism (the unary encodings at q ≥ GEOMETRIC_BELOW).
        for name in NAMES {
            let m = by_name(name, 0.5, Some(1e-5), 5, 3).unwrap();
            let xs = column(m.as_ref(), 50);
            let mut r = rng::stream(4, LABEL, 0);
            let one: Vec<Vec<f64>> = xs
                .chunks(m.input_dim())
                .map(|x| m.privatize(x, &mut r).unwrap())
                .collect();
            let batch = privatize_column(m.as_ref(), &xs, 4).unwrap();
            for (i, o) in one.iter().enumerate() {
                assert_eq!(&batch.row(i), o, "{name} report {i}");
            }
        }
    }

    #[test]
    fn streaming_in_whole_chunks_equals_one_call() {
        let m = by_name("oue", 4.0, None, 16, 1).unwrap();
        let xs = column(m.as_ref(), 3 * CHUNK + 5);
        let all = privatize_column(m.as_ref(), &xs, 9).unwrap();
        let a = privatize_column_from(m.as_ref(), &xs[..2 * CHUNK], 9, 0).unwrap();
        let b = privatize_column_from(m.as_ref(), &xs[2 * CHUNK..], 9, 2).unwrap();
        let mut s1 = Summary::new(m.as_ref());
        s1.add(m.as_ref(), &a).unwrap();
        s1.add(m.as_ref(), &b).unwrap();
        assert_eq!(s1, {
            let mut s = Summary::new(m.as_ref());
            s.add(m.as_ref(), &all).unwrap();
            s
        });
        assert_eq!(a.row(CHUNK + 3), all.row(CHUNK + 3));
        assert_eq!(b.row(4), all.row(2 * CHUNK + 4));
    }

    #[test]
    fn thread_count_does_not_change_reports_or_estimates() {
        for name in ["oue", "olh", "hr", "laplace", "piecewise"] {
            let m = by_name(name, 1.0, None, 8, 4).unwrap();
            let xs = column(m.as_ref(), 2 * CHUNK + 17);
            let run = |t: usize| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .unwrap()
                    .install(|| {
                        let r = privatize_column(m.as_ref(), &xs, 2).unwrap();
                        let e = aggregate_column(m.as_ref(), &r).unwrap();
                        (r, e)
                    })
            };
            assert_eq!(run(1), run(3), "{name}");
        }
    }

    #[test]
    fn estimates_match_the_per_report_decoder_and_cover_the_truth() {
        for name in NAMES {
            let m = by_name(name, 0.9, Some(1e-5), 4, 3).unwrap();
            let n = 40_000;
            let xs = column(m.as_ref(), n);
            let r = privatize_column(m.as_ref(), &xs, 11).unwrap();
            let e = aggregate_column(m.as_ref(), &r).unwrap();
            let rows: Vec<Vec<f64>> = (0..n).map(|i| r.row(i)).collect();
            let old = crate::ldp::estimate::aggregate(m.as_ref(), &rows, None).unwrap();
            for (a, b) in e.estimate.iter().zip(&old.estimate) {
                assert!((a - b).abs() < 1e-9, "{name}: {a} vs {b}");
            }
            let truth: Vec<f64> = if m.support().is_some() {
                let k = m.estimate_dim();
                let first = usize::from(k == 1);
                (first..first + k)
                    .map(|u| xs.iter().filter(|x| **x as usize == u).count() as f64 / n as f64)
                    .collect()
            } else {
                (0..m.input_dim())
                    .map(|j| {
                        let col: Vec<f64> = xs
                            .chunks(m.input_dim())
                            .map(|x| m.clip(x).unwrap()[j])
                            .collect();
                        col.iter().sum::<f64>() / n as f64
                    })
                    .collect()
            };
            for ((est, se), t) in e.estimate.iter().zip(&e.std_error).zip(&truth) {
                assert!((est - t).abs() < 5.0 * se, "{name}: {est} ± {se} vs {t}");
            }
        }
    }
}
