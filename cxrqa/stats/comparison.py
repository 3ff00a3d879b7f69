"""Paired comparison of two measurements of the same images: t-test, Pearson r, MAD.

Everything is computed as ``a - b`` (e.g. ``a`` = model score, ``b`` = reader MOS).

References
----------
.. [1] Student (1908). The probable error of a mean. *Biometrika* 6(1):1-25.
.. [2] Fisher RA (1921). On the "probable error" of a coefficient of correlation deduced
       from a small sample. *Metron* 1:3-32 (the z transformation used for the CI of r).
.. [3] Efron B, Tibshirani RJ (1993). *An Introduction to the Bootstrap*, ch. 14 (BCa).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxrqa.stats._result import make_frame
from cxrqa.stats._validate import check_confidence, paired_vectors
from cxrqa.stats.bootstrap import bootstrap

__all__ = ["paired_ttest", "pearson", "mad"]


def paired_ttest(a, b, *, confidence: float = 0.95) -> pd.DataFrame:
    """Paired-samples t-test of the mean difference ``a - b``.

    Parameters
    ----------
    a, b : array_like
        Paired measurements (same length, no NaN).
    confidence : float, default 0.95
        Level of the t-based CI of the mean difference.

    Returns
    -------
    pandas.DataFrame
        One row ``mean_difference``: estimate, ``se`` = s/√n, t-based CI, ``statistic`` = t,
        ``df1`` = n - 1, two-sided ``p_value``.

    Raises
    ------
    ValueError
        Mismatched lengths, NaN, fewer than two pairs, or constant differences (t undefined).

    Examples
    --------
    >>> res = paired_ttest([5.0, 6.0, 7.5, 8.0], [5.5, 6.0, 7.0, 7.0])
    >>> res[["estimate", "statistic", "df1"]].round(4).to_numpy().tolist()
    [[0.25, 0.7746, 3.0]]
    """
    confidence = check_confidence(confidence)
    x, y = paired_vectors(a, b)
    d = x - y
    n = d.size
    sd = d.std(ddof=1)
    if sd == 0:
        raise ValueError("the differences a - b are constant: the t statistic is undefined")
    se = sd / np.sqrt(n)
    t = d.mean() / se
    crit = stats.t.ppf(0.5 + confidence / 2, n - 1)
    return make_frame(
        [
            {
                "metric": "mean_difference",
                "estimate": d.mean(),
                "se": se,
                "ci_low": d.mean() - crit * se,
                "ci_high": d.mean() + crit * se,
                "statistic": t,
                "df1": n - 1,
                "p_value": 2 * stats.t.sf(abs(t), n - 1),
                "n": n,
                "method": "paired t-test of a - b, t-based CI",
            }
        ]
    )


def pearson(a, b, *, confidence: float = 0.95) -> pd.DataFrame:
    """Pearson correlation with Fisher-z confidence interval.

    Parameters
    ----------
    a, b : array_like
        Paired measurements (same length ≥ 4, no NaN, neither constant).
    confidence : float, default 0.95
        Level of the CI ``tanh(atanh(r) ± z / √(n - 3))``.

    Returns
    -------
    pandas.DataFrame
        One row ``pearson_r``: estimate, CI, ``statistic`` = t = r√(n-2)/√(1-r²),
        ``df1`` = n - 2, two-sided ``p_value`` (exact under bivariate normality).

    Raises
    ------
    ValueError
        Mismatched lengths, NaN, fewer than four pairs, or a constant input.

    Examples
    --------
    >>> res = pearson([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    >>> res[["estimate", "df1"]].round(3).to_numpy().tolist()
    [[0.8, 3.0]]
    """
    confidence = check_confidence(confidence)
    x, y = paired_vectors(a, b, min_n=4)
    for name, v in (("a", x), ("b", y)):
        if np.ptp(v) == 0:
            raise ValueError(f"{name} is constant: the correlation is undefined")
    n = x.size
    xc, yc = x - x.mean(), y - y.mean()
    r = float(np.clip((xc @ yc) / np.sqrt((xc @ xc) * (yc @ yc)), -1.0, 1.0))
    z = stats.norm.ppf(0.5 + confidence / 2)
    se_z = 1.0 / np.sqrt(n - 3)
    lo, hi = np.tanh(np.arctanh(r) - z * se_z), np.tanh(np.arctanh(r) + z * se_z)
    with np.errstate(divide="ignore"):
        t = r * np.sqrt((n - 2) / (1.0 - r**2)) if abs(r) < 1 else np.sign(r) * np.inf
    p = float(2 * stats.t.sf(abs(t), n - 2))
    return make_frame(
        [
            {
                "metric": "pearson_r",
                "estimate": r,
                "ci_low": lo,
                "ci_high": hi,
                "statistic": t,
                "df1": n - 2,
                "p_value": p,
                "n": n,
                "method": "Pearson product-moment r; Fisher z CI; t test of r = 0",
            }
        ]
    )


def mad(
    a,
    b,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    method: str = "bca",
    seed: int = 0,
) -> pd.DataFrame:
    """Mean absolute difference ``mean(|a - b|)`` with a seeded bootstrap CI.

    Parameters
    ----------
    a, b : array_like
        Paired measurements (same length ≥ 2, no NaN).
    confidence : float, default 0.95
        CI level.
    n_resamples : int, default 2000
        Bootstrap resamples of the pairs.
    method : {"bca", "percentile"}, default "bca"
        Bootstrap interval type.
    seed : int, default 0
        Seed; the same seed gives the same CI.

    Returns
    -------
    pandas.DataFrame
        One row ``mad``: estimate, bootstrap ``se`` and CI.

    Examples
    --------
    >>> res = mad([7.0, 8.0, 6.5, 9.0], [7.5, 7.0, 6.5, 8.0], seed=1)
    >>> float(res.loc[0, "estimate"])
    0.625
    """
    x, y = paired_vectors(a, b)
    absdiff = np.abs(x - y)
    frame = pd.DataFrame({"absdiff": absdiff})
    res = bootstrap(
        frame,
        lambda w: (w @ absdiff) / w.sum(axis=1),
        n_resamples=n_resamples,
        method=method,
        confidence=confidence,
        seed=seed,
        metric="mad",
    )
    res["method"] = "mean absolute difference |a - b|; " + res["method"]
    return res
