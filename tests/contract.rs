//! The estimator contract from a user's side: one generic cross-validation function, written once
//! against `Fit`/`Predict`/`Fitted`/`Rows`, scores a sparse and an ordinal estimator.

use nalgebra::{DMatrix, DVector};
use veristat::estimator::{Fit, Fitted, Folds, Predict, RegressionData, Rows, cross_validate};
use veristat::ordinal::{OrdinalData, Probabilities, ProportionalOddsParams};
use veristat::sparse::Lasso;

/// Data whose held-out rows can score a prediction: the loss a user picks per kind of response.
trait HeldOut: Rows + Sync + Send {
    type Prediction;
    fn design(&self) -> &DMatrix<f64>;
    /// Mean loss of `pred` on these rows.
    fn loss(&self, pred: &Self::Prediction) -> f64;
}

impl HeldOut for RegressionData {
    type Prediction = DVector<f64>;
    fn design(&self) -> &DMatrix<f64> {
        self.x()
    }
    /// Mean squared error.
    fn loss(&self, pred: &DVector<f64>) -> f64 {
        (pred - self.y()).norm_squared() / self.y().len() as f64
    }
}

impl HeldOut for OrdinalData {
    type Prediction = Probabilities;
    fn design(&self) -> &DMatrix<f64> {
        self.x()
    }
    /// Mean negative log-probability of the observed class.
    fn loss(&self, pred: &Probabilities) -> f64 {
        let y = self.y();
        y.iter()
            .enumerate()
            .map(|(i, &k)| -pred.probs[(i, k)].ln())
            .sum::<f64>()
            / y.len() as f64
    }
}

/// The one generic function: held-out loss per fold of any estimator of the contract.
fn cv_loss<E, D>(estimator: &E, data: &D, folds: &Folds) -> Vec<f64>
where
    D: HeldOut,
    E: Fit<D> + Sync,
    E::Fitted: Predict<Output = D::Prediction> + Fitted,
{
    cross_validate(estimator, data, folds, |model, held_out| {
        assert!(model.diagnostics().converged(), "{:?}", model.diagnostics());
        Ok(held_out.loss(&model.predict(held_out.design())?))
    })
    .unwrap()
    .into_iter()
    .map(|f| f.score)
    .collect()
}

fn csv(name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let path = format!("{}/datasets/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

/// Columns `features` as X and `target` as y.
fn design(name: &str, target: &str) -> (DMatrix<f64>, Vec<f64>) {
    let (header, rows) = csv(name);
    let t = header.iter().position(|h| h == target).unwrap();
    let features: Vec<usize> = (0..header.len()).filter(|&j| j != t).collect();
    let x = DMatrix::from_fn(rows.len(), features.len(), |i, j| rows[i][features[j]]);
    (x, rows.iter().map(|r| r[t]).collect())
}

#[test]
fn one_generic_cv_scores_a_sparse_and_an_ordinal_estimator() {
    // Sparse: the Lasso on diabetes against the intercept-only model (alpha above alpha_max),
    // whose held-out MSE is the closed form mean((y_test - mean(y_train))^2).
    let (x, y) = design("diabetes.csv", "target");
    let n = y.len();
    let data = RegressionData::new(x, DVector::from_vec(y.clone())).unwrap();
    let ids: Vec<i64> = (0..n as i64).map(|i| i % 5).collect();
    let folds = Folds::Ids(ids.clone());
    let lasso = cv_loss(&Lasso::new(0.01), &data, &folds);
    let null = cv_loss(&Lasso::new(1e6), &data, &folds);
    for f in 0..5 {
        let (test, train): (Vec<f64>, Vec<f64>) = {
            let t: Vec<f64> = (0..n).filter(|&i| ids[i] == f).map(|i| y[i]).collect();
            let r: Vec<f64> = (0..n).filter(|&i| ids[i] != f).map(|i| y[i]).collect();
            (t, r)
        };
        let m = train.iter().sum::<f64>() / train.len() as f64;
        let closed = test.iter().map(|v| (v - m).powi(2)).sum::<f64>() / test.len() as f64;
        assert!(((null[f as usize] - closed) / closed).abs() < 1e-12);
        assert!(
            lasso[f as usize] < 0.7 * closed,
            "fold {f}: {}",
            lasso[f as usize]
        );
    }

    // Ordinal: proportional odds on the soup data against the training class frequencies,
    // whose held-out log loss is the closed form -mean(log p_train(y_test)).
    let (x, labels) = design("soup.csv", "sureness_rev");
    let data = OrdinalData::from_labels(x, &labels, None).unwrap();
    let k = data.n_classes();
    let n = data.n_rows();
    let ids: Vec<i64> = (0..n as i64).map(|i| (i * 7) % 4).collect();
    let po = cv_loss(
        &ProportionalOddsParams::new(),
        &data,
        &Folds::Ids(ids.clone()),
    );
    let y = data.y();
    for f in 0..4 {
        let mut counts = vec![0.0f64; k];
        let mut m = 0.0f64;
        for i in (0..n).filter(|&i| ids[i] != f) {
            counts[y[i]] += 1.0;
            m += 1.0;
        }
        let test: Vec<usize> = (0..n).filter(|&i| ids[i] == f).collect();
        let closed =
            test.iter().map(|&i| -(counts[y[i]] / m).ln()).sum::<f64>() / test.len() as f64;
        assert!(po[f as usize].is_finite());
        assert!(
            po[f as usize] < closed,
            "fold {f}: {} vs {closed}",
            po[f as usize]
        );
    }
}
