"""The human ceiling: how well each reader agrees with the mean of the other readers.

A model that agrees with the MOS as well as a single reader agrees with the others' MOS has
reached the human ceiling; this module gives the per-reader numbers to compare against.

References
----------
.. [1] Shrout PE, Fleiss JL (1979). *Psychol Bull* 86(2):420-428.
.. [2] Bland JM, Altman DG (1999). *Stat Methods Med Res* 8(2):135-160.
"""

from __future__ import annotations

import pandas as pd

from cxrqa.stats._result import COLUMNS
from cxrqa.stats._validate import check_confidence, long_to_wide
from cxrqa.stats.comparison import mad, paired_ttest, pearson
from cxrqa.stats.icc import icc_pair

__all__ = ["reader_vs_rest"]


def reader_vs_rest(
    data: pd.DataFrame,
    targets: str,
    raters: str,
    ratings: str,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Agreement of every reader with the mean opinion score of the other readers.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy ratings, one row per (target, rater); complete design, at least three raters.
    targets, raters, ratings : str
        Column names.
    confidence : float, default 0.95
        Level of every interval.
    n_resamples : int, default 2000
        Bootstrap resamples for the MAD interval.
    seed : int, default 0
        Bootstrap seed.

    Returns
    -------
    pandas.DataFrame
        A leading column named after ``raters`` (the reader), then :data:`COLUMNS`; per
        reader the rows :data:`~cxrqa.stats.ICC_A1` (:func:`~cxrqa.stats.icc_pair` of the
        reader and the rest-MOS), ``pearson_r``, ``mad`` and ``mean_difference`` (reader - rest MOS).

    Raises
    ------
    ValueError
        As :func:`cxrqa.stats.icc`, or fewer than three raters.

    Examples
    --------
    >>> df = pd.DataFrame({"img": sorted(list(range(6)) * 3), "reader": ["a", "b", "c"] * 6,
    ...                    "score": [7, 8, 7, 5, 5, 6, 9, 9, 8, 3, 4, 3, 6, 6, 7, 8, 7, 8]})
    >>> res = reader_vs_rest(df, "img", "reader", "score", n_resamples=200)
    >>> res.loc[res["metric"] == "pearson_r", "reader"].tolist()
    ['a', 'b', 'c']
    """
    confidence = check_confidence(confidence)
    wide = long_to_wide(data, targets, raters, ratings)
    if wide.shape[1] < 3:
        raise ValueError(f"need at least three raters to compare each with the others' mean, got {wide.shape[1]}")
    frames = []
    for reader in wide.columns:
        own = wide[reader].to_numpy()
        rest = wide.drop(columns=reader).mean(axis=1).to_numpy()
        parts = [
            icc_pair(own, rest, confidence=confidence),
            pearson(own, rest, confidence=confidence),
            mad(own, rest, confidence=confidence, n_resamples=n_resamples, seed=seed),
            paired_ttest(own, rest, confidence=confidence),
        ]
        frame = pd.concat(parts, ignore_index=True)
        frame["method"] = f"reader {reader} vs mean of the other {wide.shape[1] - 1} readers; " + frame["method"]
        frame.insert(0, raters, reader)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out[[raters, *COLUMNS]]
