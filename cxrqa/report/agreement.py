"""Table 3, Figure 9 and Figure 10: the model against the readers on the analysed split.

Conventions (stated in every table's ``method``): differences are ``model - MOS``; the ICC is
ICC(A,1) of the model and the MOS as two raters (:func:`cxrqa.stats.icc_pair`); the ROC
reference standard is the majority of the acceptability readers, and the positive class is the
report parameter ``positive_class`` (:data:`CONVENTIONS`).

Every table, figure and metric starts from the per-image table of :func:`model_pairs`; the
statistics themselves are :mod:`cxrqa.stats`'s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import cxrqa.stats as cs
from cxrqa.report.paper import paper_vs_ours

__all__ = [
    "CONVENTIONS",
    "agreement_stats",
    "convention_table",
    "convention_words",
    "describe_split",
    "headline",
    "headline_metrics",
    "model_pairs",
    "paper_comparison",
    "regression_lines",
    "roc_analysis",
    "roc_convention",
    "roc_plot_data",
    "scatter_plot_data",
    "table3",
]

#: ``positive_class -> (positive value of 'acceptable', direction, words)``.
CONVENTIONS = {
    "acceptable": (True, "higher", "positive = acceptable (majority), test positive when score >= cut-off"),
    "non_acceptable": (False, "lower", "positive = non-acceptable (majority), test positive when score <= cut-off"),
}


def roc_convention(positive_class: str) -> tuple[bool, str, str]:
    """``(positive value of 'acceptable', direction, words)`` of ``positive_class`` (:data:`CONVENTIONS`).

    Raises
    ------
    ValueError
        When ``positive_class`` is not a key of :data:`CONVENTIONS`.
    """
    if positive_class not in CONVENTIONS:
        raise ValueError(f"positive_class must be one of {', '.join(CONVENTIONS)}, got {positive_class!r}")
    return CONVENTIONS[positive_class]


def convention_words(positive_class: str) -> str:
    """The words that name the ROC convention ``positive_class`` in tables and figures.

    Examples
    --------
    >>> convention_words("non_acceptable")
    'positive = non-acceptable (majority), test positive when score <= cut-off'
    """
    return roc_convention(positive_class)[2]


def model_pairs(predictions: pd.DataFrame, mos: pd.DataFrame, reference_standard: pd.DataFrame, *, split: str) -> pd.DataFrame:
    """The model's score, the readers' MOS and the majority call of every image of ``split``.

    Parameters
    ----------
    predictions : pandas.DataFrame
        :func:`cxrqa.report.inputs.load_predictions`.
    mos : pandas.DataFrame
        :func:`cxrqa.report.inputs.load_mos`.
    reference_standard : pandas.DataFrame
        :func:`cxrqa.report.inputs.reference_standard`.
    split : str
        The analysed split.

    Returns
    -------
    pandas.DataFrame
        ``dimension, image_id, score, seconds_per_image, mos, acceptable`` (``acceptable`` NaN
        for an image without calls), sorted by dimension and image.

    Raises
    ------
    pandas.errors.MergeError
        When an image has two predictions or two MOS values in one dimension.
    """
    chosen = predictions[predictions["split"] == split][["dimension", "image_id", "score", "seconds_per_image"]]
    return (
        chosen.merge(mos[["dimension", "image_id", "mos"]], on=["dimension", "image_id"], how="inner", validate="one_to_one")
        .merge(reference_standard[["dimension", "image_id", "acceptable"]], on=["dimension", "image_id"], how="left")
        .sort_values(["dimension", "image_id"], kind="mergesort")
        .reset_index(drop=True)
    )


def describe_split(pairs: pd.DataFrame, *, split: str, positive_class: str) -> str:
    """One Markdown sentence: the analysed split, its images per dimension and the ROC convention.

    Examples
    --------
    >>> pairs = pd.DataFrame({"dimension": ["gray_level", "gray_level", "sharpness"]})
    >>> print(describe_split(pairs, split="test", positive_class="acceptable"))
    Split **test** (gray_level n = 2, sharpness n = 1). ROC convention in every table: **positive = acceptable (majority), test positive when score >= cut-off**.
    """
    words = convention_words(positive_class)
    counts = ", ".join(f"{dimension} n = {n}" for dimension, n in pairs.groupby("dimension").size().items())
    return f"Split **{split}** ({counts}). ROC convention in every table: **{words}**."


def agreement_stats(pairs: pd.DataFrame, *, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Paired t-test, ICC(A,1), Pearson r, MAD and Bland-Altman of model vs MOS, per dimension.

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
        :data:`cxrqa.stats.ICC_A1`, ``pearson_r``, ``mad``, and the Bland-Altman rows.
    """
    frames = []
    for dimension, part in pairs.groupby("dimension", sort=True):
        part = part.sort_values("image_id", kind="mergesort")
        model, mos = part["score"].to_numpy(float), part["mos"].to_numpy(float)
        result = pd.concat(
            [
                cs.paired_ttest(model, mos, confidence=confidence),
                cs.icc_pair(model, mos, confidence=confidence),
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
                cs.ICC_A1: _ci(s.loc[cs.ICC_A1]),
                "r": _ci(s.loc["pearson_r"]),
                "MAD": _ci(s.loc["mad"]),
            }
        )
    return pd.DataFrame(rows)


