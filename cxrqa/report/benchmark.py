"""Every method against the readers' MOS: the model, its ablations, the baselines and the human ceiling.

Per dimension, on the analysed split, each *method* gives one score per image and is compared with
a reference score and with the majority acceptability call:

* ``model``: CaHDC-RGA (``results/predictions``) against the MOS of all readers;
* ``ablation``: the model trained with one switch off (``results/ablations/<name>``), same reference;
* ``regressor``: the classical baselines' scikit-learn regressors (``regressor_<name>``);
* ``feature``: the best few single classical measures (``feature_<column>``), chosen on the
  validation split, never on the analysed one (:func:`best_features`);
* ``reader``: each single reader against the mean of the *other* readers (the human ceiling).

Metrics (:func:`method_metrics`): ICC(A,1) = Shrout-Fleiss ICC(2,1) with its F-based CI, Pearson r
with the Fisher-z CI, Spearman's rank correlation (SRCC) and the MAD with seeded BCa bootstrap CIs,
and the AUC against the majority call with the DeLong CI under the report's positive-class
convention (:data:`cxrqa.report.agreement.CONVENTIONS`). Every bootstrap uses the same seed, so all
methods are resampled on the same images (common random numbers).

References
----------
.. [1] Shrout PE, Fleiss JL (1979). *Psychol Bull* 86(2):420-428.
.. [2] DeLong ER et al. (1988). *Biometrics* 44:837-845.
.. [3] Efron B, Tibshirani RJ (1993). *An Introduction to the Bootstrap*, ch. 14 (BCa).
.. [4] Holm S (1979). *Scand J Stat* 6:65-70.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import cxrqa.stats as cs
from cxrqa.io.tables import DIMENSIONS, PREDICTION_COLUMNS, read_acceptability, read_baselines, read_ratings
from cxrqa.report import inputs
from cxrqa.report.agreement import CONVENTIONS

__all__ = [
    "FAMILIES",
    "METRICS",
    "MODEL",
    "best_features",
    "ceiling",
    "delong_table",
    "headline",
    "holm",
    "load_ablations",
    "load_baselines",
    "load_inputs",
    "method_metrics",
    "method_scores",
    "reader_agreement",
    "srcc",
    "summary_table",
    "verdict",
    "weighted_spearman",
]

#: Name of the model in every table.
MODEL = "CaHDC-RGA"
#: Method families in table order; ``regressor`` and ``feature`` are the classical baselines.
FAMILIES = ("model", "ablation", "regressor", "feature", "reader")
#: Tidy metric name -> column header of the summary table.
METRICS = {"ICC(2,1)": "ICC(A,1)", "pearson_r": "r", "srcc": "SRCC", "mad": "MAD", "auc": "AUC"}

_SCORE_COLUMNS = ["dimension", "family", "method", "image_id", "score", "reference"]


def load_baselines(path: str | Path) -> pd.DataFrame:
    """``results/baselines.csv`` checked and sorted by dimension, method, split and image."""
    table = read_baselines(path)
    bad = ~table["method"].str.startswith(("regressor_", "feature_"))
    if bad.any():
        raise ValueError(f"{path}: method {table.loc[bad, 'method'].iloc[0]!r} is neither regressor_<name> nor feature_<name>")
    return table.sort_values(["dimension", "method", "split", "image_id"], kind="mergesort").reset_index(drop=True)


def best_features(baselines: pd.DataFrame, *, n: int, split: str = "validation") -> pd.DataFrame:
    """The ``n`` single features with the highest ICC(A,1) against the MOS on ``split``, per dimension.

    Selecting on the validation split keeps the analysed (test) split out of the choice, so the
    features' test figures are not optimistically biased by the selection.

    Returns
    -------
    pandas.DataFrame
        ``dimension, method, rank, selection_icc`` (rank 1 = best), sorted by dimension and rank.
    """
    rows = []
    part = baselines[(baselines["split"] == split) & baselines["method"].str.startswith("feature_")]
    for (dimension, method), group in part.groupby(["dimension", "method"], sort=True):
        group = group.dropna(subset=["score", "mos"])
        if len(group) < 3 or np.ptp(group["score"].to_numpy(float)) == 0:
            continue
        rows.append((dimension, method, _icc_a1(group["score"].to_numpy(float), group["mos"].to_numpy(float), group["image_id"])["estimate"]))
    table = pd.DataFrame(rows, columns=["dimension", "method", "selection_icc"])
    table = table.sort_values(["dimension", "selection_icc", "method"], ascending=[True, False, True], kind="mergesort")
    table["rank"] = table.groupby("dimension").cumcount() + 1
    return table[table["rank"] <= n][["dimension", "method", "rank", "selection_icc"]].reset_index(drop=True)


def load_ablations(folder: str | Path | None, dimensions=DIMENSIONS) -> tuple[pd.DataFrame, list[str]]:
    """Prediction CSVs of the ablation runs, ``<folder>/<name>/<dimension>.csv``.

    A missing folder, an empty one or a run without some dimension is skipped, never an error;
    the notes say what was found and what was not.

    Returns
    -------
    predictions : pandas.DataFrame
        ``ablation`` and the columns of :data:`cxrqa.report.PREDICTION_COLUMNS`.
    notes : list of str
        One line per run (or one saying there is none).
    """
    empty = pd.DataFrame(columns=["ablation", *PREDICTION_COLUMNS])
    if not folder or not Path(folder).is_dir():
        return empty, [f"no ablation folder at {folder!r}: no ablation is included"]
    frames, notes = [], []
    for run in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        found = [d for d in dimensions if (run / f"{d}.csv").is_file()]
        if not found:
            notes.append(f"{run.name}: no prediction file, skipped")
            continue
        frames.append(inputs.load_predictions(run, found).assign(ablation=run.name))
        absent = [d for d in dimensions if d not in found]
        notes.append(f"{run.name}: {', '.join(found)}" + (f" (no {', '.join(absent)})" if absent else ""))
    if not frames:
        return empty, notes or [f"{folder} holds no ablation run: no ablation is included"]
    return pd.concat(frames, ignore_index=True)[list(empty.columns)], notes


def _reader_scores(ratings: pd.DataFrame, image_ids) -> pd.DataFrame:
    """Each reader's score and the mean of the other readers, per image and dimension."""
    frames = []
    for dimension, part in ratings[ratings["image_id"].isin(set(image_ids))].groupby("dimension", sort=True):
        wide = part.pivot(index="image_id", columns="reader_id", values="score").sort_index()
        if wide.isna().any().any():
            raise ValueError(f"{dimension}: not every reader rated every analysed image (the human ceiling needs a complete design)")
        if wide.shape[1] < 3:
            raise ValueError(f"{dimension}: need at least three readers for reader-vs-rest, got {wide.shape[1]}")
        total = wide.sum(axis=1)
        for reader in wide.columns:
            rest = (total - wide[reader]) / (wide.shape[1] - 1)
            frames.append(pd.DataFrame({"dimension": dimension, "family": "reader", "method": f"reader_{reader}",
                                        "image_id": wide.index, "score": wide[reader].to_numpy(float), "reference": rest.to_numpy(float)}))
    return pd.concat(frames, ignore_index=True)


