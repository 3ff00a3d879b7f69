"""``cxrqa baselines`` end to end on a tiny synthetic study."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage

from cxrqa.cli import main

from .conftest import make_pattern


def _study(root, n=40):
    processed = root / "processed"
    (processed / "images").mkdir(parents=True)
    (processed / "rois").mkdir()
    rng = np.random.default_rng(0)
    rows, splits = [], []
    for i in range(n):
        blur = 3.0 * i / (n - 1)
        image = make_pattern(seed=i)
        image = ndimage.gaussian_filter(image, blur) if blur else image
        image_id = f"img{i:02d}"
        Image.fromarray(np.round(image * 65535).astype(np.uint16)).save(processed / "images" / f"{image_id}.png")
        mask = np.zeros(image.shape, np.uint8)
        mask[30:170, 10:50] = mask[30:170, 78:118] = 255
        Image.fromarray(mask).save(processed / "rois" / f"{image_id}.png")
        splits.append((image_id, ("train", "train", "validation", "test", "train")[i % 5]))
        for reader in range(3):
            for dimension, score in (("sharpness", 9 - 2 * blur), ("gray_level", 7)):
                value = int(np.clip(round(score + rng.integers(-1, 2)), 1, 10))
                rows.append((image_id, f"R{reader}", "radiologist", dimension, value, 10.0))
    pd.DataFrame(splits, columns=["image_id", "split"]).to_csv(processed / "splits.csv", index=False)
    ratings = root / "ratings.csv"
    pd.DataFrame(rows, columns=["image_id", "reader_id", "reader_role", "dimension", "score", "seconds"]).to_csv(
        ratings, index=False
    )
    params = root / "params.yaml"
    params.write_text(
        "baselines:\n  regressors: [ridge, random_forest]\n  n_estimators: 30\n  ridge_alphas: [1.0, 10.0]\n"
        "  brisque: false\n  seed: 1\n  workers: 2\n"
    )
    return processed, ratings, params


def test_command_writes_tables_and_prints_test_agreement(tmp_path, capsys):
    processed, ratings, params = _study(tmp_path)
    out, features_out = tmp_path / "results" / "baselines.csv", tmp_path / "results" / "features.csv"
    status = main(
        ["baselines", "--processed", str(processed), "--ratings", str(ratings), "--out", str(out),
         "--features-out", str(features_out), "--params", str(params), "--quiet"]
    )
    assert status == 0
    table, features = pd.read_csv(out), pd.read_csv(features_out)
    assert list(table.columns) == ["image_id", "split", "dimension", "method", "score", "mos"]
    assert list(features.columns[:2]) == ["image_id", "split"] and len(features) == 40
    assert "brisque_image" not in features.columns
    test = table[(table["split"] == "test") & (table["dimension"] == "sharpness")]
    ridge = test[test["method"] == "regressor_ridge"]
    assert np.corrcoef(ridge["score"], ridge["mos"])[0, 1] > 0.8
    printed = capsys.readouterr().out
    assert "regressor_ridge" in printed and "ICC(A,1)" in printed


def test_command_fails_clearly_without_splits(tmp_path, capsys):
    (tmp_path / "processed").mkdir()
    status = main(
        ["baselines", "--processed", str(tmp_path / "processed"), "--ratings", "r.csv", "--out", "o.csv",
         "--features-out", "f.csv", "--params", "params.yaml"]
    )
    assert status == 2 and "splits file not found" in capsys.readouterr().err
