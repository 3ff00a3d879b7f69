"""Baseline scores from the feature table: scikit-learn regressors and single-feature maps.

Per dimension, each regressor is fitted on the training split's features and MOS (validation
chooses the ridge penalty) and predicts every image (method ``regressor_<name>``). Every single
feature is mapped to the 1-10 scale by a least-squares line fitted on the training split
(method ``feature_<column>``), so a report can rank the classical measures on the model's scale.
The regressors and lines see the columns of :data:`cxrqa.baselines.features.LOG_MEASURES` as
log10; missing values (e.g. an image without ROI) take the training median. Every score is
clipped to the scale, [1, 10].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, Ridge, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from cxrqa.baselines.features import LOG_MEASURES
from cxrqa.io.tables import BASELINE_COLUMNS

__all__ = ["REGRESSORS", "design_matrix", "fit_baselines", "split_agreement"]


#: Regressor names accepted by ``baselines.regressors`` in params.yaml.
REGRESSORS = ("gradient_boosting", "random_forest", "ridge")

SCALE = (1.0, 10.0)


def design_matrix(features: pd.DataFrame) -> pd.DataFrame:
    """Feature columns as the regressors see them: log10 for scale-free measures.

    Examples
    --------
    >>> design_matrix(pd.DataFrame({"laplacian_var_image": [1e-4, 1e-2], "entropy_image": [6.0, 7.0]}))
       laplacian_var_image  entropy_image
    0                 -4.0            6.0
    1                 -2.0            7.0
    """
    matrix = features.drop(columns=[c for c in ("image_id", "split") if c in features.columns]).astype(float)
    for column in matrix.columns:
        if column.rsplit("_", 1)[0] in LOG_MEASURES:
            matrix[column] = np.log10(matrix[column].clip(lower=1e-12))
    return matrix


def _make(name: str, seed: int, n_estimators: int, alpha: float | None = None):
    impute = SimpleImputer(strategy="median", keep_empty_features=True)
    if name == "gradient_boosting":
        model = GradientBoostingRegressor(
            n_estimators=n_estimators, learning_rate=0.05, max_depth=3, subsample=0.8, random_state=seed
        )
        return make_pipeline(impute, model)
    if name == "random_forest":
        model = RandomForestRegressor(n_estimators=n_estimators, min_samples_leaf=3, random_state=seed, n_jobs=1)
        return make_pipeline(impute, model)
    if name == "ridge":
        return make_pipeline(impute, StandardScaler(), Ridge(alpha=alpha if alpha is not None else 1.0))
    raise ValueError(f"unknown regressor '{name}' (known: {', '.join(REGRESSORS)})")


def _fit_ridge(x_train, y_train, x_val, y_val, alphas: Sequence[float]):
    if len(y_val) >= 2:
        errors = []
        for alpha in alphas:
            model = _make("ridge", 0, 0, alpha).fit(x_train, y_train)
            errors.append(float(np.mean((model.predict(x_val) - y_val) ** 2)))
        return _make("ridge", 0, 0, alphas[int(np.argmin(errors))]).fit(x_train, y_train)
    impute = SimpleImputer(strategy="median", keep_empty_features=True)
    return make_pipeline(impute, StandardScaler(), RidgeCV(alphas=list(alphas))).fit(x_train, y_train)


def fit_baselines(
    features: pd.DataFrame,
    splits: pd.DataFrame,
    mos: pd.DataFrame,
    *,
    regressors: Sequence[str] = REGRESSORS,
    seed: int = 0,
    n_estimators: int = 300,
    ridge_alphas: Sequence[float] = (0.1, 1.0, 10.0, 100.0),
    single_features: bool = True,
) -> pd.DataFrame:
    """Fit every baseline per dimension on the training split and score every image.

    Parameters
    ----------
    features : DataFrame
        ``image_id`` plus numeric feature columns (:func:`cxrqa.baselines.features.feature_table`).
    splits : DataFrame
        ``image_id, split`` with split in train/validation/test.
    mos : DataFrame
        MOS, index ``image_id``, one column per dimension
        (:func:`cxrqa.io.tables.mos_by_image`).
    regressors : sequence of str
        Names from :data:`REGRESSORS`.
    seed : int
        ``random_state`` of the tree ensembles.
    n_estimators : int
        Trees per ensemble.
    ridge_alphas : sequence of float
        Ridge penalties; the one with the least validation MSE is kept.
    single_features : bool
        Also map each feature to the scale by a line (``feature_<column>``).

    Returns
    -------
    DataFrame
        Long table with columns :data:`BASELINE_COLUMNS`, one row per image, dimension and method.

    Raises
    ------
    ValueError
        Unknown regressors, images without a split, or fewer than 10 training images with a MOS.
    """
    unknown = sorted(set(regressors) - set(REGRESSORS))
    if unknown:
        raise ValueError(f"unknown regressor(s) {', '.join(unknown)} (known: {', '.join(REGRESSORS)})")
    table = features.merge(splits[["image_id", "split"]], on="image_id", how="left", validate="one_to_one")
    if table["split"].isna().any():
        missing = table.loc[table["split"].isna(), "image_id"].iloc[0]
        raise ValueError(f"image '{missing}' (and maybe others) has features but no split")
    x = design_matrix(features.drop(columns=["image_id"]))
    rows = []
    for dimension in mos.columns:
        y = table["image_id"].map(mos[dimension]).to_numpy(dtype=float)
        train = (table["split"] == "train").to_numpy() & np.isfinite(y)
        val = (table["split"] == "validation").to_numpy() & np.isfinite(y)
        if train.sum() < 10:
            raise ValueError(f"{dimension}: {int(train.sum())} training images with a MOS; need at least 10")
        predictions: dict[str, np.ndarray] = {}
        for name in regressors:
            if name == "ridge":
                model = _fit_ridge(x[train], y[train], x[val], y[val], ridge_alphas)
            else:
                model = _make(name, seed, n_estimators).fit(x[train], y[train])
            predictions[f"regressor_{name}"] = model.predict(x)
        if single_features:
            for column in x.columns:
                values = x[column].to_numpy()
                known = train & np.isfinite(values)
                if known.sum() < 10 or np.ptp(values[known]) == 0:
                    continue
                filled = np.where(np.isfinite(values), values, np.median(values[known]))
                line = LinearRegression().fit(filled[known, None], y[known])
                predictions[f"feature_{column}"] = line.predict(filled[:, None])
        for method, score in predictions.items():
            rows.append(
                pd.DataFrame(
                    {
                        "image_id": table["image_id"],
                        "split": table["split"],
                        "dimension": dimension,
                        "method": method,
                        "score": np.clip(score, *SCALE),
                        "mos": y,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)[list(BASELINE_COLUMNS)]


def split_agreement(baselines: pd.DataFrame, *, split: str = "test", prefix: str = "regressor_") -> pd.DataFrame:
    """Pearson r and ICC(A,1) of each method vs MOS on one split, by ``cxrqa.stats``.

    Returns
    -------
    DataFrame
        ``dimension, method, n, pearson_r, icc_a1`` (:func:`cxrqa.stats.icc_pair`).
    """
    from cxrqa.stats import icc_pair, pearson

    chosen = baselines[(baselines["split"] == split) & baselines["method"].str.startswith(prefix)]
    chosen = chosen.dropna(subset=["score", "mos"])
    rows = []
    for (dimension, method), group in chosen.groupby(["dimension", "method"], sort=True):
        r = float(pearson(group["score"], group["mos"])["estimate"].iloc[0])
        group = group.sort_values("image_id", kind="mergesort")
        icc_a1 = float(icc_pair(group["score"], group["mos"])["estimate"].iloc[0])
        rows.append({"dimension": dimension, "method": method, "n": len(group), "pearson_r": r, "icc_a1": icc_a1})
    return pd.DataFrame(rows, columns=["dimension", "method", "n", "pearson_r", "icc_a1"])
