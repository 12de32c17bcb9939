//! Validated input of an ordinal fit.

use crate::error::{Error, Result, check};
use crate::estimator::Rows;
use nalgebra::DMatrix;

/// A design matrix, integer class labels `0..K` in order, and observation weights.
///
/// Every class `0..K` must have at least one row when the data are built or fitted: an empty
/// class has no cutpoint MLE (adjacent cutpoints coincide), so it is an error naming the level
/// rather than a silent merge. A row subset ([`Rows::subset`]) keeps K and may leave a class
/// empty (a held-out fold of a rare class), which only fitting it rejects.
#[derive(Debug, Clone, PartialEq)]
pub struct OrdinalData {
    x: DMatrix<f64>,
    y: Vec<usize>,
    weights: Vec<f64>,
    n_classes: usize,
    names: Option<Vec<String>>,
}

impl OrdinalData {
    /// Build from a design and labels given as numbers (as read from a table).
    ///
    /// `n_classes`: the declared number of classes K; `None` takes `max(label) + 1`.
    /// Errors: non-finite cells, non-integer or negative labels, labels ≥ K, a class with no
    /// rows, K < 2, row-count mismatch.
    pub fn from_labels(x: DMatrix<f64>, labels: &[f64], n_classes: Option<usize>) -> Result<Self> {
        if labels.len() != x.nrows() {
            return Err(Error::DimensionMismatch {
                what: "rows of y and x",
                expected: x.nrows(),
                got: labels.len(),
            });
        }
        if x.nrows() == 0 {
            return Err(Error::InvalidData("no rows".into()));
        }
        check::all_finite("x", x.as_slice())?;
        let mut y = Vec::with_capacity(labels.len());
        for (i, &v) in labels.iter().enumerate() {
            if !v.is_finite() || v.fract() != 0.0 || !(0.0..=1e9).contains(&v) {
                return Err(Error::param(
                    "y",
                    format!("{v} at row {i}"),
                    "labels must be integers 0..K-1 in the order of the classes",
                ));
            }
            y.push(v as usize);
        }
        let max = y.iter().copied().max().unwrap_or(0);
        let k = match n_classes {
            None => max + 1,
            Some(k) => {
                if max >= k {
                    let i = y.iter().position(|&c| c >= k).unwrap_or(0);
                    return Err(Error::param(
                        "y",
                        format!("{} at row {i}", y[i]),
                        format!("labels must be < K = {k}"),
                    ));
                }
                k
            }
        };
        check::at_least("n_classes", k, 2)?;
        let data = Self {
            x,
            y,
            weights: vec![1.0; labels.len()],
            n_classes: k,
            names: None,
        };
        data.check_levels()?;
        Ok(data)
    }

    /// Attach observation weights (finite, > 0); the likelihood is Σ w_i log p_i,y_i and the
    /// PRESTO objective divides by N = Σ w_i.
    pub fn with_weights(mut self, weights: Vec<f64>) -> Result<Self> {
        if weights.len() != self.y.len() {
            return Err(Error::DimensionMismatch {
                what: "weights",
                expected: self.y.len(),
                got: weights.len(),
            });
        }
        if let Some(i) = weights.iter().position(|w| !(w.is_finite() && *w > 0.0)) {
            return Err(Error::param(
                "weights",
                format!("{} at row {i}", weights[i]),
                "weights must be finite and > 0",
            ));
        }
        self.weights = weights;
        Ok(self)
    }

