"""Spearman's rank correlation (SRCC) of paired scores, with a seeded BCa bootstrap interval.

The point estimate is the Pearson correlation of the mid-ranks (ties share the mean of their
ranks), as :func:`scipy.stats.spearmanr` and R's ``cor(method = "spearman")``. The interval is
the bootstrap of the pairs, not a closed form: the Fisher-z interval with the variance
1.06 / (n - 3) of Fieller et al. was derived for bivariate normal data, which tied 1-10 opinion
scores are not.

References
----------
.. [1] Spearman C (1904). The proof and measurement of association between two things.
       *Am J Psychol* 15(1):72-101.
.. [2] Fieller EC, Hartley HO, Pearson ES (1957). Tests for rank correlation coefficients. I.
       *Biometrika* 44(3/4):470-481.
.. [3] Efron B, Tibshirani RJ (1993). *An Introduction to the Bootstrap*, ch. 14 (BCa).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxrqa.stats._validate import paired_vectors
from cxrqa.stats.bootstrap import bootstrap

__all__ = ["spearman", "spearman_weighted"]


def _midranks(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``(B, n)`` mid-rank of each value of ``x`` in each weighted resample."""
    values, group = np.unique(x, return_inverse=True)
    per_value = weights @ (group[:, None] == np.arange(values.size)[None, :]).astype(float)
    below = np.cumsum(per_value, axis=1) - per_value
    return (below + (per_value + 1.0) / 2.0)[:, group]


def spearman_weighted(x, y, weights) -> np.ndarray:
    """Spearman's rho of many bootstrap resamples given as frequency weights, at once.

    A row drawn ``w`` times takes the mid-rank of its value in the resample, so the result equals
    :func:`scipy.stats.spearmanr` on the expanded resample (ties get mid-ranks).

    Parameters
    ----------
    x, y : array_like
        ``(n,)`` paired values.
    weights : array_like
        ``(B, n)`` frequency weights (:func:`cxrqa.stats.bootstrap_weights`).

    Returns
    -------
    numpy.ndarray
        ``(B,)`` rank correlations (NaN for a resample in which ``x`` or ``y`` is constant).

    Examples
    --------
    >>> x, y = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 4.0])
    >>> spearman_weighted(x, y, np.array([[1.0, 1, 1, 1], [2, 0, 1, 1]])).round(4)
    array([0.8, 1. ])
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    w = np.atleast_2d(np.asarray(weights, float))
    rx, ry = _midranks(x, w), _midranks(y, w)
    total = w.sum(axis=1, keepdims=True)
    dx = rx - (w * rx).sum(axis=1, keepdims=True) / total
    dy = ry - (w * ry).sum(axis=1, keepdims=True) / total
    with np.errstate(invalid="ignore", divide="ignore"):
        return (w * dx * dy).sum(axis=1) / np.sqrt((w * dx**2).sum(axis=1) * (w * dy**2).sum(axis=1))


def spearman(a, b, *, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Spearman's rank correlation of paired values with a seeded BCa bootstrap CI.

    Parameters
    ----------
    a, b : array_like
        Paired measurements (same length ≥ 3, no NaN).
    confidence : float, default 0.95
        CI level.
    n_resamples : int, default 2000
        Bootstrap resamples of the pairs.
    seed : int, default 0
        Seed; the same seed gives the same CI, and the same seed for several methods on the same
        images resamples the same images (common random numbers).

    Returns
    -------
    pandas.DataFrame
        One row ``srcc`` in :data:`cxrqa.stats.COLUMNS`: the estimate, the bootstrap ``se`` and CI.

    Raises
    ------
    ValueError
        Mismatched lengths, NaN or infinite values, or fewer than three pairs.

    References
    ----------
    .. [1] Spearman C (1904). *Am J Psychol* 15(1):72-101.
    .. [2] Efron B, Tibshirani RJ (1993). *An Introduction to the Bootstrap*, ch. 14.

    Examples
    --------
    >>> res = spearman([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5], n_resamples=200, seed=1)
    >>> round(float(res.loc[0, "estimate"]), 4), bool(res.loc[0, "ci_low"] < 0.8286 < res.loc[0, "ci_high"])
    (0.8286, True)
    """
    x, y = paired_vectors(a, b, min_n=3)
    result = bootstrap(pd.DataFrame({"a": x, "b": y}), lambda w: spearman_weighted(x, y, w), n_resamples=n_resamples,
                       confidence=confidence, seed=seed, metric="srcc")
    result["method"] = "Spearman rank correlation (mid-ranks); " + result["method"]
    return result
