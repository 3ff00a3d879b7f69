"""Table 3, Figure 9 and Figure 10: the model against the readers on the analysed split.

Conventions (stated in every table's ``method``): differences are ``model - MOS``; the ICC is
ICC(2,1) = ICC(A,1) of the model and the MOS as two raters; the ROC reference standard is the
majority of the acceptability readers, and the positive class is the report parameter
``positive_class`` (:data:`CONVENTIONS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

import cxrqa.stats as cs

__all__ = ["CONVENTIONS", "agreement_stats", "convention_table", "headline", "regression_band", "roc_analysis", "table3"]

#: ``positive_class -> (positive value of 'acceptable', direction, words)``.
CONVENTIONS = {
    "acceptable": (True, "higher", "positive = acceptable (majority), test positive when score >= cut-off"),
    "non_acceptable": (False, "lower", "positive = non-acceptable (majority), test positive when score <= cut-off"),
}


def _convention(positive_class: str):
    if positive_class not in CONVENTIONS:
        raise ValueError(f"positive_class must be one of {', '.join(CONVENTIONS)}, got {positive_class!r}")
    return CONVENTIONS[positive_class]


def agreement_stats(pairs: pd.DataFrame, *, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Paired t-test, ICC(2,1), Pearson r, MAD and Bland-Altman of model vs MOS, per dimension.

    Parameters
    ----------
    pairs : pandas.DataFrame
        ``dimension, image_id, score, mos`` (one row per image and dimension).
    confidence, n_resamples, seed
        CI level; bootstrap resamples and seed (MAD).

    Returns
    -------
    pandas.DataFrame
        ``dimension`` followed by :data:`cxrqa.stats.COLUMNS`; metrics ``mean_difference``,
        ``ICC(2,1)``, ``pearson_r``, ``mad``, and the Bland-Altman rows.
    """
    frames = []
    for dimension, part in pairs.groupby("dimension", sort=True):
        part = part.sort_values("image_id", kind="mergesort")
        model, mos = part["score"].to_numpy(float), part["mos"].to_numpy(float)
        long = pd.DataFrame(
            {"image_id": np.r_[part["image_id"], part["image_id"]], "rater": ["model"] * len(part) + ["mos"] * len(part), "value": np.r_[model, mos]}
        )
        icc = cs.icc(long, "image_id", "rater", "value", confidence=confidence)
        result = pd.concat(
            [
                cs.paired_ttest(model, mos, confidence=confidence),
                icc[icc["metric"] == "ICC(2,1)"],
                cs.pearson(model, mos, confidence=confidence),
                cs.mad(model, mos, confidence=confidence, n_resamples=n_resamples, seed=seed),
                cs.bland_altman(model, mos, confidence=confidence),
            ],
            ignore_index=True,
        )
        result.insert(0, "dimension", dimension)
        result["method"] = result["method"] + "; a = model, b = MOS"
        frames.append(result)
    return pd.concat(frames, ignore_index=True)


def _ci(row, digits=2) -> str:
    return f"{row['estimate']:.{digits}f} ({row['ci_low']:.{digits}f} to {row['ci_high']:.{digits}f})"


