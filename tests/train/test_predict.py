"""Prediction: tables, attention overlays, reloading, and scoring any DICOM file."""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from cxrqa.cli import main
from cxrqa.config import PACKAGED_DEFAULTS
from cxrqa.io.tables import PREDICTION_COLUMNS
from cxrqa.predict.predict import predict_split, write_attention_overlays
from cxrqa.simulate.dicom_writer import write_radiograph
from cxrqa.scoring import InputSpec
from cxrqa.train.data import load_image_set
from cxrqa.train.loop import train_dimension


@pytest.fixture(scope="module")
def trained(tiny_study, tiny_params, tmp_path_factory):
    processed, ratings = tiny_study
    model, train = tiny_params
    out = tmp_path_factory.mktemp("models")
    for dimension in ("gray_level", "sharpness"):
        # each dimension's default input: gray-level whole images with the detail channel, sharpness patches
        spec = InputSpec.from_params(model, train.for_dimension(dimension))
        train_dimension(
            dimension=dimension,
            train_set=load_image_set(processed, ratings, dimension, ("train",), spec),
            val_set=load_image_set(processed, ratings, dimension, ("validation",), spec),
            model_params=model, train_params=train, out_dir=out / dimension, progress=False,
        )
    return out


def test_predict_split_table(trained, tiny_study):
    processed, ratings = tiny_study
    table = predict_split(trained / "sharpness" / "best.pt", processed, ratings, "sharpness", ("train", "validation"))
    assert list(table.columns) == list(PREDICTION_COLUMNS)
    assert len(table) == 24 and table["image_id"].is_monotonic_increasing
    assert table["score"].notna().all() and table["mos"].between(1, 10).all()
    assert (table["seconds_per_image"] > 0).all() and set(table["device"]) == {"cpu"}
    again = predict_split(trained / "sharpness" / "best.pt", processed, ratings, "sharpness", ("train", "validation"))
    pd.testing.assert_series_equal(table["score"], again["score"])  # a checkpoint reloads to identical scores


def test_attention_overlays(trained, tiny_study, tmp_path):
    processed, _ = tiny_study
    written = write_attention_overlays(trained / "gray_level" / "best.pt", processed, ["CXR0001", "CXR0005"], tmp_path)
    assert [p.name for p in written] == ["CXR0001.png", "CXR0005.png"]
    with Image.open(written[0]) as image:
        assert image.mode == "RGB" and image.size == (64 * 2 + 8, 64)


def test_score_command_scores_dicoms_and_lists_failures(trained, tmp_path, capsys):
    folder = tmp_path / "archive"
    folder.mkdir()
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:400, 0:360]
    for index, vendor in enumerate(("Canon", "Philips")):
        lungs = ((np.abs(xx - 180) > 30) & (np.abs(xx - 180) < 150) & (yy > 60) & (yy < 330)).astype(float)
        display = np.clip(0.8 - 0.5 * lungs + rng.normal(0, 0.02, yy.shape), 0, 1)
        write_radiograph(
            folder / f"patient{index}.dcm", display, image_id=f"P{index}", vendor=vendor, centre="Centre A",
            patient_age=50, patient_sex="F", study_date=dt.date(2019, 7, 1), seed=0,
        )
    (folder / "notes.txt").write_text("not an image")
    out = tmp_path / "scores.csv"
    status = main(["score", str(folder), "--models", str(trained), "--out", str(out), "--workers", "1", "--no-progress"])
    assert status == 0
    scores = pd.read_csv(out)
    assert sorted(scores["image_id"]) == ["patient0", "patient1"]
    assert scores[["gray_level", "sharpness", "seconds"]].notna().all().all()
    errors = pd.read_csv(tmp_path / "scores.errors.csv")
    assert len(errors) == 1 and errors["file"].iloc[0].endswith("notes.txt")


def test_score_command_needs_both_models(tmp_path, capsys):
    assert main(["score", str(tmp_path), "--models", str(tmp_path), "--out", str(tmp_path / "x.csv")]) == 2
    assert "no gray_level model" in capsys.readouterr().err


@pytest.mark.parametrize("choice, expected", [("held_out", {"validation", "test"}), ("test", {"test"})])
def test_predict_command_scores_the_chosen_splits(trained, tiny_study, tmp_path, choice, expected):
    import shutil

    import yaml

    source, ratings = tiny_study
    processed = shutil.copytree(source, tmp_path / "processed")
    splits = pd.read_csv(processed / "splits.csv")
    splits.loc[splits.index % 4 == 1, "split"] = "test"  # the tiny study has no test split
    splits.to_csv(processed / "splits.csv", index=False)
    params = yaml.safe_load(PACKAGED_DEFAULTS.read_text())
    params["predict"]["splits"] = choice
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(params))
    out = tmp_path / "gray_level.csv"
    status = main(["predict", "--params", str(params_file), "--dimension", "gray_level", "--model", str(trained / "gray_level" / "best.pt"),
                   "--processed", str(processed), "--ratings", str(ratings), "--out", str(out)])  # fmt: skip
    assert status == 0
    table = pd.read_csv(out)
    assert set(table["split"]) == expected
    assert sorted(table["image_id"]) == sorted(splits.loc[splits["split"].isin(expected), "image_id"])
