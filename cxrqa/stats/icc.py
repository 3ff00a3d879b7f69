"""Intraclass correlation coefficients: all six Shrout-Fleiss / McGraw-Wong forms.

Naming (the same coefficient goes by different names in different sources):

============ ============== =================================================== =========
Shrout-Fleiss McGraw-Wong   model                                               psych
============ ============== =================================================== =========
ICC(1,1)     ICC(1)         one-way random, single rater                        ICC1
ICC(2,1)     ICC(A,1)       two-way random, absolute agreement, single rater    ICC2
ICC(3,1)     ICC(C,1)       two-way mixed, consistency, single rater            ICC3
ICC(1,k)     ICC(k)         one-way random, mean of k raters                    ICC1k
ICC(2,k)     ICC(A,k)       two-way random, absolute agreement, mean of k       ICC2k
ICC(3,k)     ICC(C,k)       two-way mixed, consistency, mean of k               ICC3k
============ ============== =================================================== =========

The paper (Meng et al.) reports ICC(2,1) = ICC(A,1), the model-vs-MOS absolute agreement.

References
----------
.. [1] Shrout PE, Fleiss JL (1979). Intraclass correlations: uses in assessing rater
       reliability. *Psychol Bull* 86(2):420-428.
.. [2] McGraw KO, Wong SP (1996). Forming inferences about some intraclass correlation
       coefficients. *Psychol Methods* 1(1):30-46 (F tests and exact/Satterthwaite CIs).
.. [3] Koo TK, Li MY (2016). A guideline of selecting and reporting intraclass correlation
       coefficients for reliability research. *J Chiropr Med* 15(2):155-163.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxrqa.stats._result import make_frame
from cxrqa.stats._validate import check_confidence, long_to_wide, paired_vectors

__all__ = ["ICC_A1", "ICC_AK", "ICC_FORMS", "icc", "icc_a1_weighted", "icc_anova", "icc_pair"]

#: ``metric`` of the ICC(A,1) = ICC(2,1) rows (two-way random, absolute agreement, single rater):
#: the agreement of a method with a reference that the paper reports.
ICC_A1 = "ICC(2,1)"
#: ``metric`` of the ICC(A,k) = ICC(2,k) rows (the same model, mean of the k raters).
ICC_AK = "ICC(2,k)"

#: Shrout-Fleiss label -> (McGraw-Wong label, psych label, model description).
ICC_FORMS: dict[str, tuple[str, str, str]] = {
    "ICC(1,1)": ("ICC(1)", "ICC1", "one-way random effects, single rater"),
    ICC_A1: ("ICC(A,1)", "ICC2", "two-way random effects, absolute agreement, single rater"),
    "ICC(3,1)": ("ICC(C,1)", "ICC3", "two-way mixed effects, consistency, single rater"),
    "ICC(1,k)": ("ICC(k)", "ICC1k", "one-way random effects, mean of k raters"),
    ICC_AK: ("ICC(A,k)", "ICC2k", "two-way random effects, absolute agreement, mean of k raters"),
    "ICC(3,k)": ("ICC(C,k)", "ICC3k", "two-way mixed effects, consistency, mean of k raters"),
}


def _mean_squares(y: np.ndarray) -> dict[str, float]:
    n, k = y.shape
    grand = y.mean()
    ss_total = ((y - grand) ** 2).sum()
    ss_rows = k * ((y.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((y.mean(axis=0) - grand) ** 2).sum()
    ss_err = ss_total - ss_rows - ss_cols
    return {
        "BMS": ss_rows / (n - 1),
        "WMS": (ss_total - ss_rows) / (n * (k - 1)),
        "JMS": ss_cols / (k - 1),
        "EMS": ss_err / ((n - 1) * (k - 1)),
    }


def _wide(data, targets, raters, ratings) -> np.ndarray:
    y = long_to_wide(data, targets, raters, ratings).to_numpy()
    if np.ptp(y) == 0:
        raise ValueError("all ratings are identical: the ICC is undefined (0/0)")
    return y


def icc_anova(data: pd.DataFrame, targets: str, raters: str, ratings: str) -> pd.DataFrame:
    """Mean squares of the targets x raters ANOVA behind the ICCs.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy ratings, one row per (target, rater); the design must be complete.
    targets, raters, ratings : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Rows ``BMS`` (between targets), ``WMS`` (within targets, one-way), ``JMS`` (between
        raters/judges) and ``EMS`` (residual of the two-way model without interaction), in
        Shrout & Fleiss's notation; ``estimate`` is the mean square, ``df1`` its degrees of
        freedom, and for BMS and JMS ``statistic``/``p_value`` the F test against EMS.

    References
    ----------
    .. [1] Shrout PE, Fleiss JL (1979). *Psychol Bull* 86(2):420-428, Table 2.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 1, 2, 2, 3, 3], "r": list("ababab"), "s": [1, 2, 3, 5, 6, 6]})
    >>> icc_anova(df, "t", "r", "s")[["metric", "estimate", "df1"]].round(4).to_numpy().tolist()
    [['BMS', 10.1667, 2.0], ['WMS', 0.8333, 3.0], ['JMS', 1.5, 1.0], ['EMS', 0.5, 2.0]]
    """
    y = _wide(data, targets, raters, ratings)
    n, k = y.shape
    ms = _mean_squares(y)
    df_err = (n - 1) * (k - 1)
    rows = []
    for name, value, df, what in (
        ("BMS", ms["BMS"], n - 1, "between targets"),
        ("WMS", ms["WMS"], n * (k - 1), "within targets (one-way)"),
        ("JMS", ms["JMS"], k - 1, "between raters"),
        ("EMS", ms["EMS"], df_err, "residual (two-way, no interaction)"),
    ):
        row = {"metric": name, "estimate": value, "df1": df, "n": n, "method": f"mean square {what}; {n} targets x {k} raters"}
        if name in ("BMS", "JMS") and ms["EMS"] > 0:
            f = value / ms["EMS"]
            row.update(statistic=f, df2=df_err, p_value=stats.f.sf(f, df, df_err))
        rows.append(row)
    return make_frame(rows)


def icc(
    data: pd.DataFrame,
    targets: str,
    raters: str,
    ratings: str,
    *,
    confidence: float = 0.95,
    labels: str = "shrout_fleiss",
) -> pd.DataFrame:
    """All six intraclass correlation coefficients with F test and confidence interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy ratings, one row per (target, rater). Every rater must rate every target
        (no missing cells, no NaN).
    targets : str
        Column identifying the rated objects (images).
    raters : str
        Column identifying the raters (readers, or "model"/"mos").
    ratings : str
        Column of numeric ratings.
    confidence : float, default 0.95
        Two-sided confidence level.
    labels : {"shrout_fleiss", "mcgraw_wong"}, default "shrout_fleiss"
        Which naming goes into ``metric``; the other name and the model are always written
        in ``method`` (see :data:`ICC_FORMS`).

    Returns
    -------
    pandas.DataFrame
        Six rows in the order ICC(1,1), ICC(2,1), ICC(3,1), ICC(1,k), ICC(2,k), ICC(3,k):
        ``estimate``, the F test of H0: ICC = 0 (``statistic``, ``df1``, ``df2``,
        ``p_value``), the CI of McGraw & Wong (1996) (exact F-based for the one-way and
        consistency forms, Satterthwaite-approximate for absolute agreement; the
        ICC(2,k) bounds are the Spearman-Brown step-up of the ICC(2,1) bounds, as in R's
        psych and pingouin), and ``n`` = number of targets.

    Raises
    ------
    ValueError
        Missing columns, NaN ratings, an incomplete design, duplicated pairs, fewer than two
        targets or raters, or all ratings identical.

    References
    ----------
    .. [1] Shrout PE, Fleiss JL (1979). *Psychol Bull* 86(2):420-428.
    .. [2] McGraw KO, Wong SP (1996). *Psychol Methods* 1(1):30-46.

    Examples
    --------
    The Shrout & Fleiss (1979) example, 6 targets x 4 judges:

    >>> y = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    >>> df = pd.DataFrame([(t, j, v) for t, r in enumerate(y) for j, v in enumerate(r)],
    ...                   columns=["target", "judge", "score"])
    >>> icc(df, "target", "judge", "score")[["metric", "estimate"]].round(2).to_numpy().tolist()
    [['ICC(1,1)', 0.17], ['ICC(2,1)', 0.29], ['ICC(3,1)', 0.71], ['ICC(1,k)', 0.44], ['ICC(2,k)', 0.62], ['ICC(3,k)', 0.91]]
    """
    if labels not in ("shrout_fleiss", "mcgraw_wong"):
        raise ValueError(f"labels must be 'shrout_fleiss' or 'mcgraw_wong', got {labels!r}")
    confidence = check_confidence(confidence)
    y = _wide(data, targets, raters, ratings)
    n, k = y.shape
    ms = _mean_squares(y)
    msr, msw, msc, mse = ms["BMS"], ms["WMS"], ms["JMS"], ms["EMS"]
    alpha = 1.0 - confidence
    q = 1.0 - alpha / 2.0
    df_r, df_w, df_e = n - 1, n * (k - 1), (n - 1) * (k - 1)

    est = {
        "ICC(1,1)": (msr - msw) / (msr + (k - 1) * msw),
        "ICC(2,1)": (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n),
        "ICC(3,1)": (msr - mse) / (msr + (k - 1) * mse),
        "ICC(1,k)": (msr - msw) / msr,
        "ICC(2,k)": (msr - mse) / (msr + (msc - mse) / n),
        "ICC(3,k)": (msr - mse) / msr,
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = msr / msw
        f3 = msr / mse
        # One-way forms (McGraw & Wong 1996, Table 7, cases 1 and 2).
        fl1, fu1 = f1 / stats.f.ppf(q, df_r, df_w), f1 * stats.f.ppf(q, df_w, df_r)
        # Consistency forms (cases 3 and 4).
        fl3, fu3 = f3 / stats.f.ppf(q, df_r, df_e), f3 * stats.f.ppf(q, df_e, df_r)
        # Absolute agreement, single rater: Satterthwaite df (case 3A / 2A).
        icc2 = est["ICC(2,1)"]
        a = k * icc2 / (n * (1.0 - icc2))
        b = 1.0 + k * icc2 * (n - 1) / (n * (1.0 - icc2))
        v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / df_e)
        f_star = stats.f.ppf(q, df_r, v)
        f_star2 = stats.f.ppf(q, v, df_r)
        lo2 = n * (msr - f_star * mse) / (f_star * (k * msc + (k * n - k - n) * mse) + n * msr)
        hi2 = n * (f_star2 * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f_star2 * msr)
    ci = {
        "ICC(1,1)": ((fl1 - 1) / (fl1 + k - 1), (fu1 - 1) / (fu1 + k - 1)),
        "ICC(2,1)": (lo2, hi2),
        "ICC(3,1)": ((fl3 - 1) / (fl3 + k - 1), (fu3 - 1) / (fu3 + k - 1)),
        "ICC(1,k)": (1 - 1 / fl1, 1 - 1 / fu1),
        "ICC(2,k)": (lo2 * k / (1 + lo2 * (k - 1)), hi2 * k / (1 + hi2 * (k - 1))),
        "ICC(3,k)": (1 - 1 / fl3, 1 - 1 / fu3),
    }
    test = {
        "ICC(1,1)": (f1, df_r, df_w),
        "ICC(2,1)": (f3, df_r, df_e),
        "ICC(3,1)": (f3, df_r, df_e),
        "ICC(1,k)": (f1, df_r, df_w),
        "ICC(2,k)": (f3, df_r, df_e),
        "ICC(3,k)": (f3, df_r, df_e),
    }
    rows = []
    for sf, (mw, _psych, model) in ICC_FORMS.items():
        f, d1, d2 = test[sf]
        name, other = (sf, mw) if labels == "shrout_fleiss" else (mw, sf)
        ci_kind = "Satterthwaite-approximate" if sf.startswith("ICC(2") else "exact F"
        rows.append(
            {
                "metric": name,
                "estimate": est[sf],
                "ci_low": ci[sf][0],
                "ci_high": ci[sf][1],
                "statistic": f,
                "df1": d1,
                "df2": d2,
                "p_value": stats.f.sf(f, d1, d2),
                "n": n,
                "method": f"{name} = {other}: {model}; k = {k}; F test of ICC = 0, {ci_kind} CI (McGraw & Wong 1996)",
            }
        )
    return make_frame(rows)


def icc_pair(a, b, *, confidence: float = 0.95) -> pd.DataFrame:
    """ICC(A,1) = Shrout-Fleiss ICC(2,1) of two paired score vectors, as two raters.

    The agreement of a method's scores with a reference (model vs MOS, a reader vs the other
    readers' MOS, a baseline vs MOS): two-way random effects, absolute agreement, single rater,
    so that a constant offset or a compressed scale lowers it where Pearson r does not see it.
    It is the ``ICC(2,1)`` row of :func:`icc` with ``a`` and ``b`` as the two raters and the
    positions as the targets, so it equals that row bit for bit.

    Parameters
    ----------
    a, b : array_like
        Paired scores, one per target (image) in the same order; at least two pairs.
    confidence : float, default 0.95
        Two-sided confidence level.

    Returns
    -------
    pandas.DataFrame
        One row of :data:`~cxrqa.stats.COLUMNS`, ``metric`` = :data:`ICC_A1`: the estimate, the
        F test of H0: ICC = 0 and McGraw & Wong's Satterthwaite-approximate CI, ``n`` pairs.

    Raises
    ------
    ValueError
        Vectors of different lengths, fewer than two pairs, NaN or infinite values, or all
        values identical (the ICC is 0/0).

    See Also
    --------
    icc : all six forms of a complete targets x raters design.
    icc_a1_weighted : the same coefficient for many bootstrap resamples at once.

    References
    ----------
    .. [1] Shrout PE, Fleiss JL (1979). *Psychol Bull* 86(2):420-428.
    .. [2] McGraw KO, Wong SP (1996). *Psychol Methods* 1(1):30-46, case 2A.

    Examples
    --------
    >>> res = icc_pair([7.0, 8.1, 6.4, 9.0, 5.5], [7.2, 7.9, 6.0, 8.8, 5.9])
    >>> res.loc[0, "metric"], round(float(res.loc[0, "estimate"]), 4), int(res.loc[0, "n"])
    ('ICC(2,1)', 0.9743, 5)
    """
    x, y = paired_vectors(a, b, names=("a", "b"))
    n = x.size
    pairs = pd.DataFrame({"target": np.tile(np.arange(n), 2), "rater": np.repeat(["a", "b"], n), "score": np.concatenate([x, y])})
    result = icc(pairs, "target", "rater", "score", confidence=confidence)
    return result[result["metric"] == ICC_A1].reset_index(drop=True)


def icc_a1_weighted(y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ICC(A,1) = ICC(2,1) of many target resamples at once, for the bootstrap.

    Parameters
    ----------
    y : numpy.ndarray
        ``(n, k)`` complete ratings (targets x raters).
    weights : numpy.ndarray
        ``(B, n)`` frequency weights of the targets (a bootstrap resample drawn target ``i``
        ``weights[b, i]`` times).

    Returns
    -------
    numpy.ndarray
        ``(B,)`` ICC(A,1) of each resample: the two-way ANOVA sums of squares of the
        resampled matrix, computed from weighted sums without materialising it.

    Examples
    --------
    >>> y = np.array([[1.0, 2.0], [3.0, 5.0], [6.0, 6.0]])
    >>> w = np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 1.0]])
    >>> icc_a1_weighted(y, w).round(6)
    array([0.852941, 0.952381])
    """
    y = np.asarray(y, dtype=float)
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    n_eff = w.sum(axis=1)
    k = y.shape[1]
    row_sum = y.sum(axis=1)
    row_sq = (y**2).sum(axis=1)
    total = w @ row_sum
    grand = total / (n_eff * k)
    ss_total = w @ row_sq - n_eff * k * grand**2
    ss_rows = (w @ row_sum**2) / k - n_eff * k * grand**2
    col_sum = w @ y
    ss_cols = (col_sum**2).sum(axis=1) / n_eff - n_eff * k * grand**2
    ss_err = ss_total - ss_rows - ss_cols
    msr = ss_rows / (n_eff - 1)
    msc = ss_cols / (k - 1)
    mse = ss_err / ((n_eff - 1) * (k - 1))
    return (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n_eff)
