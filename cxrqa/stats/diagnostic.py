"""Sensitivity, specificity, PPV and NPV of a binary test with Clopper-Pearson intervals.

References
----------
.. [1] Altman DG, Bland JM (1994). Diagnostic tests 1: sensitivity and specificity.
       *BMJ* 308(6943):1552.
.. [2] Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated
       in the case of the binomial. *Biometrika* 26(4):404-413.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxrqa.stats._result import make_frame
from cxrqa.stats._validate import binary_target, check_confidence

__all__ = ["clopper_pearson", "diagnostic_accuracy"]


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided confidence interval of a binomial proportion.

    Parameters
    ----------
    k : int
        Successes, ``0 <= k <= n``.
    n : int
        Trials (``n = 0`` gives ``(nan, nan)``).
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``low = 0`` when ``k = 0`` and ``high = 1`` when ``k = n``.

    Examples
    --------
    >>> [round(v, 4) for v in clopper_pearson(26, 41)]
    [0.4694, 0.7788]
    """
    confidence = check_confidence(confidence)
    if not (0 <= k <= n):
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return float("nan"), float("nan")
    alpha = 1.0 - confidence
    lo = 0.0 if k == 0 else stats.beta.ppf(alpha / 2, k, n - k + 1)
    hi = 1.0 if k == n else stats.beta.ppf(1 - alpha / 2, k + 1, n - k)
    return float(lo), float(hi)


def diagnostic_accuracy(
    y_true, test_positive, *, positive, confidence: float = 0.95, label: str = ""
) -> pd.DataFrame:
    """Sensitivity, specificity, PPV and NPV of a dichotomous test.

    Parameters
    ----------
    y_true : array_like
        Reference standard labels (two classes).
    test_positive : array_like of bool
        True where the test calls the case positive.
    positive : object
        The value of ``y_true`` that is the positive condition (e.g. ``"abnormal"``, or
        ``True`` for "acceptable" in the paper's convention). Required: the convention is
        never guessed.
    confidence : float, default 0.95
        Level of the Clopper-Pearson intervals.
    label : str, optional
        Extra text for the ``method`` column (e.g. the cut-off rule).

    Returns
    -------
    pandas.DataFrame
        Rows ``sensitivity`` (TP/(TP+FN)), ``specificity`` (TN/(TN+FP)), ``ppv``
        (TP/(TP+FP)), ``npv`` (TN/(TN+FN)), ``accuracy``; ``n`` is each denominator and
        ``statistic`` the numerator count. PPV/NPV are ``NaN`` when their denominator is 0.

    Raises
    ------
    ValueError
        Mismatched lengths, missing values, a non-boolean test, or one class only.

    References
    ----------
    .. [1] Altman DG, Bland JM (1994). *BMJ* 308:1552.
    .. [2] Clopper CJ, Pearson ES (1934). *Biometrika* 26:404-413.

    Examples
    --------
    Altman & Bland's liver scan (258 abnormal, 86 normal):

    >>> truth = ["abnormal"] * 258 + ["normal"] * 86
    >>> scan = [True] * 231 + [False] * 27 + [True] * 32 + [False] * 54
    >>> res = diagnostic_accuracy(truth, scan, positive="abnormal")
    >>> res.set_index("metric").loc[["sensitivity", "specificity"], "estimate"].round(3).tolist()
    [0.895, 0.628]
    """
    confidence = check_confidence(confidence)
    cond = binary_target(y_true, positive)
    test = np.asarray(test_positive)
    if test.ndim != 1 or test.size != cond.size:
        raise ValueError(f"y_true and test_positive have different lengths ({cond.size} and {test.size})")
    if test.dtype != bool:
        uniq = set(pd.unique(test).tolist())
        if not uniq <= {0, 1}:
            raise ValueError(f"test_positive must be boolean (or 0/1), found values {sorted(map(str, uniq))[:5]}")
        test = test.astype(bool)
    tp = int(np.sum(cond & test))
    fn = int(np.sum(cond & ~test))
    fp = int(np.sum(~cond & test))
    tn = int(np.sum(~cond & ~test))
    suffix = f"; {label}" if label else ""
    rows = []
    for name, k, n, what in (
        ("sensitivity", tp, tp + fn, "TP / (TP + FN)"),
        ("specificity", tn, tn + fp, "TN / (TN + FP)"),
        ("ppv", tp, tp + fp, "TP / (TP + FP)"),
        ("npv", tn, tn + fn, "TN / (TN + FN)"),
        ("accuracy", tp + tn, tp + tn + fp + fn, "(TP + TN) / N"),
    ):
        lo, hi = clopper_pearson(k, n, confidence)
        rows.append(
            {
                "metric": name,
                "estimate": k / n if n else np.nan,
                "ci_low": lo,
                "ci_high": hi,
                "statistic": k,
                "n": n,
                "method": f"{what} = {k}/{n}; positive class {positive!r}; Clopper-Pearson CI{suffix}",
            }
        )
    return make_frame(rows)
