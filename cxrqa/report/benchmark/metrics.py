"""Agreement of every method with its reference, the readers' own agreement, DeLong tests, the ceiling.

Every statistic is :mod:`cxrqa.stats`'s; this module applies them per dimension and method of the
long table of :func:`cxrqa.report.benchmark.method_scores`. Every bootstrap uses the same seed, so
all methods are resampled on the same images (common random numbers).

References
----------
.. [1] Shrout PE, Fleiss JL (1979). *Psychol Bull* 86(2):420-428.
.. [2] DeLong ER et al. (1988). *Biometrics* 44:837-845.
.. [3] Holm S (1979). *Scand J Stat* 6:65-70.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import cxrqa.stats as cs
from cxrqa.report.agreement import roc_convention
from cxrqa.report.benchmark.scores import MODEL

__all__ = ["ceiling", "delong_table", "method_metrics", "reader_agreement", "regressor_tests", "verdict_facts"]


def method_metrics(
    scores: pd.DataFrame,
    reference_standard: pd.DataFrame,
    *,
    positive_class: str,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """ICC(A,1), Pearson r, SRCC, MAD and AUC of every method, per dimension.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`cxrqa.report.benchmark.method_scores`.
    reference_standard : pandas.DataFrame
        ``dimension, image_id, acceptable`` (:func:`cxrqa.report.inputs.reference_standard`).
    positive_class : {"acceptable", "non_acceptable"}
        ROC convention (:data:`cxrqa.report.agreement.CONVENTIONS`).
    confidence, n_resamples, seed
        CI level; bootstrap resamples and seed (SRCC, MAD).

    Returns
    -------
    pandas.DataFrame
        ``dimension, family, method`` and :data:`cxrqa.stats.COLUMNS` (its ``method`` column
        renamed ``how``); metrics :data:`cxrqa.stats.ICC_A1` (:func:`cxrqa.stats.icc_pair`),
        ``pearson_r``, ``srcc`` (:func:`cxrqa.stats.spearman`), ``mad``, ``auc`` in that order
        per method.

    Raises
    ------
    ValueError
        An unknown ``positive_class``, or an image without a majority call.
    """
    positive, direction, words = roc_convention(positive_class)
    table = scores.merge(reference_standard[["dimension", "image_id", "acceptable"]], on=["dimension", "image_id"], how="left", validate="many_to_one")
    if table["acceptable"].isna().any():
        raise ValueError(f"image {table.loc[table['acceptable'].isna(), 'image_id'].iloc[0]} has no acceptability majority call")
    frames = []
    for (dimension, family, method), part in table.groupby(["dimension", "family", "method"], sort=False):
        part = part.sort_values("image_id", kind="mergesort")
        s, r = part["score"].to_numpy(float), part["reference"].to_numpy(float)
        auc = cs.roc(part["acceptable"].to_numpy(bool), s, positive=positive, direction=direction, confidence=confidence)
        result = pd.concat(
            [
                cs.icc_pair(s, r, confidence=confidence),
                cs.pearson(s, r, confidence=confidence),
                cs.spearman(s, r, confidence=confidence, n_resamples=n_resamples, seed=seed),
                cs.mad(s, r, confidence=confidence, n_resamples=n_resamples, seed=seed),
                auc[auc["metric"] == "auc"].assign(method=lambda f: f["method"] + f"; {words}"),
            ],
            ignore_index=True,
        )
        against = "mean of the other readers" if family == "reader" else "MOS of all readers"
        result["method"] = result["method"] + f"; a = {method}, b = {against}"
        result.insert(0, "method_name", method)
        result.insert(0, "family", family)
        result.insert(0, "dimension", dimension)
        frames.append(result)
    out = pd.concat(frames, ignore_index=True).rename(columns={"method": "how", "method_name": "method"})
    for column in ("estimate", "se", "ci_low", "ci_high", "statistic", "df1", "df2", "p_value"):
        out[column] = out[column].astype(float)
    out["n"] = out["n"].astype(int)
    return out


def reader_agreement(ratings: pd.DataFrame, calls: pd.DataFrame, image_ids, *, confidence: float = 0.95,
                     n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Inter-reader ICC(A,1) and ICC(A,k) of all readers, and Fleiss' kappa of the acceptability calls.

    Returns
    -------
    pandas.DataFrame
        ``dimension, readers`` and :data:`cxrqa.stats.COLUMNS`, metrics :data:`cxrqa.stats.ICC_A1`
        (one reader), :data:`cxrqa.stats.ICC_AK` (the mean of all, i.e. the MOS) and
        ``fleiss_kappa`` per dimension, on the images ``image_ids``.
    """
    ids = set(image_ids)
    frames = []
    for dimension in sorted(set(ratings["dimension"]) | set(calls["dimension"])):
        part = ratings[(ratings["dimension"] == dimension) & ratings["image_id"].isin(ids)]
        icc = cs.icc(part, "image_id", "reader_id", "score", confidence=confidence)
        icc = icc[icc["metric"].isin([cs.ICC_A1, cs.ICC_AK])].assign(readers=f"{part['reader_id'].nunique()} quality readers")
        votes = calls[(calls["dimension"] == dimension) & calls["image_id"].isin(ids)]
        kappa = cs.fleiss_kappa(votes.assign(call=votes["acceptable"].astype(int)),
                                "image_id", "reader_id", "call", confidence=confidence, n_resamples=n_resamples, seed=seed)
        kappa = kappa.assign(readers=f"{votes['reader_id'].nunique()} acceptability readers")
        frame = pd.concat([icc, kappa], ignore_index=True)
        frame.insert(0, "dimension", dimension)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out[["dimension", "readers", *cs.COLUMNS]]


