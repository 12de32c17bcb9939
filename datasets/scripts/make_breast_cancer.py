"""Write datasets/breast_cancer.csv from scikit-learn's bundled copy of the Wisconsin Diagnostic
Breast Cancer data (load_breast_cancer). Run: ../venv/bin/python datasets/scripts/make_breast_cancer.py
Column names are sklearn's feature names with spaces replaced by underscores; `target` is 1 for
benign and 0 for malignant (sklearn's coding). Values are written with Python's shortest
round-trip repr, so the file reproduces sklearn's float64 array bit for bit."""
import pathlib
import sklearn
from sklearn.datasets import load_breast_cancer

d = load_breast_cancer()
names = [n.replace(" ", "_") for n in d.feature_names] + ["target"]
out = pathlib.Path(__file__).resolve().parents[1] / "breast_cancer.csv"
with open(out, "w") as f:
    f.write(",".join(names) + "\n")
    for row, t in zip(d.data, d.target):
        f.write(",".join(repr(float(v)) for v in row) + f",{int(t)}\n")
print(f"wrote {out} ({d.data.shape[0]} rows, {d.data.shape[1]} features + target) with sklearn {sklearn.__version__}")
