//! Identifiability checks of a cumulative link model that name the culprit (Christensen 2019,
//! Sec. 6.2): too few rows for the slopes, a constant feature (aliased with the cutpoints), a
//! feature that is a linear combination of the intercept and earlier features (clm drops such
//! "aliased" coefficients; here they are an error naming them), and a feature that on its own
//! separates an extreme class (quasi-complete separation: its slope has no finite MLE). An
//! empty class is [`OrdinalData::check_levels`]'s error, which names the level. Features are
//! named by [`OrdinalData::feature_label`] (their names when the data carry them).

use super::data::OrdinalData;
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};

/// Relative size below which a column's residual, after projecting out the intercept and the
/// columns before it, counts as zero: exact dependence leaves rounding (~1e-15), while a design
/// this close to dependent has no usable MLE either.
const RANK_TOL: f64 = 1e-10;

/// Identifiability of the slopes, checked before any Newton step. The K − 1 cutpoints act as an
/// intercept, so the slopes are identified only when [1, X] (over the rows of positive weight)
/// has full column rank p + 1; otherwise the observed information is singular everywhere and
/// Newton only wanders (113 s on 5 rows × 3000 columns before reporting separation). More
/// slopes than rows, a constant feature, or a feature that is a linear combination of the
/// intercept and the features before it is an [`Error::NotIdentifiable`] naming the cause and the
/// features.
pub fn check_design_rank(data: &OrdinalData) -> Result<()> {
    let x = data.x();
    let rows: Vec<usize> = (0..x.nrows())
        .filter(|&i| data.weights()[i] > 0.0)
        .collect();
    let (n, p) = (rows.len(), x.ncols());
    if p + 1 > n {
        return Err(Error::NotIdentifiable(format!(
            "{p} feature columns and the cutpoints' intercept need at least {} rows of positive \
             weight, the data have {n}; [1, X] has rank at most {n} < {}, so the MLE is not unique \
             (fewer features, or a penalized model such as PRESTO)",
            p + 1,
            p + 1
        )));
    }
    if clearly_full_rank(data, &rows) {
        return Ok(());
    }
    // Classical Gram–Schmidt with one reorthogonalization ("twice is enough") on the centred
    // columns, in order, so the column named is the first that depends on earlier ones.
    let mut basis = DMatrix::<f64>::zeros(n, p);
    for j in 0..p {
        let col = DVector::from_iterator(n, rows.iter().map(|&i| x[(i, j)]));
        if col.iter().all(|&v| v == col[0]) {
            return Err(Error::NotIdentifiable(format!(
                "{} is constant ({}), which the cutpoints already absorb; drop it",
                data.feature_label(j),
                col[0]
            )));
        }
        let mut v = col.add_scalar(-col.mean());
        let norm0 = v.norm();
        if norm0 <= 1e-13 * col.norm() {
            return Err(Error::NotIdentifiable(format!(
                "{} is constant up to rounding; drop it",
                data.feature_label(j)
            )));
        }
        let centred = v.clone();
        for _ in 0..2 {
            let q = basis.columns(0, j);
            let c = q.tr_mul(&v);
            v -= q * c;
        }
        let r = v.norm();
        if r <= RANK_TOL * norm0 {
            return Err(Error::NotIdentifiable(format!(
                "{} is a linear combination of the intercept{} (residual {:.1e} of its norm); \
                 [1, X] is rank-deficient, drop it",
                data.feature_label(j),
                partners(data, &rows, j, &centred),
                r / norm0
            )));
        }
        basis.set_column(j, &(v / r));
    }
    Ok(())
}

/// Smallest relative residual `r_j / ||c_j||` that the Cholesky pivots of the Gram matrix may
/// show for [`clearly_full_rank`] to vouch for the design without Gram–Schmidt.
const CLEAR_RESIDUAL: f64 = 1e-4;

