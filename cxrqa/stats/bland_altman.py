"""Bland-Altman agreement analysis: bias, limits of agreement and their confidence intervals.

The difference is always ``a - b`` (e.g. model minus MOS), the mean is ``(a + b) / 2``.
Rows (``metric``):

- ``bias`` (mean difference, t-based CI) and ``sd_difference``;
- ``loa_low`` / ``loa_high``: bias ∓ ``multiplier`` · SD, with the approximate CI of Bland &
  Altman (1999): SE = s·√(1/n + z²/(2(n-1))), limit ± t(n-1)·SE (``approx="1986"`` uses
  the 1986 paper's SE = √(3s²/n));
- ``loa_low_exact`` / ``loa_high_exact``: the same limits with exact CIs from the noncentral t
  distribution (Carkeet 2015), which are asymmetric;
- ``proportional_bias_slope`` (+ intercept): OLS regression of the difference on the mean,
  t test of slope = 0 (a significant slope means the difference depends on the magnitude);
- ``loa_regression_*``: the regression-based limits of Bland & Altman (1999, section 3.2):
  bias(m) = b0 + b1·m, and the absolute residuals regressed on m give
  SD(m) = √(π/2)·(c0 + c1·m); limits = bias(m) ± z·SD(m). Coefficients are reported as
  rows, so limits at any mean can be drawn; use them when the slope test is significant.

References
----------
.. [1] Bland JM, Altman DG (1986). Statistical methods for assessing agreement between two
       methods of clinical measurement. *Lancet* 327(8476):307-310.
.. [2] Bland JM, Altman DG (1999). Measuring agreement in method comparison studies.
       *Stat Methods Med Res* 8(2):135-160.
.. [3] Carkeet A (2015). Exact parametric confidence intervals for Bland-Altman limits of
       agreement. *Optom Vis Sci* 92(3):e71-e80.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxrqa.stats._result import make_frame
from cxrqa.stats._validate import check_confidence, paired_vectors

__all__ = ["bland_altman"]


def bland_altman(
    a,
    b,
    *,
    confidence: float = 0.95,
    multiplier: float = 1.959963984540054,
    approx: str = "1999",
) -> pd.DataFrame:
    """Bland-Altman bias and limits of agreement of ``a - b`` with confidence intervals.

    Parameters
    ----------
    a, b : array_like
        Paired measurements of the same subjects by the two methods (same length ≥ 3,
        no NaN). Difference = ``a - b``.
    confidence : float, default 0.95
        Level of every CI.
    multiplier : float, default 1.96 (the normal 97.5% quantile)
        Limits are bias ± multiplier·SD (Bland & Altman 1986 used 2).
    approx : {"1999", "1986"}, default "1999"
        SE of a limit for the approximate CI: ``"1999"`` s·√(1/n + z²/(2(n-1))),
        ``"1986"`` s·√(3/n) (the original paper, exact for z = 2 up to n vs n - 1).

    Returns
    -------
    pandas.DataFrame
        Rows ``bias``, ``sd_difference``, ``loa_low``, ``loa_high``, ``loa_low_exact``,
        ``loa_high_exact``, ``proportional_bias_intercept``, ``proportional_bias_slope``,
        ``loa_regression_sd_intercept``, ``loa_regression_sd_slope``; see the module
        docstring for each definition.

    Raises
    ------
    ValueError
        Mismatched lengths, NaN, fewer than three pairs, or unknown ``approx``.

    References
    ----------
    .. [1] Bland JM, Altman DG (1986). *Lancet* 327(8476):307-310.
    .. [2] Bland JM, Altman DG (1999). *Stat Methods Med Res* 8(2):135-160.
    .. [3] Carkeet A (2015). *Optom Vis Sci* 92(3):e71-e80.

    Examples
    --------
    >>> res = bland_altman([7.1, 8.0, 6.2, 9.1, 5.0], [7.0, 7.6, 6.5, 8.8, 5.1])
    >>> res.set_index("metric").loc[["bias", "loa_low", "loa_high"], "estimate"].round(3).tolist()
    [0.08, -0.481, 0.641]
    """
    confidence = check_confidence(confidence)
    if approx not in ("1999", "1986"):
        raise ValueError(f"approx must be '1999' or '1986', got {approx!r}")
    z = float(multiplier)
    if not z > 0:
        raise ValueError(f"multiplier must be positive, got {multiplier}")
    x, y = paired_vectors(a, b, min_n=3)
    d = x - y
    m = (x + y) / 2.0
    n = d.size
    bias = d.mean()
    sd = d.std(ddof=1)
    se_bias = sd / np.sqrt(n)
    t_crit = stats.t.ppf(0.5 + confidence / 2, n - 1)
    alpha = 1.0 - confidence
    label = f"difference a - b; limits = bias ± {z:.4g} SD"

    rows = [
        {
            "metric": "bias",
            "estimate": bias,
            "se": se_bias,
            "ci_low": bias - t_crit * se_bias,
            "ci_high": bias + t_crit * se_bias,
            "statistic": bias / se_bias if sd > 0 else np.nan,
            "df1": n - 1,
            "p_value": 2 * stats.t.sf(abs(bias / se_bias), n - 1) if sd > 0 else np.nan,
            "n": n,
            "method": f"{label}; mean difference, t-based CI, one-sample t test of bias = 0",
        },
        {"metric": "sd_difference", "estimate": sd, "n": n, "method": f"{label}; SD of the differences (n - 1)"},
    ]

    se_loa = sd * (np.sqrt(3.0 / n) if approx == "1986" else np.sqrt(1.0 / n + z**2 / (2.0 * (n - 1))))
    ref = "Bland & Altman 1986, SE = sqrt(3 s^2 / n)" if approx == "1986" else "Bland & Altman 1999, SE = s sqrt(1/n + z^2/(2(n-1)))"
    for name, sign in (("loa_low", -1.0), ("loa_high", 1.0)):
        lim = bias + sign * z * sd
        rows.append(
            {
                "metric": name,
                "estimate": lim,
                "se": se_loa,
                "ci_low": lim - t_crit * se_loa,
                "ci_high": lim + t_crit * se_loa,
                "df1": n - 1,
                "n": n,
                "method": f"{label}; approximate CI limit ± t(n-1) SE ({ref})",
            }
        )

    # Exact: (d̄ + z s - μ_upper)… pivot: √n (d̄ - (μ + zσ))/s ~ noncentral t(n-1, -z√n).
    nc = z * np.sqrt(n)
    q_lo, q_hi = stats.nct.ppf([alpha / 2, 1 - alpha / 2], n - 1, nc) / np.sqrt(n)
    exact = {
        "loa_high_exact": (bias + z * sd, bias + q_lo * sd, bias + q_hi * sd),
        "loa_low_exact": (bias - z * sd, bias - q_hi * sd, bias - q_lo * sd),
    }
    for name in ("loa_low_exact", "loa_high_exact"):
        est, lo, hi = exact[name]
        rows.append(
            {
                "metric": name,
                "estimate": est,
                "ci_low": lo,
                "ci_high": hi,
                "df1": n - 1,
                "n": n,
                "method": f"{label}; exact CI from the noncentral t distribution (Carkeet 2015)",
            }
        )

    # Proportional bias: regress d on m.
    fit = stats.linregress(m, d) if np.ptp(m) > 0 else None
    if fit is None:
        raise ValueError("the means (a + b) / 2 are constant: cannot test proportional bias")
    df_reg = n - 2
    t_reg = stats.t.ppf(0.5 + confidence / 2, df_reg) if df_reg > 0 else np.nan
    for name, est, se in (
        ("proportional_bias_intercept", fit.intercept, fit.intercept_stderr),
        ("proportional_bias_slope", fit.slope, fit.stderr),
    ):
        stat = est / se if se > 0 else np.nan
        rows.append(
            {
                "metric": name,
                "estimate": est,
                "se": se,
                "ci_low": est - t_reg * se,
                "ci_high": est + t_reg * se,
                "statistic": stat,
                "df1": df_reg,
                "p_value": 2 * stats.t.sf(abs(stat), df_reg) if np.isfinite(stat) else np.nan,
                "n": n,
                "method": "OLS of (a - b) on (a + b)/2; t test of coefficient = 0 (slope: proportional bias; Bland & Altman 1999, 3.2)",
            }
        )
    resid = np.abs(d - (fit.intercept + fit.slope * m))
    fit_sd = stats.linregress(m, resid)
    scale = np.sqrt(np.pi / 2.0)
    for name, est in (
        ("loa_regression_sd_intercept", scale * fit_sd.intercept),
        ("loa_regression_sd_slope", scale * fit_sd.slope),
    ):
        rows.append(
            {
                "metric": name,
                "estimate": est,
                "n": n,
                "method": (
                    "regression-based limits (Bland & Altman 1999, 3.2): SD(m) = sqrt(pi/2) (c0 + c1 m) from OLS of "
                    f"|residual| on m; limits(m) = proportional_bias_intercept + slope m ± {z:.4g} SD(m)"
                ),
            }
        )
    return make_frame(rows)
