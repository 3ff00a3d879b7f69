"""Each compared method's score and its reference score per image: the input of every benchmark metric.

Families (:data:`FAMILIES`): the model, its ablations, the classical regressors, the best single
classical measures (chosen on the validation split, :func:`best_features`) and the single readers,
each against the mean of the *other* readers (the human ceiling); every other method's reference
is the MOS of all readers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import cxrqa.stats as cs

__all__ = ["FAMILIES", "MODEL", "SCORE_COLUMNS", "best_features", "method_scores", "reader_scores"]

#: Name of the model in every table.
MODEL = "CaHDC-RGA"
#: Method families in table order; ``regressor`` and ``feature`` are the classical baselines.
FAMILIES = ("model", "ablation", "regressor", "feature", "reader")
#: Columns of :func:`method_scores`.
SCORE_COLUMNS = ["dimension", "family", "method", "image_id", "score", "reference"]


def best_features(baselines: pd.DataFrame, *, n: int, split: str = "validation") -> pd.DataFrame:
    """The ``n`` single features with the highest ICC(A,1) against the MOS on ``split``, per dimension.

    Selecting on the validation split keeps the analysed (test) split out of the choice, so the
    features' test figures are not optimistically biased by the selection.

    Parameters
    ----------
    baselines : pandas.DataFrame
        :func:`cxrqa.report.benchmark.load_baselines` (sorted by image within each method).
    n : int
        Features kept per dimension.
    split : str, default "validation"
        Split the ICC(A,1) (:func:`cxrqa.stats.icc_pair`) is computed on; a feature with fewer
        than three images there, or a constant one, is never chosen.

    Returns
    -------
    pandas.DataFrame
        ``dimension, method, rank, selection_icc`` (rank 1 = best), sorted by dimension and rank.
    """
    rows = []
    part = baselines[(baselines["split"] == split) & baselines["method"].str.startswith("feature_")]
    for (dimension, method), group in part.groupby(["dimension", "method"], sort=True):
        group = group.dropna(subset=["score", "mos"]).sort_values("image_id", kind="mergesort")
        if len(group) < 3 or np.ptp(group["score"].to_numpy(float)) == 0:
            continue
        rows.append((dimension, method, cs.icc_pair(group["score"].to_numpy(float), group["mos"].to_numpy(float)).loc[0, "estimate"]))
    table = pd.DataFrame(rows, columns=["dimension", "method", "selection_icc"])
    table = table.sort_values(["dimension", "selection_icc", "method"], ascending=[True, False, True], kind="mergesort")
    table["rank"] = table.groupby("dimension").cumcount() + 1
    return table[table["rank"] <= n][["dimension", "method", "rank", "selection_icc"]].reset_index(drop=True)


def reader_scores(ratings: pd.DataFrame, image_ids) -> pd.DataFrame:
    """Each reader's score and the mean of the other readers, per image (of ``image_ids``) and dimension.

    Returns
    -------
    pandas.DataFrame
        :data:`SCORE_COLUMNS`, family ``reader``, method ``reader_<reader_id>``.

    Raises
    ------
    ValueError
        When a reader did not rate every image (the human ceiling needs a complete design) or a
        dimension has fewer than three readers.
    """
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
        :func:`cxrqa.report.benchmark.load_ablations`).
    baselines, features : pandas.DataFrame
        :func:`cxrqa.report.benchmark.load_baselines` and the chosen features (:func:`best_features`).
    mos : pandas.DataFrame
        :func:`cxrqa.report.inputs.load_mos` (the reference of every non-reader method).
    ratings : pandas.DataFrame
        The readers' ratings (reader-vs-rest reference).
    split : str
        Analysed split.

    Returns
    -------
    pandas.DataFrame
        :data:`SCORE_COLUMNS`, sorted by dimension, family (:data:`FAMILIES`), feature rank,
        method and image.
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
    frames.append(reader_scores(ratings, reference["image_id"].unique()))
    out = pd.concat(frames, ignore_index=True)[SCORE_COLUMNS]
    rank = features.set_index(["dimension", "method"])["rank"]
    out["_family"] = out["family"].map({name: i for i, name in enumerate(FAMILIES)})
    out["_rank"] = [rank.get((d, m), 0) for d, m in zip(out["dimension"], out["method"])]
    out = out.sort_values(["dimension", "_family", "_rank", "method", "image_id"], kind="mergesort")
    return out.drop(columns=["_family", "_rank"]).reset_index(drop=True)