/// The fast path of [`check_design_rank`]: `true` only when [1, X] is full rank by a wide margin.
/// With the columns centred and scaled to unit norm, the Cholesky pivot `L_jj^2` of their Gram
/// matrix is the squared residual of column j after projecting out the intercept and the columns
/// before it, the quantity Gram–Schmidt compares with `RANK_TOL`. Forming the Gram matrix squares
/// the condition number, so its pivots carry an absolute error of order `p eps` (unit diagonal);
/// every pivot above `CLEAR_RESIDUAL^2 = 1e-8` therefore means every true residual is far above
/// `RANK_TOL`. Anything less (a constant column, a near-dependence, a factorization failure) is
/// left to Gram–Schmidt, which names the culprit. One GEMM (n p^2 / 2 multiply-adds) instead of
/// Gram–Schmidt's 2 n p^2 in nalgebra's generic products: most of the identifiability check's
/// time on n = 1e5, p = 20.
fn clearly_full_rank(data: &OrdinalData, rows: &[usize]) -> bool {
    let x = data.x();
    let (n, p) = (rows.len(), x.ncols());
    let mut z = DMatrix::<f64>::zeros(n, p);
    for j in 0..p {
        let mean = rows.iter().map(|&i| x[(i, j)]).sum::<f64>() / n as f64;
        let mut col = z.column_mut(j);
        for (zi, &i) in col.iter_mut().zip(rows) {
            *zi = x[(i, j)] - mean;
        }
        let norm = col.norm();
        if !(norm.is_finite() && norm > 0.0) {
            return false;
        }
        col /= norm;
    }
    let mut g = faer::Mat::<f64>::zeros(p, p);
    crate::linalg::gram_lower(g.as_mut(), crate::linalg::faer_view(&z), faer::Par::Seq);
    let lower: Vec<f64> = (0..p * p).map(|k| g[(k / p, k % p)]).collect();
    let Some(l) = crate::linalg::cholesky_lower_row_major(&lower, p) else {
        return false;
    };
    (0..p).all(|j| l[j * p + j] * l[j * p + j] >= CLEAR_RESIDUAL * CLEAR_RESIDUAL)
}

/// ", feature column 0 (`a`), feature column 1 (`b`)": the earlier features with a nonzero coefficient in the least
/// squares fit of the centred column `j` on them (only computed for the error message).
fn partners(data: &OrdinalData, rows: &[usize], j: usize, centred: &DVector<f64>) -> String {
    let x = data.x();
    let earlier = DMatrix::from_fn(rows.len(), j, |r, m| x[(rows[r], m)]);
    let mut earlier = earlier;
    for mut col in earlier.column_iter_mut() {
        let mean = col.mean();
        col.iter_mut().for_each(|v| *v -= mean);
    }
    let Ok(coef) = crate::linalg::lstsq(&earlier, centred) else {
        return String::new();
    };
    let scale = coef.amax().max(1e-300);
    coef.iter()
        .enumerate()
        .filter(|(_, c)| c.abs() > 1e-8 * scale)
        .map(|(m, _)| format!(", {}", data.feature_label(m)))
        .collect()
}

/// A feature that alone separates the first or the last class: every row where it is above
/// (or below) its minimum (maximum) is in that one class. Returns the feature and a
/// description of the separation.
pub fn separating_feature(data: &OrdinalData) -> Option<(usize, String)> {
    let (x, y) = (data.x(), data.y());
    let last = data.n_classes() - 1;
    for j in 0..x.ncols() {
        let col = x.column(j);
        let (lo, hi) = (col.min(), col.max());
        if lo == hi {
            continue;
        }
        for (extreme, side, what) in [
            (lo, 1.0, "above its minimum"),
            (hi, -1.0, "below its maximum"),
        ] {
            let rows: Vec<usize> = (0..y.len())
                .filter(|&i| side * (col[i] - extreme) > 0.0)
                .collect();
            for class in [0, last] {
                if rows.iter().all(|&i| y[i] == class) {
                    return Some((
                        j,
                        format!(
                            "all {} rows where it is {what} ({extreme}) are in class {class}",
                            rows.len()
                        ),
                    ));
                }
            }
        }
    }
    None
}

