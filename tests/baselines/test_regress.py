"""Regressors and single-feature maps: fitted on train only, clipped to the scale, tidy output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxrqa.baselines.regress import design_matrix, fit_baselines, split_agreement
from cxrqa.io.tables import BASELINE_COLUMNS


def _study(n=120, seed=0):
    rng = np.random.default_rng(seed)
    blur = rng.uniform(0, 1, n)
    contrast = rng.uniform(0, 1, n)
    ids = [f"img{i:03d}" for i in range(n)]
    features = pd.DataFrame(
        {
            "image_id": ids,
            "laplacian_var_image": 10 ** (-2 - 2 * blur + rng.normal(0, 0.05, n)),
            "rms_contrast_image": 0.05 + 0.2 * contrast + rng.normal(0, 0.005, n),
            "entropy_roi": rng.normal(7, 0.3, n),
        }
    )
    mos = pd.DataFrame({"sharpness": 9 - 6 * blur, "gray_level": 3 + 6 * contrast}, index=pd.Index(ids, name="image_id"))
    split = np.array(["train"] * 80 + ["validation"] * 20 + ["test"] * 20)
    return features, pd.DataFrame({"image_id": ids, "split": split}), mos


def test_regressors_recover_a_feature_driven_mos():
    features, splits, mos = _study()
    table = fit_baselines(features, splits, mos, n_estimators=50, seed=1)
    assert list(table.columns) == list(BASELINE_COLUMNS)
    assert table["score"].between(1, 10).all()
    methods = set(table["method"])
    assert {"regressor_gradient_boosting", "regressor_random_forest", "regressor_ridge"} <= methods
    assert {"feature_laplacian_var_image", "feature_rms_contrast_image", "feature_entropy_roi"} <= methods
    assert len(table) == len(features) * 2 * len(methods)
    summary = split_agreement(table).set_index(["dimension", "method"])
    assert (summary["pearson_r"] > 0.9).all() and (summary["icc_a1"] > 0.85).all()
    assert (summary["n"] == 20).all()
    # the matching single feature predicts its dimension; the irrelevant one does not
    # (its line is nearly flat, so it cannot agree with the MOS in absolute terms)
    single = split_agreement(table, prefix="feature_").set_index(["dimension", "method"])
    assert single.loc[("sharpness", "feature_laplacian_var_image"), "pearson_r"] > 0.95
    assert single.loc[("sharpness", "feature_laplacian_var_image"), "icc_a1"] > 0.9
    assert single.loc[("sharpness", "feature_rms_contrast_image"), "icc_a1"] < 0.3


def test_test_split_mos_does_not_leak_into_the_fit():
    features, splits, mos = _study()
    changed = mos.copy()
    test_ids = splits.loc[splits["split"] == "test", "image_id"]
    changed.loc[test_ids, "sharpness"] = 1.0
    a = fit_baselines(features, splits, mos, n_estimators=20)
    b = fit_baselines(features, splits, changed, n_estimators=20)
    assert np.array_equal(a["score"].to_numpy(), b["score"].to_numpy())


def test_log_columns_and_errors():
    assert design_matrix(pd.DataFrame({"noise_wavelet_roi": [0.01]}))["noise_wavelet_roi"].iloc[0] == pytest.approx(-2)
    features, splits, mos = _study()
    with pytest.raises(ValueError, match="unknown regressor"):
        fit_baselines(features, splits, mos, regressors=["svm"])
    with pytest.raises(ValueError, match="no split"):
        fit_baselines(features, splits.iloc[:-1], mos)
    few = splits.assign(split=["train"] * 5 + ["test"] * (len(splits) - 5))
    with pytest.raises(ValueError, match="need at least 10"):
        fit_baselines(features, few, mos)