    /// Attach feature names (one per column), used by identifiability errors to name the
    /// offending feature.
    pub fn with_feature_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.x.ncols() {
            return Err(Error::DimensionMismatch {
                what: "feature names",
                expected: self.x.ncols(),
                got: names.len(),
            });
        }
        self.names = Some(names);
        Ok(self)
    }

    /// The feature names, when attached.
    pub fn feature_names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }

    /// How errors name feature column `j`: "feature column j (`name`)", or "feature column j
    /// (0-based)" without names.
    pub fn feature_label(&self, j: usize) -> String {
        match self.names.as_ref().and_then(|n| n.get(j)) {
            // The index too: the CLI's users and its tests find a column by either.
            Some(s) => format!("feature column {j} (`{s}`)"),
            None => format!("feature column {j} (0-based)"),
        }
    }

    /// The same rows with only the feature columns `cols` (in that order), e.g. a reduced model
    /// for a likelihood-ratio test. Errors on an index out of range.
    pub fn select_features(&self, cols: &[usize]) -> Result<Self> {
        if let Some(&j) = cols.iter().find(|&&j| j >= self.x.ncols()) {
            return Err(Error::param(
                "features",
                j,
                format!("column index out of range (p = {})", self.x.ncols()),
            ));
        }
        Ok(Self {
            x: self.x.select_columns(cols),
            y: self.y.clone(),
            weights: self.weights.clone(),
            n_classes: self.n_classes,
            names: self
                .names
                .as_ref()
                .map(|n| cols.iter().map(|&j| n[j].clone()).collect()),
        })
    }

    /// Every class has a row; else [`Error::NotIdentifiable`] naming the empty class (the fits
    /// call this, since a row subset may have emptied a class).
    pub fn check_levels(&self) -> Result<()> {
        let counts = self.class_counts();
        if let Some(k) = counts.iter().position(|&c| c == 0) {
            return Err(Error::NotIdentifiable(format!(
                "class {k} of y (of 0..{}) has no rows; its cutpoints have no MLE (merge or drop the level)",
                self.n_classes - 1
            )));
        }
        Ok(())
    }

    /// n × p design.
    pub fn x(&self) -> &DMatrix<f64> {
        &self.x
    }
    /// Class labels `0..K`.
    pub fn y(&self) -> &[usize] {
        &self.y
    }
    /// Observation weights.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
    /// K, the number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.y.len()
    }
    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.x.ncols()
    }
    /// Total weight N (= n for unit weights).
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }
    /// Rows per class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.n_classes];
        for &v in &self.y {
            c[v] += 1;
        }
        c
    }

    /// Weighted cumulative class proportions P̂(Y ≤ k), k = 0..K-1.
    pub fn cumulative_proportions(&self) -> Vec<f64> {
        let mut w = vec![0.0; self.n_classes];
        for (&c, &wi) in self.y.iter().zip(&self.weights) {
            w[c] += wi;
        }
        let total: f64 = w.iter().sum();
        let mut acc = 0.0;
        w[..self.n_classes - 1]
            .iter()
            .map(|v| {
                acc += v;
                acc / total
            })
            .collect()
    }

    /// The same labels with a new design (used for standardization).
    pub(crate) fn with_x(&self, x: DMatrix<f64>) -> Self {
        Self {
            x,
            y: self.y.clone(),
            weights: self.weights.clone(),
            n_classes: self.n_classes,
            names: self.names.clone(),
        }
    }

    /// Binary data `1{y = K-1}` (the rare last class against the rest), K = 2.
    pub fn last_vs_rest(&self) -> Self {
        let last = self.n_classes - 1;
        let y = self.y.iter().map(|&c| usize::from(c == last)).collect();
        Self {
            x: self.x.clone(),
            y,
            weights: self.weights.clone(),
            n_classes: 2,
            names: self.names.clone(),
        }
    }
}

impl Rows for OrdinalData {
    fn n_rows(&self) -> usize {
        OrdinalData::n_rows(self)
    }

    /// The rows `rows` (in that order), keeping K. A class may have no rows there (see the
    /// type's docs).
    fn subset(&self, rows: &[usize]) -> Result<Self> {
        Ok(Self {
            x: self.x.select_rows(rows),
            y: rows.iter().map(|&i| self.y[i]).collect(),
            weights: rows.iter().map(|&i| self.weights[i]).collect(),
            n_classes: self.n_classes,
            names: self.names.clone(),
        })
    }
}