def method_scores(
    predictions: pd.DataFrame,
    baselines: pd.DataFrame,
    features: pd.DataFrame,
    ablations: pd.DataFrame,
    mos: pd.DataFrame,
    ratings: pd.DataFrame,
    *,
    split: str,
) -> pd.DataFrame:
    """One long table of every method's score and its reference on ``split``.

    Parameters
    ----------
    predictions, ablations : pandas.DataFrame
        The model's and the ablations' predictions (:func:`cxrqa.report.inputs.load_predictions`,
        :func:`load_ablations`).
    baselines, features : pandas.DataFrame
        :func:`load_baselines` and the chosen features (:func:`best_features`).
    mos : pandas.DataFrame
        :func:`cxrqa.report.inputs.load_mos` (the reference of every non-reader method).
    ratings : pandas.DataFrame
        The readers' ratings (reader-vs-rest reference).
    split : str
        Analysed split.

    Returns
    -------
    pandas.DataFrame
        ``dimension, family, method, image_id, score, reference``, sorted by dimension, family
        (:data:`FAMILIES`), method and image.
    """
    reference = mos[mos["split"] == split][["dimension", "image_id", "mos"]]
    parts = [predictions[predictions["split"] == split].assign(family="model", method=MODEL)]
    if len(ablations):
        parts.append(ablations[ablations["split"] == split].assign(family="ablation", method="ablation_" + ablations["ablation"]))
    chosen = baselines[baselines["split"] == split]
    keep = chosen["method"].str.startswith("regressor_") | chosen.set_index(["dimension", "method"]).index.isin(
        features.set_index(["dimension", "method"]).index
    )
    chosen = chosen[keep]
    parts.append(chosen.assign(family=np.where(chosen["method"].str.startswith("regressor_"), "regressor", "feature")))
    frames = []
    for part in parts:
        part = part[["dimension", "family", "method", "image_id", "score"]].merge(reference, on=["dimension", "image_id"], how="inner", validate="many_to_one")
        frames.append(part.rename(columns={"mos": "reference"}))
    frames.append(_reader_scores(ratings, reference["image_id"].unique()))
    out = pd.concat(frames, ignore_index=True)[_SCORE_COLUMNS]
    rank = features.set_index(["dimension", "method"])["rank"]
    out["_family"] = out["family"].map({name: i for i, name in enumerate(FAMILIES)})
    out["_rank"] = [rank.get((d, m), 0) for d, m in zip(out["dimension"], out["method"])]
    out = out.sort_values(["dimension", "_family", "_rank", "method", "image_id"], kind="mergesort")
    return out.drop(columns=["_family", "_rank"]).reset_index(drop=True)