def _untestable(y, a, b, *, positive, direction) -> pd.DataFrame:
    """The AUC difference without a test, for two scores with identical placements (e.g. both AUC = 1)."""
    auc = [cs.roc(y, s, positive=positive, direction=direction).set_index("metric").loc["auc", "estimate"] for s in (a, b)]
    row = {column: np.nan for column in cs.COLUMNS}
    row.update(metric="auc_difference", estimate=auc[0] - auc[1], n=len(y),
               method="DeLong test undefined: both scores give identical placements (zero variance of the difference)")
    return pd.DataFrame([row], columns=list(cs.COLUMNS))


def delong_table(scores: pd.DataFrame, reference_standard: pd.DataFrame, *, positive_class: str,
                 against=("ablation", "regressor"), confidence: float = 0.95) -> pd.DataFrame:
    """DeLong tests of the model's AUC against each method of the families ``against``, per dimension.

    The scores are paired on the same images; ``estimate`` is AUC(model) - AUC(other); ``p_holm``
    adjusts the p-values of one dimension together (:func:`cxrqa.stats.holm`; an untestable
    comparison keeps ``NaN`` and does not count).

    Returns
    -------
    pandas.DataFrame
        ``dimension, comparison, family`` then :data:`cxrqa.stats.COLUMNS` and ``p_holm``.
    """
    positive, direction, words = roc_convention(positive_class)
    table = scores.merge(reference_standard[["dimension", "image_id", "acceptable"]], on=["dimension", "image_id"], how="left")
    frames = []
    for dimension, part in table.groupby("dimension", sort=True):
        wide = part.pivot(index="image_id", columns="method", values="score")
        families = part.drop_duplicates("method").set_index("method")["family"]
        truth = part.drop_duplicates("image_id").set_index("image_id")["acceptable"].loc[wide.index].to_numpy(bool)
        rows = []
        for other in [m for m in part["method"].drop_duplicates() if families[m] in against]:
            pair = wide[[MODEL, other]].dropna()
            y = truth[wide.index.get_indexer(pair.index)]
            try:
                result = cs.delong_test(y, pair[MODEL], pair[other], positive=positive, direction=direction, confidence=confidence)
            except ValueError as error:
                if "variance of the difference is zero" not in str(error):
                    raise
                result = _untestable(y, pair[MODEL], pair[other], positive=positive, direction=direction)
            result["method"] = result["method"] + f"; AUC({MODEL}) - AUC({other}); {words}"
            result.insert(0, "family", families[other])
            result.insert(0, "comparison", f"{MODEL} vs {other}")
            rows.append(result)
        if rows:
            frame = pd.concat(rows, ignore_index=True)
            frame["p_holm"] = cs.holm(frame["p_value"])
            frame.insert(0, "dimension", dimension)
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["dimension", "comparison", "family", *cs.COLUMNS, "p_holm"])
    return pd.concat(frames, ignore_index=True)


