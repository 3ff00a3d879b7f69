"""Chance-corrected agreement for categorical ratings: Fleiss' kappa and weighted Cohen's kappa.

References
----------
.. [1] Fleiss JL (1971). Measuring nominal scale agreement among many raters.
       *Psychol Bull* 76(5):378-382.
.. [2] Fleiss JL, Nee JCM, Landis JR (1979). Large sample variance of kappa in the case of
       different sets of raters. *Psychol Bull* 86(5):974-977 (SE under H0 for Fleiss' kappa).
.. [3] Cohen J (1968). Weighted kappa: nominal scale agreement with provision for scaled
       disagreement or partial credit. *Psychol Bull* 70(4):213-220.
.. [4] Fleiss JL, Cohen J, Everitt BS (1969). Large sample standard errors of kappa and
       weighted kappa. *Psychol Bull* 72(5):323-327.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cxrqa.stats._result import make_frame
from cxrqa.stats._validate import check_confidence, long_to_wide, require_columns
from cxrqa.stats.bootstrap import bootstrap

__all__ = ["fleiss_kappa", "weighted_kappa"]


def _fleiss_from_counts(counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Fleiss' kappa of (B, n) target weightings of an (n, c) count table."""
    m = counts.sum(axis=1)[0]
    p_i = ((counts**2).sum(axis=1) - m) / (m * (m - 1))
    tot = weights.sum(axis=1)
    p_bar = weights @ p_i / tot
    p_j = (weights @ counts) / (tot * m)[:, None]
    p_e = (p_j**2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (p_bar - p_e) / (1 - p_e)


def fleiss_kappa(
    data: pd.DataFrame,
    targets: str,
    raters: str,
    ratings: str,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Fleiss' kappa for many raters assigning nominal categories.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy ratings, one row per (target, rater); complete design.
    targets, raters, ratings : str
        Column names; the categories are the distinct values of ``ratings``.
    confidence : float, default 0.95
        Level of the CI.
    n_resamples : int, default 2000
        Bootstrap resamples of targets for the CI (percentile).
    seed : int, default 0
        Bootstrap seed.

    Returns
    -------
    pandas.DataFrame
        One row ``fleiss_kappa``: estimate, percentile bootstrap CI over targets with its
        ``se``, ``statistic`` = z = kappa / SE0 with the SE under H0 of Fleiss, Nee & Landis
        (1979), two-sided ``p_value``, ``n`` = targets.

    Raises
    ------
    ValueError
        Incomplete design, NaN, fewer than two targets or raters, or a single category used
        by everyone (kappa undefined).

    References
    ----------
    .. [1] Fleiss JL (1971). *Psychol Bull* 76:378-382.
    .. [2] Fleiss JL, Nee JCM, Landis JR (1979). *Psychol Bull* 86:974-977.

    Examples
    --------
    >>> ok = [1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0]
    >>> df = pd.DataFrame({"img": np.repeat(np.arange(8), 3), "reader": ["a", "b", "c"] * 8, "ok": ok})
    >>> float(fleiss_kappa(df, "img", "reader", "ok").loc[0, "estimate"].round(4))
    0.4965
    """
    confidence = check_confidence(confidence)
    wide = long_to_wide(data, targets, raters, ratings).to_numpy()
    cats = np.unique(wide)
    if cats.size < 2:
        raise ValueError("every rating falls in one category: kappa is undefined")
    n, m = wide.shape
    counts = (wide[:, :, None] == cats[None, None, :]).sum(axis=1).astype(float)
    kappa = float(_fleiss_from_counts(counts, np.ones((1, n)))[0])
    p_j = counts.sum(axis=0) / (n * m)
    p_e = float((p_j**2).sum())
    var0 = 2.0 / (n * m * (m - 1)) * (p_e - (2 * m - 3) * p_e**2 + 2 * (m - 2) * (p_j**3).sum()) / (1 - p_e) ** 2
    z = kappa / np.sqrt(var0) if var0 > 0 else np.nan
    boot = bootstrap(
        pd.DataFrame({"t": np.arange(n)}),
        lambda w: _fleiss_from_counts(counts, w),
        n_resamples=n_resamples,
        method="percentile",
        confidence=confidence,
        seed=seed,
    )
    return make_frame(
        [
            {
                "metric": "fleiss_kappa",
                "estimate": kappa,
                "se": boot.loc[0, "se"],
                "ci_low": boot.loc[0, "ci_low"],
                "ci_high": boot.loc[0, "ci_high"],
                "statistic": z,
                "p_value": 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else np.nan,
                "n": n,
                "method": (
                    f"Fleiss (1971) kappa, {m} raters, {cats.size} categories; z test with SE under H0 "
                    f"(Fleiss, Nee & Landis 1979); CI: {boot.loc[0, 'method']} (targets)"
                ),
            }
        ]
    )


def weighted_kappa(
    a,
    b,
    *,
    weights: str | None = "linear",
    categories: Sequence | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Cohen's (weighted) kappa between two raters on an ordered scale.

    Parameters
    ----------
    a, b : array_like
        Ratings of the same targets by the two raters (same length, no missing values).
    weights : {"linear", "quadratic", None}, default "linear"
        Agreement weights ``1 - |i-j|/(c-1)`` (linear), ``1 - (i-j)²/(c-1)²`` (quadratic), or
        unweighted kappa (None).
    categories : sequence, optional
        The ordered categories (e.g. ``range(1, 11)``), so that unused categories still
        count in the weights; defaults to the sorted values seen.
    confidence : float, default 0.95
        Level of the Wald CI.

    Returns
    -------
    pandas.DataFrame
        One row (``kappa``, ``weighted_kappa_linear`` or ``weighted_kappa_quadratic``):
        estimate, large-sample ``se`` and CI of Fleiss, Cohen & Everitt (1969),
        ``statistic`` = z with the SE under H0, two-sided ``p_value``.

    Raises
    ------
    ValueError
        Mismatched lengths, missing values, a rating outside ``categories``, an unknown
        weighting, or expected agreement of 1 (e.g. both raters constant).

    References
    ----------
    .. [1] Cohen J (1968). *Psychol Bull* 70:213-220.
    .. [2] Fleiss JL, Cohen J, Everitt BS (1969). *Psychol Bull* 72:323-327.

    Examples
    --------
    >>> res = weighted_kappa([1, 2, 3, 3, 2, 1], [1, 2, 3, 2, 2, 2], weights="quadratic")
    >>> float(res.loc[0, "estimate"].round(4))
    0.6667
    """
    confidence = check_confidence(confidence)
    if weights not in ("linear", "quadratic", None):
        raise ValueError(f"weights must be 'linear', 'quadratic' or None, got {weights!r}")
    frame = pd.DataFrame({"a": pd.Series(np.asarray(a, dtype=object)), "b": pd.Series(np.asarray(b, dtype=object))})
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise ValueError("a and b must be one-dimensional")
    if len(np.asarray(a, dtype=object)) != len(np.asarray(b, dtype=object)):
        raise ValueError(f"a and b have different lengths ({len(a)} and {len(b)})")
    require_columns(frame, ["a", "b"])
    if frame.isna().any().any():
        raise ValueError("a or b contains missing values")
    n = len(frame)
    if n < 2:
        raise ValueError(f"need at least two rated targets, got {n}")
    cats = list(categories) if categories is not None else sorted(pd.unique(frame[["a", "b"]].to_numpy().ravel()))
    index = {c: i for i, c in enumerate(cats)}
    for col in ("a", "b"):
        bad = [v for v in pd.unique(frame[col]) if v not in index]
        if bad:
            raise ValueError(f"{col} has ratings outside the categories: {bad[:5]}")
    c = len(cats)
    ia = frame["a"].map(index).to_numpy(dtype=int)
    ib = frame["b"].map(index).to_numpy(dtype=int)
    p = np.zeros((c, c))
    np.add.at(p, (ia, ib), 1.0)
    p /= n
    i, j = np.indices((c, c))
    if weights is None or c == 1:
        w = (i == j).astype(float)
    elif weights == "linear":
        w = 1.0 - np.abs(i - j) / (c - 1)
    else:
        w = 1.0 - (i - j) ** 2 / (c - 1) ** 2
    pr, pc = p.sum(axis=1), p.sum(axis=0)
    po = float((w * p).sum())
    pe = float((w * np.outer(pr, pc)).sum())
    if np.isclose(pe, 1.0):
        raise ValueError("expected agreement is 1 (constant raters): kappa is undefined")
    kappa = (po - pe) / (1 - pe)
    wr = w @ pc  # weighted mean over columns for each row category
    wc = pr @ w  # weighted mean over rows for each column category
    mix = wr[:, None] + wc[None, :]
    var = ((p * (w - mix * (1 - kappa)) ** 2).sum() - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2)
    var0 = ((np.outer(pr, pc) * (w - mix) ** 2).sum() - pe**2) / (n * (1 - pe) ** 2)
    se, se0 = np.sqrt(max(var, 0.0)), np.sqrt(max(var0, 0.0))
    zc = stats.norm.ppf(0.5 + confidence / 2)
    z = kappa / se0 if se0 > 0 else np.nan
    name = "kappa" if weights is None else f"weighted_kappa_{weights}"
    return make_frame(
        [
            {
                "metric": name,
                "estimate": kappa,
                "se": se,
                "ci_low": kappa - zc * se,
                "ci_high": kappa + zc * se,
                "statistic": z,
                "p_value": 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else np.nan,
                "n": n,
                "method": (
                    f"Cohen's kappa, {weights or 'unweighted'} agreement weights over {c} categories; "
                    "SE and z test of Fleiss, Cohen & Everitt (1969)"
                ),
            }
        ]
    )
