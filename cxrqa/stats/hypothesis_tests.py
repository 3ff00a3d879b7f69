"""Group comparisons for the study tables: one-way ANOVA, Pearson chi-square, Wilcoxon signed-rank.

These reproduce Table 2 of the paper (age by split: ANOVA; sex by split: chi-square) and give
a rank-based alternative to the paired t-test of reading times in Table 4.

References
----------
.. [1] Fisher RA (1925). *Statistical Methods for Research Workers*. Oliver & Boyd (ANOVA).
.. [2] Pearson K (1900). On the criterion that a given system of deviations from the
       probable ... *Philos Mag* 50(302):157-175.
.. [3] Cramér H (1946). *Mathematical Methods of Statistics*. Princeton, p. 282 (V).
.. [4] Wilcoxon F (1945). Individual comparisons by ranking methods. *Biometrics Bull*
       1(6):80-83.
.. [5] Hodges JL, Lehmann EL (1963). Estimates of location based on rank tests.
       *Ann Math Stat* 34(2):598-611.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxrqa.stats._result import make_frame
from cxrqa.stats._validate import paired_vectors, require_columns

__all__ = ["anova_oneway", "chi_square", "wilcoxon"]


def anova_oneway(data: pd.DataFrame, dv: str, between: str) -> pd.DataFrame:
    """One-way between-groups ANOVA (e.g. age by data split).

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy data.
    dv : str
        Numeric outcome column (no NaN).
    between : str
        Grouping column (at least two groups, at least one group with two values).

    Returns
    -------
    pandas.DataFrame
        One row ``anova``: ``estimate`` = eta squared (SS_between / SS_total),
        ``statistic`` = F, ``df1``/``df2``, ``p_value``, ``n`` = observations.

    Raises
    ------
    ValueError
        Missing columns, NaN, fewer than two groups, or no within-group variation.

    Examples
    --------
    >>> df = pd.DataFrame({"age": [30, 40, 50, 35, 45, 60, 20, 25], "split": list("aaabbbcc")})
    >>> anova_oneway(df, "age", "split")[["statistic", "df1", "df2"]].round(3).to_numpy().tolist()
    [[3.391, 2.0, 5.0]]
    """
    require_columns(data, [dv, between])
    y = pd.to_numeric(data[dv], errors="coerce")
    if y.isna().any() or data[between].isna().any():
        raise ValueError(f"columns {dv!r}/{between!r} contain NaN or non-numeric values")
    groups = [g.to_numpy(dtype=float) for _, g in y.groupby(data[between], sort=True)]
    k, n = len(groups), len(y)
    if k < 2:
        raise ValueError(f"need at least two groups in {between!r}, got {k}")
    grand = y.mean()
    ss_b = sum(g.size * (g.mean() - grand) ** 2 for g in groups)
    ss_w = sum(((g - g.mean()) ** 2).sum() for g in groups)
    if n - k < 1 or ss_w == 0:
        raise ValueError("no within-group variation: the F statistic is undefined")
    f = (ss_b / (k - 1)) / (ss_w / (n - k))
    return make_frame(
        [
            {
                "metric": "anova",
                "estimate": ss_b / (ss_b + ss_w),
                "statistic": f,
                "df1": k - 1,
                "df2": n - k,
                "p_value": stats.f.sf(f, k - 1, n - k),
                "n": n,
                "method": f"one-way ANOVA of {dv} by {between} ({k} groups); estimate = eta squared",
            }
        ]
    )


def chi_square(data: pd.DataFrame, row: str, col: str, *, count: str | None = None, correction: bool = False) -> pd.DataFrame:
    """Pearson chi-square test of independence of two categorical columns (e.g. sex by split).

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy data, one row per subject, or one row per cell with a ``count`` column.
    row, col : str
        Categorical columns.
    count : str, optional
        Column of cell counts, for pre-tabulated data.
    correction : bool, default False
        Yates' continuity correction (2x2 tables only); the paper reports the plain Pearson
        statistic.

    Returns
    -------
    pandas.DataFrame
        One row ``chi_square``: ``estimate`` = Cramér's V, ``statistic`` = chi-square,
        ``df1``, ``p_value``, ``n`` = total count.

    Raises
    ------
    ValueError
        Missing columns or values, fewer than two levels in either column, negative counts.

    Examples
    --------
    >>> df = pd.DataFrame({"sex": list("MMFFMFMF"), "split": list("aabbaabb")})
    >>> chi_square(df, "sex", "split")[["statistic", "df1"]].to_numpy().tolist()
    [[2.0, 1.0]]
    """
    cols = [row, col] + ([count] if count else [])
    require_columns(data, cols)
    if data[cols].isna().any().any():
        raise ValueError(f"columns {cols} contain missing values")
    if count:
        w = pd.to_numeric(data[count], errors="coerce")
        if w.isna().any() or (w < 0).any():
            raise ValueError(f"column {count!r} must hold non-negative counts")
        table = pd.crosstab(data[row], data[col], values=w, aggfunc="sum").fillna(0)
    else:
        table = pd.crosstab(data[row], data[col])
    if min(table.shape) < 2:
        raise ValueError(f"need at least two levels in {row!r} and in {col!r}, got table {table.shape}")
    obs = table.to_numpy(dtype=float)
    chi2, p, dof, _ = stats.chi2_contingency(obs, correction=correction)
    n = obs.sum()
    v = np.sqrt(chi2 / (n * (min(obs.shape) - 1)))
    return make_frame(
        [
            {
                "metric": "chi_square",
                "estimate": v,
                "statistic": chi2,
                "df1": dof,
                "p_value": p,
                "n": int(n),
                "method": (
                    f"Pearson chi-square test of {row} x {col} ({obs.shape[0]}x{obs.shape[1]})"
                    f"{', Yates-corrected' if correction and obs.shape == (2, 2) else ''}; estimate = Cramér's V"
                ),
            }
        ]
    )


def wilcoxon(a, b, *, method: str = "auto") -> pd.DataFrame:
    """Wilcoxon signed-rank test of the paired differences ``a - b``.

    Parameters
    ----------
    a, b : array_like
        Paired measurements (same length, no NaN), e.g. model vs reader seconds per image.
    method : {"auto", "exact", "approx"}, default "auto"
        p-value computation, passed to :func:`scipy.stats.wilcoxon` (zero differences are
        dropped, Wilcoxon's convention).

    Returns
    -------
    pandas.DataFrame
        One row ``wilcoxon``: ``estimate`` = Hodges-Lehmann pseudo-median of ``a - b``
        (median of the Walsh averages), ``statistic`` = W = min(W+, W-), ``p_value``
        (two-sided), ``n`` = pairs.

    Raises
    ------
    ValueError
        Mismatched lengths, NaN, fewer than two pairs, or all differences zero.

    Examples
    --------
    >>> res = wilcoxon([11.2, 10.5, 12.0, 9.8, 10.9], [3.0, 3.1, 2.9, 3.2, 3.0])
    >>> res[["statistic", "p_value"]].round(4).to_numpy().tolist()
    [[0.0, 0.0625]]
    """
    x, y = paired_vectors(a, b)
    d = x - y
    if np.all(d == 0):
        raise ValueError("all differences a - b are zero: the signed-rank test is undefined")
    res = stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided", method=method)
    iu = np.triu_indices(d.size)
    hl = float(np.median((d[iu[0]] + d[iu[1]]) / 2.0))
    return make_frame(
        [
            {
                "metric": "wilcoxon",
                "estimate": hl,
                "statistic": float(res.statistic),
                "p_value": float(res.pvalue),
                "n": d.size,
                "method": f"Wilcoxon signed-rank test of a - b (zeros dropped, p {method}); estimate = Hodges-Lehmann pseudo-median",
            }
        ]
    )