def table3(pairs: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 3: MOS and model mean ± SD, paired t-test, ICC, r and MAD with CIs."""
    rows = []
    for dimension, part in pairs.groupby("dimension", sort=True):
        s = stats[stats["dimension"] == dimension].set_index("metric")
        t = s.loc["mean_difference"]
        rows.append(
            {
                "dimension": dimension,
                "n": len(part),
                "readers' MOS": f"{part['mos'].mean():.2f} ± {part['mos'].std(ddof=1):.2f}",
                "model": f"{part['score'].mean():.2f} ± {part['score'].std(ddof=1):.2f}",
                "mean difference (model - MOS)": _ci(t, 3),
                "t-test": f"t = {t['statistic']:.2f}, P = {t['p_value']:.3f}",
                "ICC(2,1)": _ci(s.loc["ICC(2,1)"]),
                "r": _ci(s.loc["pearson_r"]),
                "MAD": _ci(s.loc["mad"]),
            }
        )
    return pd.DataFrame(rows)


def regression_band(x, y, *, confidence: float = 0.95, n_points: int = 50) -> tuple[pd.DataFrame, dict]:
    """Least-squares line of ``y`` on ``x`` with the confidence band of the mean response.

    Returns
    -------
    band : pandas.DataFrame
        ``x, fit, ci_low, ci_high`` on an even grid over the range of ``x``.
    line : dict
        ``slope, intercept, r2, n``.

    Examples
    --------
    >>> band, line = regression_band([1, 2, 3, 4], [2.1, 3.9, 6.2, 7.8])
    >>> round(float(line["slope"]), 2), round(float(line["intercept"]), 2), len(band)
    (1.94, 0.15, 50)
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = x.size
    fit = sps.linregress(x, y)
    residual = y - (fit.intercept + fit.slope * x)
    s = np.sqrt(residual @ residual / (n - 2))
    grid = np.linspace(x.min(), x.max(), n_points)
    se = s * np.sqrt(1 / n + (grid - x.mean()) ** 2 / ((x - x.mean()) @ (x - x.mean())))
    t = sps.t.ppf(0.5 + confidence / 2, n - 2)
    mean = fit.intercept + fit.slope * grid
    band = pd.DataFrame({"x": grid, "fit": mean, "ci_low": mean - t * se, "ci_high": mean + t * se})
    return band, {"slope": float(fit.slope), "intercept": float(fit.intercept), "r2": float(fit.rvalue**2), "n": n}


def roc_analysis(pairs: pd.DataFrame, *, positive_class: str, confidence: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ROC of the model score against the majority call, per dimension.

    Parameters
    ----------
    pairs : pandas.DataFrame
        ``dimension, image_id, score, acceptable`` (bool majority call).
    positive_class : {"acceptable", "non_acceptable"}
        The positive condition (:data:`CONVENTIONS`).

    Returns
    -------
    result : pandas.DataFrame
        ``dimension, convention`` and the rows of :func:`cxrqa.stats.roc`.
    curve : pandas.DataFrame
        ``dimension`` and the columns of :func:`cxrqa.stats.roc_curve`.
    """
    positive, direction, words = _convention(positive_class)
    results, curves = [], []
    for dimension, part in pairs.groupby("dimension", sort=True):
        part = part.sort_values("image_id", kind="mergesort")
        result = cs.roc(part["acceptable"].to_numpy(), part["score"].to_numpy(float), positive=positive, direction=direction, confidence=confidence)
        result.insert(0, "convention", positive_class)
        result.insert(0, "dimension", dimension)
        results.append(result)
        curve = cs.roc_curve(part["acceptable"].to_numpy(), part["score"].to_numpy(float), positive=positive, direction=direction)
        curve.insert(0, "dimension", dimension)
        curves.append(curve)
    return pd.concat(results, ignore_index=True), pd.concat(curves, ignore_index=True)


def convention_table(pairs: pd.DataFrame, *, used: str, confidence: float = 0.95) -> pd.DataFrame:
    """Cut-off, sensitivity and specificity under both positive-class conventions, per dimension.

    ``used`` marks the convention every other table of the report uses.
    """
    rows = []
    for name in CONVENTIONS:
        result, _ = roc_analysis(pairs, positive_class=name, confidence=confidence)
        for dimension, part in result.groupby("dimension", sort=True):
            s = part.set_index("metric")
            rows.append(
                {
                    "dimension": dimension,
                    "positive class": CONVENTIONS[name][2],
                    "used in this report": "yes" if name == used else "no",
                    "AUC": s.loc["auc", "estimate"],
                    "cut-off": s.loc["cutoff", "estimate"],
                    "sensitivity": f"{s.loc['sensitivity', 'estimate']:.2%} ({s.loc['sensitivity', 'method'].split(';')[0]})",
                    "specificity": f"{s.loc['specificity', 'estimate']:.2%}",
                }
            )
    return pd.DataFrame(rows).sort_values(["dimension", "used in this report"], ascending=[True, False], kind="mergesort").reset_index(drop=True)


def headline(stats: pd.DataFrame, roc_result: pd.DataFrame) -> dict:
    """Headline numbers per dimension for ``reports/metrics.json`` and the paper comparison.

    Returns
    -------
    dict
        ``{dimension: {icc, icc_ci_low, ..., auc, sensitivity, specificity, cutoff, bias, ...}}``.
    """
    wanted = {
        "mean_difference": "t",
        "ICC(2,1)": "icc",
        "pearson_r": "pearson_r",
        "mad": "mad",
        "bias": "bias",
        "loa_low": "loa_low",
        "loa_high": "loa_high",
        "auc": "auc",
        "cutoff": "cutoff",
        "sensitivity": "sensitivity",
        "specificity": "specificity",
    }
    out: dict[str, dict] = {}
    for frame in (stats, roc_result):
        for _, row in frame[frame["metric"].isin(wanted)].iterrows():
            entry = out.setdefault(row["dimension"], {})
            key = wanted[row["metric"]]
            if key == "t":
                entry.update(t_statistic=row["statistic"], t_p_value=row["p_value"], mean_difference=row["estimate"])
                continue
            entry[key] = row["estimate"]
            if key not in ("cutoff",) and np.isfinite(row["ci_low"]):
                entry[f"{key}_ci_low"], entry[f"{key}_ci_high"] = row["ci_low"], row["ci_high"]
            entry["n"] = int(row["n"]) if key in ("icc", "auc") else entry.get("n")
    return out
