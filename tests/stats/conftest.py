"""Datasets with published results (copies of the project's reference data, see data/README.md)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"


def shrout_fleiss_long() -> pd.DataFrame:
    wide = pd.read_csv(DATA / "shrout_fleiss_1979.csv")
    return wide.melt(id_vars="target", var_name="judge", value_name="score")


def pefr() -> pd.DataFrame:
    return pd.read_csv(DATA / "bland_altman_1986_pefr.csv")


def asah() -> pd.DataFrame:
    return pd.read_csv(DATA / "asah.csv")


def hanley_mcneil() -> pd.DataFrame:
    return pd.read_csv(DATA / "hanley_mcneil_1982_ct.csv")


def liver_scan() -> pd.DataFrame:
    """One row per patient, expanded from the published 2x2 counts."""
    counts = pd.read_csv(DATA / "altman_bland_1994_liver_scan.csv")
    return counts.loc[counts.index.repeat(counts["count"]), ["scan", "pathology"]].reset_index(drop=True)


def anscombe() -> pd.DataFrame:
    return pd.read_csv(DATA / "anscombe_1973.csv")


@pytest.fixture(scope="session")
def datasets() -> SimpleNamespace:
    """All reference datasets, loaded once."""
    return SimpleNamespace(
        shrout_fleiss=shrout_fleiss_long(),
        pefr=pefr(),
        asah=asah(),
        hanley_mcneil=hanley_mcneil(),
        liver=liver_scan(),
        anscombe=anscombe(),
    )


@pytest.fixture(scope="session")
def reader_study() -> pd.DataFrame:
    """A synthetic 105-image x 10-reader study shaped like the paper's test set."""
    rng = np.random.default_rng(20240611)
    n, k = 105, 10
    truth = rng.normal(7.75, 1.24, n)
    bias = rng.normal(0, 0.4, k)
    scores = np.clip(np.rint(truth[:, None] + bias[None, :] + rng.normal(0, 0.8, (n, k))), 1, 10)
    return pd.DataFrame(
        {
            "image_id": np.repeat(np.arange(n), k),
            "reader_id": np.tile([f"r{j}" for j in range(k)], n),
            "score": scores.ravel(),
        }
    )
