"""ROC analysis: full curve, AUC with DeLong and Hanley-McNeil SEs, Youden cut-off, DeLong test.

Conventions are explicit arguments, never guessed:

- ``positive``: the value of ``y_true`` that is the positive condition;
- ``direction``: ``"higher"`` if higher scores indicate the positive class (the test is
  positive when ``score >= threshold``), ``"lower"`` if lower scores do (``score <= threshold``).

For a quality score (lower = worse) there are two equivalent readings: the paper's
("acceptable" positive, ``direction="higher"``: acceptable when the score is above the
cut-off) and the screening one ("non-acceptable" positive, ``direction="lower"``). They give
the same AUC and swap sensitivity with specificity and PPV with NPV.

References
----------
.. [1] Hanley JA, McNeil BJ (1982). The meaning and use of the area under a receiver
       operating characteristic (ROC) curve. *Radiology* 143(1):29-36.
.. [2] DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Comparing the areas under two or
       more correlated receiver operating characteristic curves: a nonparametric approach.
       *Biometrics* 44(3):837-845.
.. [3] Sun X, Xu W (2014). Fast implementation of DeLong's algorithm for comparing the
       areas under correlated receiver operating characteristic curves. *IEEE Signal
       Process Lett* 21(11):1389-1393 (the mid-rank placements used here).
.. [4] Youden WJ (1950). Index for rating diagnostic tests. *Cancer* 3(1):32-35.
.. [5] Robin X et al. (2011). pROC: an open-source package for R and S+ to analyze and
       compare ROC curves. *BMC Bioinformatics* 12:77 (the reference implementation the
       tests reproduce).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxrqa.stats._result import make_frame
from cxrqa.stats._validate import as_vector, binary_target, check_confidence
from cxrqa.stats.diagnostic import diagnostic_accuracy

__all__ = ["roc", "roc_curve", "delong_test", "auc_weighted"]

_DIRECTIONS = ("higher", "lower")


def _prepare(y_true, score, positive, direction, name="score"):
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be 'higher' or 'lower' (which scores indicate the positive class), got {direction!r}")
    is_pos = binary_target(y_true, positive)
    s = as_vector(score, name)
    if s.size != is_pos.size:
        raise ValueError(f"y_true and {name} have different lengths ({is_pos.size} and {s.size})")
    oriented = s if direction == "higher" else -s
    return is_pos, s, oriented


def _placements(is_pos: np.ndarray, oriented: np.ndarray):
    """DeLong structural components V10 (per positive) and V01 (per negative)."""
    n1, n0 = int(is_pos.sum()), int((~is_pos).sum())
    r_all = stats.rankdata(oriented)
    r_pos = stats.rankdata(oriented[is_pos])
    r_neg = stats.rankdata(oriented[~is_pos])
    v10 = (r_all[is_pos] - r_pos) / n0
    v01 = 1.0 - (r_all[~is_pos] - r_neg) / n1
    return v10, v01


def _describe(positive, direction) -> str:
    rule = "score >= threshold" if direction == "higher" else "score <= threshold"
    return f"positive class {positive!r}; test positive when {rule}"


def roc_curve(y_true, score, *, positive, direction: str) -> pd.DataFrame:
    """The empirical ROC curve over every distinct threshold.

    Parameters
    ----------
    y_true : array_like
        Reference standard labels (two classes).
    score : array_like
        Continuous or ordinal test scores (no NaN).
    positive : object
        Value of ``y_true`` that is the positive condition.
    direction : {"higher", "lower"}
        Whether higher or lower scores indicate the positive class.

    Returns
    -------
    pandas.DataFrame
        One row per operating point, from "nothing positive" (threshold ±inf) through every
        distinct score: ``threshold`` (observed score; the test is positive at and beyond
        it), ``tp, fp, tn, fn``, ``sensitivity``, ``specificity``, ``fpr``, ``youden``.
        This is a curve, not a result table, so its columns differ from
        :data:`cxrqa.stats.COLUMNS`.

    Examples
    --------
    >>> curve = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], positive=1, direction="higher")
    >>> curve[["threshold", "sensitivity", "specificity"]].to_numpy().tolist()
    [[inf, 0.0, 1.0], [0.8, 0.5, 1.0], [0.4, 0.5, 0.5], [0.35, 1.0, 0.5], [0.1, 1.0, 0.0]]
    """
    is_pos, s, oriented = _prepare(y_true, score, positive, direction)
    order = np.argsort(-oriented, kind="mergesort")
    o_sorted = oriented[order]
    pos_sorted = is_pos[order]
    last = np.r_[np.flatnonzero(np.diff(o_sorted) != 0), o_sorted.size - 1]
    tp = np.r_[0, np.cumsum(pos_sorted)[last]]
    fp = np.r_[0, np.cumsum(~pos_sorted)[last]]
    n1, n0 = int(is_pos.sum()), int((~is_pos).sum())
    thr = o_sorted[last] if direction == "higher" else -o_sorted[last]
    thr = np.r_[np.inf if direction == "higher" else -np.inf, thr]
    sens = tp / n1
    spec = 1.0 - fp / n0
    return pd.DataFrame(
        {
            "threshold": thr,
            "tp": tp,
            "fp": fp,
            "tn": n0 - fp,
            "fn": n1 - tp,
            "sensitivity": sens,
            "specificity": spec,
            "fpr": fp / n0,
            "youden": sens + spec - 1.0,
        }
    )


def roc(
    y_true,
    score,
    *,
    positive,
    direction: str,
    confidence: float = 0.95,
    cutoff: float | None = None,
) -> pd.DataFrame:
    """ROC analysis of one score: AUC with DeLong and Hanley-McNeil SEs, the optimal cut-off and
    the accuracy of the test at it.

    Parameters
    ----------
    y_true : array_like
        Reference standard labels (two classes, e.g. the three-reader majority
        "acceptable" / "non-acceptable").
    score : array_like
        Test scores (no NaN).
    positive : object
        Value of ``y_true`` that is the positive condition.
    direction : {"higher", "lower"}
        Whether higher or lower scores indicate the positive class.
    confidence : float, default 0.95
        Level of every interval.
    cutoff : float, optional
        Evaluate sensitivity etc. at this cut-off (test positive when ``score >= cutoff``
        for ``"higher"``, ``score <= cutoff`` for ``"lower"``) instead of the Youden optimum.

    Returns
    -------
    pandas.DataFrame
        Rows:

        - ``auc``: Mann-Whitney AUC (trapezoidal, ties count half), DeLong SE, CI
          ``AUC ± z·SE`` on the raw scale clipped to [0, 1] (as pROC), z test of AUC = 0.5
          with the DeLong SE;
        - ``auc_hanley_mcneil``: the same AUC with the Hanley-McNeil (1982) SE and Wald CI;
        - ``youden_index``: max(sensitivity + specificity - 1) over all thresholds;
        - ``cutoff``: the optimal (or given) cut-off as the midpoint of the interval of
          equivalent thresholds (pROC's convention), with ``cutoff_positive_edge`` (the
          observed score nearest the cut that is called positive; scikit-learn's
          threshold) and ``cutoff_negative_edge`` (the nearest observed score called
          negative): every cut strictly between the edges classifies identically. When
          several cut-offs tie for the Youden maximum, the one with the highest
          specificity is reported and ``method`` says how many tied;
        - ``sensitivity``, ``specificity``, ``ppv``, ``npv``, ``accuracy`` at the cut-off
          with Clopper-Pearson CIs.

    Raises
    ------
    ValueError
        Mismatched lengths, NaN, one class only, ``positive`` absent, bad ``direction``.

    References
    ----------
    .. [1] DeLong ER et al. (1988). *Biometrics* 44:837-845.
    .. [2] Hanley JA, McNeil BJ (1982). *Radiology* 143:29-36.
    .. [3] Youden WJ (1950). *Cancer* 3:32-35.

    Examples
    --------
    >>> y = ["bad", "bad", "ok", "bad", "ok", "ok", "ok"]
    >>> s = [3.0, 4.5, 6.0, 5.0, 7.5, 8.0, 4.0]
    >>> res = roc(y, s, positive="ok", direction="higher").set_index("metric")
    >>> res.loc[["auc", "cutoff", "sensitivity", "specificity"], "estimate"].round(4).tolist()
    [0.8333, 5.5, 0.75, 1.0]
    """
    confidence = check_confidence(confidence)
    is_pos, s, oriented = _prepare(y_true, score, positive, direction)
    n = s.size
    n1, n0 = int(is_pos.sum()), int((~is_pos).sum())
    v10, v01 = _placements(is_pos, oriented)
    auc = float(v10.mean())
    var = v10.var(ddof=1) / n1 + v01.var(ddof=1) / n0 if n1 > 1 and n0 > 1 else np.nan
    se = float(np.sqrt(var))
    z = stats.norm.ppf(0.5 + confidence / 2)
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    se_hm = float(np.sqrt((auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2)) / (n1 * n0)))
    conv = _describe(positive, direction)
    stat = (auc - 0.5) / se if se > 0 else np.nan
    rows = [
        {
            "metric": "auc",
            "estimate": auc,
            "se": se,
            "ci_low": max(0.0, auc - z * se),
            "ci_high": min(1.0, auc + z * se),
            "statistic": stat,
            "p_value": 2 * stats.norm.sf(abs(stat)) if np.isfinite(stat) else np.nan,
            "n": n,
            "method": f"Mann-Whitney AUC; DeLong SE; CI AUC ± z SE clipped to [0, 1]; z test of AUC = 0.5; {conv}",
        },
        {
            "metric": "auc_hanley_mcneil",
            "estimate": auc,
            "se": se_hm,
            "ci_low": max(0.0, auc - z * se_hm),
            "ci_high": min(1.0, auc + z * se_hm),
            "n": n,
            "method": f"Mann-Whitney AUC; Hanley-McNeil (1982) SE; Wald CI clipped to [0, 1]; {conv}",
        },
    ]

    curve = roc_curve(y_true, s, positive=positive, direction=direction)
    uniq = np.unique(s)
    sign = 1.0 if direction == "higher" else -1.0
    if cutoff is None:
        best = curve["youden"].to_numpy()
        top = np.flatnonzero(np.isclose(best, best.max(), rtol=0, atol=1e-12))
        j = int(top[0])  # first in curve order = highest threshold = most specific
        edge_pos = curve["threshold"].iloc[j]
        how = f"Youden-optimal cut-off ({len(top)} tied, most specific reported)"
        rows.append({"metric": "youden_index", "estimate": best[j], "n": n, "method": f"max(sensitivity + specificity - 1); {conv}"})
    else:
        c = float(cutoff)
        called = s[sign * s >= sign * c]
        edge_pos = (called.min() if direction == "higher" else called.max()) if called.size else sign * np.inf
        how = f"given cut-off {c:g}"
    # Negative edge: the next observed score beyond the positive edge on the negative side.
    beyond = uniq[sign * uniq < sign * edge_pos]
    edge_neg = (beyond.max() if direction == "higher" else beyond.min()) if beyond.size else -sign * np.inf
    # With an infinite edge (everything or nothing called positive) the cut is that infinity.
    mid = (edge_pos + edge_neg) / 2 if np.isfinite(edge_pos) and np.isfinite(edge_neg) else (edge_pos if not np.isfinite(edge_pos) else edge_neg)
    if cutoff is not None:
        mid = float(cutoff)
    rows += [
        {"metric": "cutoff", "estimate": mid, "n": n, "method": f"{how}; midpoint of the equivalent-threshold interval; {conv}"},
        {"metric": "cutoff_positive_edge", "estimate": edge_pos, "n": n, "method": f"observed score nearest the cut that is called positive; {conv}"},
        {"metric": "cutoff_negative_edge", "estimate": edge_neg, "n": n, "method": f"observed score nearest the cut that is called negative; {conv}"},
    ]
    test_pos = sign * s >= sign * edge_pos
    acc = diagnostic_accuracy(is_pos, test_pos, positive=True, confidence=confidence)
    acc["method"] = acc["method"].str.replace("positive class True", f"{conv}; at {how}", regex=False)
    return pd.concat([make_frame(rows), acc], ignore_index=True)


def delong_test(y_true, score_a, score_b, *, positive, direction: str = "higher", direction_b: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """DeLong test for two correlated ROC curves (same cases, two scores).

    Parameters
    ----------
    y_true : array_like
        Reference standard labels (two classes).
    score_a, score_b : array_like
        The two scores of the same cases.
    positive : object
        Value of ``y_true`` that is the positive condition.
    direction : {"higher", "lower"}, default "higher"
        Direction of ``score_a`` (and of ``score_b`` unless ``direction_b`` is given).
    direction_b : {"higher", "lower"}, optional
        Direction of ``score_b``.
    confidence : float, default 0.95
        Level of the CI of the AUC difference.

    Returns
    -------
    pandas.DataFrame
        One row ``auc_difference``: ``estimate`` = AUC_a - AUC_b, ``se`` of the difference
        from the DeLong covariance, Wald CI, ``statistic`` = z (its sign follows the
        argument order, as in pROC's ``roc.test``), two-sided ``p_value``.

    Raises
    ------
    ValueError
        Mismatched lengths, NaN, one class only, or identical scores (zero variance).

    References
    ----------
    .. [1] DeLong ER et al. (1988). *Biometrics* 44:837-845.
    .. [2] Sun X, Xu W (2014). *IEEE Signal Process Lett* 21:1389-1393.

    Examples
    --------
    >>> y = [0, 0, 0, 1, 1, 1, 0, 1]
    >>> a = [0.1, 0.3, 0.2, 0.8, 0.7, 0.4, 0.5, 0.9]
    >>> b = [0.2, 0.6, 0.1, 0.5, 0.9, 0.3, 0.4, 0.7]
    >>> res = delong_test(y, a, b, positive=1)
    >>> res[["estimate"]].round(4).to_numpy().tolist()
    [[0.125]]
    """
    confidence = check_confidence(confidence)
    direction_b = direction if direction_b is None else direction_b
    is_pos, sa, oa = _prepare(y_true, score_a, positive, direction, "score_a")
    _, sb, ob = _prepare(y_true, score_b, positive, direction_b, "score_b")
    n1, n0 = int(is_pos.sum()), int((~is_pos).sum())
    if n1 < 2 or n0 < 2:
        raise ValueError(f"the DeLong test needs at least two cases of each class (got {n1} positive, {n0} negative)")
    v10 = np.vstack([_placements(is_pos, oa)[0], _placements(is_pos, ob)[0]])
    v01 = np.vstack([_placements(is_pos, oa)[1], _placements(is_pos, ob)[1]])
    aucs = v10.mean(axis=1)
    cov = np.cov(v10) / n1 + np.cov(v01) / n0
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    if not var > 0:
        raise ValueError("the two scores give identical placements: the DeLong variance of the difference is zero")
    diff = float(aucs[0] - aucs[1])
    se = float(np.sqrt(var))
    zstat = diff / se
    zc = stats.norm.ppf(0.5 + confidence / 2)
    return make_frame(
        [
            {
                "metric": "auc_difference",
                "estimate": diff,
                "se": se,
                "ci_low": diff - zc * se,
                "ci_high": diff + zc * se,
                "statistic": zstat,
                "p_value": 2 * stats.norm.sf(abs(zstat)),
                "n": is_pos.size,
                "method": (
                    f"paired DeLong test, AUC_a - AUC_b (AUC_a = {aucs[0]:.6g}, AUC_b = {aucs[1]:.6g}); "
                    f"positive class {positive!r}; directions a: {direction}, b: {direction_b}"
                ),
            }
        ]
    )


def auc_weighted(is_positive: np.ndarray, oriented_score: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC of many weighted resamples at once (for :func:`cxrqa.stats.bootstrap`).

    Parameters
    ----------
    is_positive : numpy.ndarray of bool
        ``(n,)`` positive class indicator.
    oriented_score : numpy.ndarray
        ``(n,)`` scores oriented so that higher means positive.
    weights : numpy.ndarray
        ``(B, n)`` frequency weights (bootstrap counts).

    Returns
    -------
    numpy.ndarray
        ``(B,)`` AUCs; ties count half. One sort, then cumulative sums of the weights over
        tie groups: O(B·n).

    Examples
    --------
    >>> pos = np.array([False, False, True, True])
    >>> auc_weighted(pos, np.array([0.1, 0.4, 0.35, 0.8]), np.ones((1, 4)))
    array([0.75])
    """
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    order = np.argsort(oriented_score, kind="mergesort")
    s_sorted = oriented_score[order]
    p_sorted = is_positive[order]
    starts = np.r_[0, np.flatnonzero(np.diff(s_sorted) != 0) + 1]
    ws = w[:, order]
    wp = np.add.reduceat(ws * p_sorted, starts, axis=1)
    wn = np.add.reduceat(ws * ~p_sorted, starts, axis=1)
    below = np.cumsum(wn, axis=1) - wn
    num = (wp * (below + 0.5 * wn)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / (wp.sum(axis=1) * wn.sum(axis=1))
