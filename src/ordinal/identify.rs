//! Identifiability checks of a cumulative link model that name the culprit: a constant feature
//! (aliased with the cutpoints), a feature that is a linear combination of others (clm reports
//! these as "aliased" coefficients and drops them; here it is an error naming them), and a
//! feature that on its own separates an extreme class (quasi-complete separation: the slope
//! has no finite MLE). An empty class is caught when the data are built
//! ([`super::OrdinalData::from_labels`] names the level).

use super::data::OrdinalData;
use crate::error::{Error, Result};
use nalgebra::DMatrix;

/// Relative size of the part of a column's centred variation that the earlier columns do not
/// explain, below which the column counts as their linear combination.
const ALIAS_TOL: f64 = 1e-9;

fn name_of(names: Option<&[String]>, j: usize) -> String {
    match names.and_then(|n| n.get(j)) {
        Some(s) => format!("`{s}`"),
        None => format!("feature {j}"),
    }
}

/// Features aliased with the intercept or with earlier features: each entry is a feature and
/// the earlier features it is a combination of (empty for a constant column).
pub fn aliased_features(x: &DMatrix<f64>) -> Vec<(usize, Vec<usize>)> {
    let (n, p) = (x.nrows(), x.ncols());
    if n == 0 {
        return Vec::new();
    }
    // Centring absorbs the intercept (the cutpoints); then an incremental Cholesky of the Gram
    // matrix in column order keeps the independent columns and flags the others.
    let mut xc = x.clone();
    for mut col in xc.column_iter_mut() {
        let m = col.mean();
        col.iter_mut().for_each(|v| *v -= m);
    }
    let g = xc.tr_mul(&xc);
    let mut kept: Vec<usize> = Vec::new();
    let mut l = DMatrix::<f64>::zeros(p, p); // Cholesky factor of G[kept, kept], row-major by rank
    let mut out = Vec::new();
    let scale = (0..p).map(|j| g[(j, j)]).fold(0.0, f64::max).max(1e-300);
    for j in 0..p {
        let r = kept.len();
        // Solve L w = G[kept, j].
        let mut w = vec![0.0; r];
        for a in 0..r {
            let s: f64 = (0..a).map(|b| l[(a, b)] * w[b]).sum();
            w[a] = (g[(kept[a], j)] - s) / l[(a, a)];
        }
        let resid = g[(j, j)] - w.iter().map(|v| v * v).sum::<f64>();
        if g[(j, j)] <= ALIAS_TOL * scale || resid <= ALIAS_TOL * g[(j, j)] {
            // Coefficients of the combination: Lᵀ c = w.
            let mut c = vec![0.0; r];
            for a in (0..r).rev() {
                let s: f64 = (a + 1..r).map(|b| l[(b, a)] * c[b]).sum();
                c[a] = (w[a] - s) / l[(a, a)];
            }
            let partners = (0..r)
                .filter(|&a| c[a].abs() > 1e-8)
                .map(|a| kept[a])
                .collect();
            let partners = if g[(j, j)] <= ALIAS_TOL * scale {
                Vec::new()
            } else {
                partners
            };
            out.push((j, partners));
        } else {
            for (a, v) in w.iter().enumerate() {
                l[(r, a)] = *v;
            }
            l[(r, r)] = resid.sqrt();
            kept.push(j);
        }
    }
    out
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

/// [`Error::NotIdentifiable`] naming the first aliased or separating feature (by `names` when
/// given, else by column index), or `Ok` when none is found.
pub fn check(data: &OrdinalData, names: Option<&[String]>) -> Result<()> {
    if let Some((j, partners)) = aliased_features(data.x()).into_iter().next() {
        let msg = if partners.is_empty() {
            format!(
                "{} is constant, so its slope is aliased with the cutpoints; drop it",
                name_of(names, j)
            )
        } else {
            let list: Vec<String> = partners.iter().map(|&k| name_of(names, k)).collect();
            format!(
                "{} is a linear combination of {} (and the intercept), so the slopes are not identified; drop one",
                name_of(names, j),
                list.join(", ")
            )
        };
        return Err(Error::NotIdentifiable(msg));
    }
    if let Some((j, how)) = separating_feature(data) {
        return Err(Error::NotIdentifiable(format!(
            "{} separates the classes ({how}): its slope has no finite maximum-likelihood estimate; \
             merge levels or drop the feature",
            name_of(names, j)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(x: DMatrix<f64>, y: &[f64]) -> OrdinalData {
        OrdinalData::from_labels(x, y, None).unwrap()
    }

    #[test]
    fn names_constant_and_collinear_features() {
        let x = DMatrix::from_fn(8, 4, |i, j| match j {
            0 => i as f64,
            1 => 3.0,
            2 => ((i * 5) % 7) as f64,
            _ => 2.0 * i as f64 - ((i * 5) % 7) as f64 + 1.0,
        });
        let al = aliased_features(&x);
        assert_eq!(al, vec![(1, vec![]), (3, vec![0, 2])]);
        let y = [0.0, 1.0, 2.0, 0.0, 1.0, 2.0, 1.0, 0.0];
        let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let e = check(&data(x.clone(), &y), Some(&names))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`b` is constant"), "{e}");
        let e = check(&data(x.remove_column(1), &y), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("feature 2 is a linear combination of feature 0, feature 1"),
            "{e}"
        );
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
        let names: Vec<String> = ["u", "rare"].iter().map(|s| s.to_string()).collect();
        let e = check(&data(x, &y), Some(&names)).unwrap_err().to_string();
        assert!(
            e.contains("`rare` separates the classes") && e.contains("class 2"),
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
        assert!(check(&data(x, &y), Some(&names)).is_ok());
    }
}