def _icc_a1(score, reference, image_ids, *, confidence: float = 0.95) -> pd.Series:
    ids = np.asarray(image_ids)
    long = pd.DataFrame({"image_id": np.r_[ids, ids], "rater": ["method"] * len(ids) + ["reference"] * len(ids), "value": np.r_[score, reference]})
    result = cs.icc(long, "image_id", "rater", "value", confidence=confidence)
    return result[result["metric"] == "ICC(2,1)"].iloc[0]


def _midranks(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    values, group = np.unique(x, return_inverse=True)
    per_value = weights @ (group[:, None] == np.arange(values.size)[None, :]).astype(float)
    below = np.cumsum(per_value, axis=1) - per_value
    return (below + (per_value + 1.0) / 2.0)[:, group]


def weighted_spearman(x, y, weights) -> np.ndarray:
    """Spearman's rho of many bootstrap resamples given as frequency weights, at once.

    A row drawn ``w`` times takes the mid-rank of its value in the resample, so the result equals
    :func:`scipy.stats.spearmanr` on the expanded resample (ties get mid-ranks).

    Parameters
    ----------
    x, y : array_like
        ``(n,)`` paired values.
    weights : array_like
        ``(B, n)`` frequency weights (:func:`cxrqa.stats.bootstrap_weights`).

    Returns
    -------
    numpy.ndarray
        ``(B,)`` rank correlations.

    Examples
    --------
    >>> x, y = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 4.0])
    >>> weighted_spearman(x, y, np.array([[1.0, 1, 1, 1], [2, 0, 1, 1]])).round(4)
    array([0.8, 1. ])
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    w = np.atleast_2d(np.asarray(weights, float))
    rx, ry = _midranks(x, w), _midranks(y, w)
    total = w.sum(axis=1, keepdims=True)
    dx = rx - (w * rx).sum(axis=1, keepdims=True) / total
    dy = ry - (w * ry).sum(axis=1, keepdims=True) / total
    with np.errstate(invalid="ignore", divide="ignore"):
        return (w * dx * dy).sum(axis=1) / np.sqrt((w * dx**2).sum(axis=1) * (w * dy**2).sum(axis=1))


def srcc(a, b, *, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Spearman's rank correlation of paired values with a seeded BCa bootstrap CI.

    Returns
    -------
    pandas.DataFrame
        One row ``srcc`` in :data:`cxrqa.stats.COLUMNS`.

    Examples
    --------
    >>> res = srcc([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5], n_resamples=200, seed=1)
    >>> round(float(res.loc[0, "estimate"]), 4), bool(res.loc[0, "ci_low"] < 0.8286 < res.loc[0, "ci_high"])
    (0.8286, True)
    """
    x, y = np.asarray(a, float), np.asarray(b, float)
    if x.shape != y.shape or x.size < 3:
        raise ValueError(f"srcc needs two paired vectors of at least 3 values, got {x.shape} and {y.shape}")
    result = cs.bootstrap(pd.DataFrame({"a": x, "b": y}), lambda w: weighted_spearman(x, y, w), n_resamples=n_resamples,
                          confidence=confidence, seed=seed, metric="srcc")
    result["method"] = "Spearman rank correlation (mid-ranks); " + result["method"]
    return result


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
        :func:`method_scores`.
    reference_standard : pandas.DataFrame
        ``dimension, image_id, acceptable`` (:func:`cxrqa.report.inputs.reference_standard`).
    positive_class : {"acceptable", "non_acceptable"}
        ROC convention (:data:`cxrqa.report.agreement.CONVENTIONS`).
    confidence, n_resamples, seed
        CI level; bootstrap resamples and seed (SRCC, MAD).

    Returns
    -------
    pandas.DataFrame
        ``dimension, family, method`` and :data:`cxrqa.stats.COLUMNS`; metrics ``ICC(2,1)``,
        ``pearson_r``, ``srcc``, ``mad``, ``auc`` in that order per method.
    """
    if positive_class not in CONVENTIONS:
        raise ValueError(f"positive_class must be one of {', '.join(CONVENTIONS)}, got {positive_class!r}")
    positive, direction, words = CONVENTIONS[positive_class]
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
                _icc_a1(s, r, part["image_id"], confidence=confidence).to_frame().T,
                cs.pearson(s, r, confidence=confidence),
                srcc(s, r, confidence=confidence, n_resamples=n_resamples, seed=seed),
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
    """Inter-reader ICC(2,1) and ICC(2,k) of all readers, and Fleiss' kappa of the acceptability calls.

    Returns
    -------
    pandas.DataFrame
        ``dimension, readers`` and :data:`cxrqa.stats.COLUMNS`, metrics ``ICC(2,1)``, ``ICC(2,k)``
        and ``fleiss_kappa`` per dimension, on the images ``image_ids``.
    """
    ids = set(image_ids)
    frames = []
    for dimension in sorted(set(ratings["dimension"]) | set(calls["dimension"])):
        part = ratings[(ratings["dimension"] == dimension) & ratings["image_id"].isin(ids)]
        icc = cs.icc(part, "image_id", "reader_id", "score", confidence=confidence)
        icc = icc[icc["metric"].isin(["ICC(2,1)", "ICC(2,k)"])].assign(readers=f"{part['reader_id'].nunique()} quality readers")
        votes = calls[(calls["dimension"] == dimension) & calls["image_id"].isin(ids)]
        kappa = cs.fleiss_kappa(votes.assign(call=votes["acceptable"].astype(int)),
                                "image_id", "reader_id", "call", confidence=confidence, n_resamples=n_resamples, seed=seed)
        kappa = kappa.assign(readers=f"{votes['reader_id'].nunique()} acceptability readers")
        frame = pd.concat([icc, kappa], ignore_index=True)
        frame.insert(0, "dimension", dimension)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out[["dimension", "readers", *cs.COLUMNS]]


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error rate).

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(3)
    array([0.03, 0.06, 0.06])
    >>> holm([0.01, float("nan"), 0.04]).round(3)
    array([0.02,  nan, 0.04])
    """
    p = np.asarray(p_values, float)
    if np.isnan(p).any():  # untestable comparisons stay NaN and do not count
        out = np.full_like(p, np.nan)
        out[~np.isnan(p)] = holm(p[~np.isnan(p)])
        return out
    order = np.argsort(p, kind="mergesort")
    adjusted = np.minimum(1.0, np.maximum.accumulate(p[order] * (p.size - np.arange(p.size))))
    out = np.empty_like(p)
    out[order] = adjusted
    return out


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
    adjusts the p-values of one dimension together (Holm).

    Returns
    -------
    pandas.DataFrame
        ``dimension, comparison, family`` then :data:`cxrqa.stats.COLUMNS` and ``p_holm``.
    """
    positive, direction, words = CONVENTIONS[positive_class]
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
            frame["p_holm"] = holm(frame["p_value"])
            frame.insert(0, "dimension", dimension)
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["dimension", "comparison", "family", *cs.COLUMNS, "p_holm"])
    return pd.concat(frames, ignore_index=True)


def _fmt(row, digits: int = 3) -> str:
    return f"{row['estimate']:.{digits}f} ({row['ci_low']:.{digits}f} to {row['ci_high']:.{digits}f})"


def summary_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per dimension and method: every metric as ``estimate (CI)``."""
    rows = []
    for (dimension, family, method), part in metrics.groupby(["dimension", "family", "method"], sort=False):
        s = part.set_index("metric")
        rows.append({"dimension": dimension, "family": family, "method": method, "n": int(s["n"].max()),
                     **{header: _fmt(s.loc[metric]) for metric, header in METRICS.items()}})
    return pd.DataFrame(rows)


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


def verdict(metrics: pd.DataFrame, delong: pd.DataFrame, *, alpha: float = 0.05) -> tuple[dict, str]:
    """Whether the model beats every classical baseline on ICC(A,1) and AUC, and its place among the readers.

    *Beats* means a higher point estimate than every classical baseline (regressors and chosen single
    features); the DeLong tests say how many of those AUC differences are significant (Holm-adjusted).

    Returns
    -------
    facts : dict
        Per dimension: ``beats_baselines_icc``, ``beats_baselines_auc``, the best baseline of each
        metric and its value, the model's values, ``readers_below_model_icc`` and ``n_readers``.
    text : str
        One sentence per dimension, generated from ``facts``.
    """
    facts, sentences = {}, []
    levels = ceiling(metrics).set_index(["dimension", "metric"])
    for dimension, part in metrics.groupby("dimension", sort=True):
        classical = part[part["family"].isin(["regressor", "feature"])]
        model = part[part["family"] == "model"].set_index("metric")
        entry, clauses = {}, []
        for metric, key in (("ICC(2,1)", "icc"), ("auc", "auc")):
            base = classical[classical["metric"] == metric].sort_values(["estimate", "method"], ascending=[False, True], kind="mergesort")
            best = base.iloc[0]
            value = float(model.loc[metric, "estimate"])
            entry.update({f"model_{key}": value, f"best_baseline_{key}": float(best["estimate"]), f"best_baseline_{key}_method": best["method"],
                          f"beats_baselines_{key}": bool(value > best["estimate"])})
            label = "ICC(A,1)" if key == "icc" else "AUC"
            clauses.append(f"{'beats' if value > best['estimate'] else 'does not beat'} every classical baseline on {label} "
                           f"({value:.3f} vs best {best['method']} {best['estimate']:.3f})")
        tests = delong[(delong["dimension"] == dimension) & (delong["family"] == "regressor")] if len(delong) else delong
        if len(tests):
            significant = int(((tests["p_holm"] < alpha) & (tests["estimate"] > 0)).sum())
            entry["delong_significant_regressors"] = significant
            untestable = int(tests["p_value"].isna().sum())
            clauses[-1] += (f"; its AUC is significantly higher (DeLong, Holm-adjusted P < {alpha}) than {significant} of {len(tests)} regressors"
                            + (f" ({untestable} untestable: identical ROC placements)" if untestable else ""))
        level = levels.loc[(dimension, "ICC(2,1)")]
        below, n_readers = int(level["readers_below_model"]), int(level["n_readers"])
        entry.update(readers_below_model_icc=below, n_readers=n_readers, reader_icc_min=float(level["reader_min"]), reader_icc_max=float(level["reader_max"]))
        if below == n_readers:
            place = f"above all {n_readers} single readers"
        elif below == 0:
            place = f"below all {n_readers} single readers"
        else:
            place = f"within the range of single readers, above {below} of {n_readers}"
        facts[dimension] = entry
        sentences.append(f"{dimension.replace('_', '-')}: {MODEL} {' and '.join(clauses)}; on ICC(A,1) it stands {place} "
                         f"(single readers vs the others' MOS {level['reader_min']:.3f} to {level['reader_max']:.3f}).")
    return facts, " ".join(sentences)


def headline(metrics: pd.DataFrame, agreement: pd.DataFrame, facts: dict) -> dict:
    """Headline numbers per dimension for ``reports/metrics/benchmark.json``.

    ``{dimension: {<method>: {icc, auc, srcc, pearson_r, mad}, inter_reader_icc_21, inter_reader_icc_2k,
    fleiss_kappa, verdict facts...}}``; readers are summarised by their range, not listed.
    """
    names = {"ICC(2,1)": "icc", "pearson_r": "pearson_r", "srcc": "srcc", "mad": "mad", "auc": "auc"}
    out: dict[str, dict] = {}
    for (dimension, family, method), part in metrics.groupby(["dimension", "family", "method"], sort=False):
        if family == "reader":
            continue
        out.setdefault(dimension, {})[method] = {names[m]: float(v) for m, v in zip(part["metric"], part["estimate"])}
    for _, row in agreement.iterrows():
        key = {"ICC(2,1)": "inter_reader_icc_21", "ICC(2,k)": "inter_reader_icc_2k", "fleiss_kappa": "fleiss_kappa"}[row["metric"]]
        out.setdefault(row["dimension"], {})[key] = float(row["estimate"])
    for dimension, entry in facts.items():
        out.setdefault(dimension, {}).update(entry)
    return out


def load_inputs(ratings: str | Path, acceptability: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The readers' ratings and acceptability calls, checked (:mod:`cxrqa.io.tables`)."""
    return read_ratings(ratings), read_acceptability(acceptability)
