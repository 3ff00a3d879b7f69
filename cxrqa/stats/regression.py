"""Ordinary least-squares line of ``y`` on ``x`` and the confidence band of its mean response.

The paper's Figure 9 draws the model score against the MOS with the fitted line and its 95%
band (MedCalc's "regression line with 95% confidence interval"). The band is that of the mean
response at ``x0``, ``fit(x0) ± t(n-2) · s · sqrt(1/n + (x0 - mean x)² / Sxx)``, not the wider
prediction band of single new observations.

References
----------
.. [1] Draper NR, Smith H (1998). *Applied Regression Analysis*, 3rd ed., Wiley, ch. 1
       (the straight-line fit, its standard errors and the confidence band of the mean response).
.. [2] Anscombe FJ (1973). Graphs in statistical analysis. *Am Stat* 27(1):17-21 (the worked
       example in the tests).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxrqa.stats._result import make_frame
from cxrqa.stats._validate import check_confidence, paired_vectors

__all__ = ["linear_regression", "regression_band"]


def _fit(x, y):
    """Validated vectors and scipy's least-squares fit of ``y`` on ``x``."""
    x, y = paired_vectors(x, y, names=("x", "y"), min_n=3)
    if np.ptp(x) == 0:
        raise ValueError("x is constant: the regression slope is undefined")
    return x, y, stats.linregress(x, y)


def linear_regression(x, y, *, confidence: float = 0.95) -> pd.DataFrame:
    """Least-squares line of ``y`` on ``x``: slope and intercept with t-based CIs, and R².

    Parameters
    ----------
    x, y : array_like
        Paired values (same length ≥ 3, no NaN, ``x`` not constant); ``y`` is regressed on ``x``.
    confidence : float, default 0.95
        Level of the t-based CIs (``n - 2`` degrees of freedom).

    Returns
    -------
    pandas.DataFrame
        Rows ``slope`` and ``intercept`` (estimate, ``se``, CI, ``statistic`` = t of H0: 0,
        ``df1`` = n - 2, two-sided ``p_value``) and ``r_squared`` (estimate only).

    Raises
    ------
    ValueError
        Mismatched lengths, NaN or infinite values, fewer than three pairs, or a constant ``x``.

    References
    ----------
    .. [1] Draper NR, Smith H (1998). *Applied Regression Analysis*, 3rd ed., ch. 1.

    Examples
    --------
    Anscombe's (1973) first data set: y = 3 + 0.5 x, standard error of the slope 0.118, R² 0.667.

    >>> x = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5]
    >>> y = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68]
    >>> linear_regression(x, y)[["metric", "estimate", "se"]].round(3).to_numpy().tolist()
    [['slope', 0.5, 0.118], ['intercept', 3.0, 1.125], ['r_squared', 0.667, nan]]
    """
    confidence = check_confidence(confidence)
    x, y, fit = _fit(x, y)
    n = x.size
    crit = stats.t.ppf(0.5 + confidence / 2, n - 2)
    rows = []
    for name, estimate, se in (("slope", fit.slope, fit.stderr), ("intercept", fit.intercept, fit.intercept_stderr)):
        with np.errstate(divide="ignore", invalid="ignore"):
            t = estimate / se
        rows.append({"metric": name, "estimate": estimate, "se": se, "ci_low": estimate - crit * se, "ci_high": estimate + crit * se,
                     "statistic": t, "df1": n - 2, "p_value": 2 * stats.t.sf(abs(t), n - 2), "n": n,
                     "method": "ordinary least squares of y on x; t-based CI and t test of 0"})
    rows.append({"metric": "r_squared", "estimate": fit.rvalue**2, "n": n, "method": "ordinary least squares of y on x; coefficient of determination"})
    return make_frame(rows)


def regression_band(x, y, *, confidence: float = 0.95, n_points: int = 50) -> pd.DataFrame:
    """The fitted line of ``y`` on ``x`` and the confidence band of its mean response, on a grid.

    Parameters
    ----------
    x, y : array_like
        As :func:`linear_regression`.
    confidence : float, default 0.95
        Level of the band.
    n_points : int, default 50
        Grid points, evenly spaced from ``min(x)`` to ``max(x)``.

    Returns
    -------
    pandas.DataFrame
        ``x, fit, ci_low, ci_high``, one row per grid point.

    References
    ----------
    .. [1] Draper NR, Smith H (1998). *Applied Regression Analysis*, 3rd ed., ch. 1.

    Examples
    --------
    >>> band = regression_band([1, 2, 3, 4], [2.1, 3.9, 6.2, 7.8], n_points=3)
    >>> band.round(2).to_numpy().tolist()
    [[1.0, 2.09, 1.36, 2.82], [2.5, 5.0, 4.56, 5.44], [4.0, 7.91, 7.18, 8.64]]
    """
    confidence = check_confidence(confidence)
    x, y, fit = _fit(x, y)
    n = x.size
    residual = y - (fit.intercept + fit.slope * x)
    s = np.sqrt(residual @ residual / (n - 2))
    grid = np.linspace(x.min(), x.max(), n_points)
    se = s * np.sqrt(1 / n + (grid - x.mean()) ** 2 / ((x - x.mean()) @ (x - x.mean())))
    t = stats.t.ppf(0.5 + confidence / 2, n - 2)
    mean = fit.intercept + fit.slope * grid
    return pd.DataFrame({"x": grid, "fit": mean, "ci_low": mean - t * se, "ci_high": mean + t * se})