/// Every check of this module: [`check_design_rank`], then [`separating_feature`].
pub fn check(data: &OrdinalData) -> Result<()> {
    check_design_rank(data)?;
    if let Some((j, how)) = separating_feature(data) {
        return Err(Error::NotIdentifiable(format!(
            "{} separates the classes ({how}): its slope has no finite maximum-likelihood \
             estimate; merge levels or drop the feature",
            data.feature_label(j)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(x: DMatrix<f64>, y: &[f64], names: &[&str]) -> OrdinalData {
        OrdinalData::from_labels(x, y, None)
            .unwrap()
            .with_feature_names(names.iter().map(|s| s.to_string()).collect())
            .unwrap()
    }

    #[test]
    fn names_constant_and_collinear_features() {
        let x = DMatrix::from_fn(8, 4, |i, j| match j {
            0 => i as f64,
            1 => 3.0,
            2 => ((i * 5) % 7) as f64,
            _ => 2.0 * i as f64 - ((i * 5) % 7) as f64 + 1.0,
        });
        let y = [0.0, 1.0, 2.0, 0.0, 1.0, 2.0, 1.0, 0.0];
        let e = check(&data(x.clone(), &y, &["a", "b", "c", "d"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("feature column 1 (`b`) is constant"), "{e}");
        let e = check(&data(x.clone().remove_column(1), &y, &["a", "c", "d"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "feature column 2 (`d`) is a linear combination of the intercept, feature column 0 (`a`), feature column 1 (`c`)"
            ),
            "{e}"
        );
        // Without names: the column index.
        let e = check_design_rank(&OrdinalData::from_labels(x, &y, None).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("feature column 1 (0-based) is constant"), "{e}");
    }

    /// The Gram fast path vouches only for designs that Gram–Schmidt passes by a wide margin: it
    /// accepts a well-conditioned design whatever its column scales and offsets, and leaves a
    /// near-dependence (residual 1e-6 of the column: Gram–Schmidt accepts, the Gram pivots
    /// cannot resolve it to that precision) and an exact one to Gram–Schmidt.
    #[test]
    fn gram_fast_path_is_conservative() {
        let n = 400;
        let mut rng = crate::rng::stream(3, "identify-fast", 0);
        let z = DMatrix::from_fn(n, 3, |_, _| rand::RngExt::random::<f64>(&mut rng) - 0.5);
        let y: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
        let all: Vec<usize> = (0..n).collect();
        let scaled = DMatrix::from_fn(n, 3, |i, j| match j {
            0 => 1e8 * z[(i, 0)] + 3e9,
            1 => 1e-6 * z[(i, 1)] - 2.0,
            _ => z[(i, 2)],
        });
        let d = OrdinalData::from_labels(scaled, &y, None).unwrap();
        assert!(clearly_full_rank(&d, &all));
        assert!(check_design_rank(&d).is_ok());
        for (eps, gram_schmidt_ok) in [(1e-6, true), (0.0, false)] {
            let near = DMatrix::from_fn(n, 3, |i, j| match j {
                2 => z[(i, 0)] - 2.0 * z[(i, 1)] + eps * z[(i, 2)],
                _ => z[(i, j)],
            });
            let d = OrdinalData::from_labels(near, &y, None).unwrap();
            assert!(!clearly_full_rank(&d, &all), "eps {eps}");
            assert_eq!(check_design_rank(&d).is_ok(), gram_schmidt_ok, "eps {eps}");
        }
    }

    #[test]
    fn names_a_separating_dummy() {
        // The dummy is 1 only in rows of the last class.
        let x = DMatrix::from_fn(8, 2, |i, j| {
            if j == 0 {
                (i % 3) as f64
            } else {
                f64::from(i == 2 || i == 5)
            }
        });
        let y = [0.0, 1.0, 2.0, 0.0, 1.0, 2.0, 1.0, 0.0];
        let e = check(&data(x, &y, &["u", "rare"])).unwrap_err().to_string();
        assert!(
            e.contains("(`rare`) separates the classes") && e.contains("class 2"),
            "{e}"
        );
        // Mixed classes among its rows: identifiable.
        let x = DMatrix::from_fn(8, 2, |i, j| {
            if j == 0 {
                (i % 3) as f64
            } else {
                f64::from(i == 2 || i == 4)
            }
        });
        assert!(check(&data(x, &y, &["u", "rare"])).is_ok());
    }
}