def ceiling(metrics: pd.DataFrame) -> pd.DataFrame:
    """Range of the single readers (the human ceiling) per dimension and metric.

    Returns
    -------
    pandas.DataFrame
        ``dimension, metric, n_readers, reader_min, reader_median, reader_max, model, readers_below_model``
        (for the MAD, *below* means a larger MAD, i.e. worse than the model).
    """
    rows = []
    for (dimension, metric), part in metrics.groupby(["dimension", "metric"], sort=True):
        readers = part.loc[part["family"] == "reader", "estimate"].to_numpy(float)
        model = part.loc[part["family"] == "model", "estimate"]
        value = float(model.iloc[0]) if len(model) else np.nan
        worse = readers > value if metric == "mad" else readers < value
        rows.append({"dimension": dimension, "metric": metric, "n_readers": readers.size, "reader_min": readers.min(),
                     "reader_median": float(np.median(readers)), "reader_max": readers.max(), "model": value,
                     "readers_below_model": int(worse.sum())})
    return pd.DataFrame(rows)


def regressor_tests(delong: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """The DeLong tests of the model against the classical regressors in ``dimension``."""
    return delong[(delong["dimension"] == dimension) & (delong["family"] == "regressor")] if len(delong) else delong


def verdict_facts(metrics: pd.DataFrame, delong: pd.DataFrame, *, alpha: float = 0.05) -> dict[str, dict]:
    """Whether the model beats every classical baseline on ICC(A,1) and AUC, and its place among the readers.

    *Beats* means a higher point estimate than every classical baseline (regressors and chosen single
    features); the DeLong tests say how many of those AUC differences are significant (Holm-adjusted).

    Parameters
    ----------
    metrics : pandas.DataFrame
        :func:`method_metrics`.
    delong : pandas.DataFrame
        :func:`delong_table` (may be empty).
    alpha : float, default 0.05
        Family-wise level of the DeLong tests.

    Returns
    -------
    dict
        Per dimension: ``model_<m>``, ``best_baseline_<m>``, ``best_baseline_<m>_method`` and
        ``beats_baselines_<m>`` for ``m`` in ``icc``, ``auc``; ``delong_significant_regressors``
        (when the model was tested against regressors); ``readers_below_model_icc``,
        ``n_readers``, ``reader_icc_min`` and ``reader_icc_max``.
    """
    facts = {}
    levels = ceiling(metrics).set_index(["dimension", "metric"])
    for dimension, part in metrics.groupby("dimension", sort=True):
        classical = part[part["family"].isin(["regressor", "feature"])]
        model = part[part["family"] == "model"].set_index("metric")
        entry = {}
        for metric, key in ((cs.ICC_A1, "icc"), ("auc", "auc")):
            base = classical[classical["metric"] == metric].sort_values(["estimate", "method"], ascending=[False, True], kind="mergesort")
            best = base.iloc[0]
            value = float(model.loc[metric, "estimate"])
            entry.update({f"model_{key}": value, f"best_baseline_{key}": float(best["estimate"]), f"best_baseline_{key}_method": best["method"],
                          f"beats_baselines_{key}": bool(value > best["estimate"])})
        tests = regressor_tests(delong, dimension)
        if len(tests):
            entry["delong_significant_regressors"] = int(((tests["p_holm"] < alpha) & (tests["estimate"] > 0)).sum())
        level = levels.loc[(dimension, cs.ICC_A1)]
        entry.update(readers_below_model_icc=int(level["readers_below_model"]), n_readers=int(level["n_readers"]),
                     reader_icc_min=float(level["reader_min"]), reader_icc_max=float(level["reader_max"]))
        facts[dimension] = entry
    return facts
