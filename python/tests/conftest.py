"""Shared fixtures: the repository's shipped data sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "datasets"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def diabetes() -> tuple[pd.DataFrame, np.ndarray]:
    """scikit-learn's diabetes data as shipped in datasets/ (442 x 10, the scaled version)."""
    df = pd.read_csv(DATASETS / "diabetes.csv")
    return df.drop(columns="target"), df["target"].to_numpy(dtype=np.float64)
