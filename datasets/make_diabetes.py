"""Write datasets/diabetes.csv from scikit-learn's bundled diabetes data (no download).

Run from the repository root: ../venv/bin/python datasets/make_diabetes.py
The file holds the standard *scaled* version (load_diabetes(scaled=True)): each of the 10
feature columns is mean-centred and scaled to unit l2 norm; `target` is the raw disease
progression one year after baseline. Floats are written with Python's shortest round-trip
repr, so the CSV reproduces scikit-learn's float64 values bit for bit.
"""
import csv
import sklearn
from sklearn.datasets import load_diabetes

data = load_diabetes(scaled=True)
names = list(data.feature_names) + ["target"]
with open("datasets/diabetes.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(names)
    for row, t in zip(data.data, data.target):
        w.writerow([repr(float(v)) for v in row] + [repr(float(t))])
print(f"wrote datasets/diabetes.csv: {data.data.shape[0]} rows, {len(names)} columns (sklearn {sklearn.__version__})")