def regression_lines(pairs: pd.DataFrame, *, confidence: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Figure 9a/b: the least-squares line of the model score on the MOS, per dimension.

    Returns
    -------
    bands : pandas.DataFrame
        ``x, fit, ci_low, ci_high, dimension``: the line and the confidence band of its mean
        response on a grid over the MOS (:func:`cxrqa.stats.regression_band`).
    lines : pandas.DataFrame
        ``dimension, slope, intercept, r2, n`` (:func:`cxrqa.stats.linear_regression`).
    """
    bands, lines = [], []
    for dimension, part in pairs.groupby("dimension", sort=True):
        bands.append(cs.regression_band(part["mos"], part["score"], confidence=confidence).assign(dimension=dimension))
        fit = cs.linear_regression(part["mos"], part["score"], confidence=confidence).set_index("metric")["estimate"]
        lines.append({"dimension": dimension, "slope": float(fit["slope"]), "intercept": float(fit["intercept"]), "r2": float(fit["r_squared"]), "n": len(part)})
    return pd.concat(bands, ignore_index=True), pd.DataFrame(lines)


def scatter_plot_data(pairs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The ``dvc plots`` data of Figure 9 per dimension: ``scatter_<dimension>`` (``image_id, mos,
    score``) and ``bland_altman_<dimension>`` (``image_id, mean, difference``, difference = model - MOS)."""
    tables = {}
    for dimension, part in pairs.groupby("dimension", sort=True):
        tables[f"scatter_{dimension}"] = part[["image_id", "mos", "score"]]
        tables[f"bland_altman_{dimension}"] = part.assign(mean=(part["score"] + part["mos"]) / 2, difference=part["score"] - part["mos"])[
            ["image_id", "mean", "difference"]
        ]
    return tables


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
    positive, direction, words = roc_convention(positive_class)
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


def roc_plot_data(curves: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The ``dvc plots`` data of Figure 10: ``roc_<dimension>`` (``fpr, sensitivity, threshold``;
    the curve's infinite end thresholds written as empty)."""
    return {
        f"roc_{dimension}": part[["fpr", "sensitivity", "threshold"]].replace([np.inf, -np.inf], np.nan)
        for dimension, part in curves.groupby("dimension", sort=True)
    }


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
        cs.ICC_A1: "icc",
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


def paper_comparison(stats: pd.DataFrame, roc_result: pd.DataFrame, pairs: pd.DataFrame, *, positive_class: str) -> pd.DataFrame:
    """The paper's Table 3 and Figure 10 figures against ours (:func:`cxrqa.report.paper.paper_vs_ours`).

    Ours are the :func:`headline` numbers and the analysed split's MOS and model mean and SD.
    """
    ours = {(dimension, key): value for dimension, values in headline(stats, roc_result).items() for key, value in values.items()}
    for dimension, part in pairs.groupby("dimension", sort=True):
        ours.update({
            (dimension, "test_mos_mean"): part["mos"].mean(), (dimension, "test_mos_sd"): part["mos"].std(ddof=1),
            (dimension, "test_model_mean"): part["score"].mean(), (dimension, "test_model_sd"): part["score"].std(ddof=1),
        })
    return paper_vs_ours(ours, convention=convention_words(positive_class))


def headline_metrics(stats: pd.DataFrame, roc_result: pd.DataFrame, pairs: pd.DataFrame, *, split: str, positive_class: str) -> dict:
    """The content of ``reports/metrics.json``: :func:`headline` per dimension with the model's mean
    ``seconds_per_image``, and the ``split`` and ``positive_class`` they were computed with."""
    out = headline(stats, roc_result)
    for dimension in out:
        out[dimension]["seconds_per_image"] = float(pairs.loc[pairs["dimension"] == dimension, "seconds_per_image"].mean())
    return {**out, "split": split, "positive_class": positive_class}
