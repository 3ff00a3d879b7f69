"""Where a model errs: its agreement with the MOS per degradation kind and severity (torch-free).

The digital reader study knows how each image was degraded (``truth.csv``: per dimension the
kind, e.g. ``overexposure`` or ``motion``, and a severity in [0, 1]). Splitting a split's
model-vs-MOS pairs by kind, and within a kind by severity tertile, shows which degradations a
model under- or over-scores (bias = model - MOS), how far it is off (MAE) and whether it still
orders the films of one kind (Pearson r within the kind). It is a diagnosis for choosing a model
on the validation split; the test split is not looked at this way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DIAGNOSIS_COLUMNS", "error_by_kind"]

#: Columns of :func:`error_by_kind`.
DIAGNOSIS_COLUMNS = ("dimension", "kind", "severity", "n", "mos", "model", "bias", "mae", "r")
#: Severity bands: tertiles of the severity within a kind.
BANDS = ("mild", "moderate", "severe")


def _row(dimension: str, kind: str, severity: str, pairs: pd.DataFrame) -> dict:
    difference = pairs["score"] - pairs["mos"]
    r = np.corrcoef(pairs["score"], pairs["mos"])[0, 1] if len(pairs) >= 5 and pairs["mos"].std() > 0 else np.nan
    return {"dimension": dimension, "kind": kind, "severity": severity, "n": len(pairs), "mos": pairs["mos"].mean(),
            "model": pairs["score"].mean(), "bias": difference.mean(), "mae": difference.abs().mean(), "r": r}  # fmt: skip


def error_by_kind(predictions: pd.DataFrame, truth: pd.DataFrame, *, split: str = "validation") -> pd.DataFrame:
    """Agreement of each dimension's model with the MOS per degradation kind, and per severity tertile.

    Parameters
    ----------
    predictions : pandas.DataFrame
        ``image_id, split, dimension, score, mos`` (the predict stage's files, concatenated).
    truth : pandas.DataFrame
        The study's ``truth.csv``: ``image_id`` and, per dimension, ``<dimension>_kind`` and
        ``<dimension>_severity``.
    split : str
        The split analysed.

    Returns
    -------
    pandas.DataFrame
        :data:`DIAGNOSIS_COLUMNS`; per dimension and kind one row ``severity = all`` and one per
        tertile of the kind's severities (``mild``, ``moderate``, ``severe``). ``r`` is left
        empty for fewer than five films.

    Examples
    --------
    >>> predictions = pd.DataFrame({"image_id": list("abcdef"), "split": "validation", "dimension": "sharpness",
    ...                             "score": [8.0, 7.0, 6.0, 8.5, 7.5, 3.0], "mos": [8.0, 7.5, 5.0, 8.0, 7.0, 4.0]})
    >>> truth = pd.DataFrame({"image_id": list("abcdef"), "sharpness_kind": ["motion"] * 6,
    ...                       "sharpness_severity": [0.1, 0.2, 0.5, 0.6, 0.8, 0.9]})
    >>> error_by_kind(predictions, truth).round(3)[["severity", "n", "bias", "mae"]].values.tolist()
    [['all', 6, 0.083, 0.583], ['mild', 2, -0.25, 0.25], ['moderate', 2, 0.75, 0.75], ['severe', 2, -0.25, 0.75]]
    """
    rows = []
    chosen = predictions[predictions["split"] == split]
    for dimension, pairs in chosen.groupby("dimension", sort=True):
        kinds = truth[["image_id", f"{dimension}_kind", f"{dimension}_severity"]]
        kinds = kinds.set_axis(["image_id", "kind", "severity"], axis=1)
        pairs = pairs.merge(kinds, on="image_id", how="inner", validate="one_to_one")
        for kind, films in pairs.groupby("kind", sort=True):
            rows.append(_row(dimension, kind, "all", films))
            bands = pd.qcut(films["severity"].rank(method="first"), len(BANDS), labels=list(BANDS))
            for band in BANDS:
                rows.append(_row(dimension, kind, band, films[bands == band]))
    return pd.DataFrame(rows, columns=list(DIAGNOSIS_COLUMNS))
