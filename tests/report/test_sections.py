"""What the notebooks call besides the statistics: pairing, plot data, metrics files, captions, prose."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import cxrqa.stats as cs  # noqa: E402
from cxrqa.io.tables import read_ratings  # noqa: E402
from cxrqa.report import agreement, cohort, inputs, timing, training  # noqa: E402
from cxrqa.report.output import ReportWriter  # noqa: E402


@pytest.fixture(scope="module")
def loaded(study):
    mos = inputs.load_mos(study["ratings"], study["splits"])
    predictions = inputs.load_predictions(study["predictions"])
    reference = inputs.reference_standard(study["acceptability"])
    pairs = agreement.model_pairs(predictions, mos, reference, split="test")
    return {"mos": mos, "predictions": predictions, "reference": reference, "pairs": pairs}


# ---------------------------------------------------------------------------------------- agreement


def test_model_pairs_hold_the_analysed_split_with_mos_and_majority_call(loaded):
    pairs, mos, reference = loaded["pairs"], loaded["mos"], loaded["reference"]
    assert list(pairs.columns) == ["dimension", "image_id", "score", "seconds_per_image", "mos", "acceptable"]
    test_ids = set(mos.loc[mos["split"] == "test", "image_id"])
    assert set(pairs["image_id"]) == test_ids and len(pairs) == 2 * len(test_ids)
    assert pairs.equals(pairs.sort_values(["dimension", "image_id"]).reset_index(drop=True))
    row = pairs.iloc[3]
    expected = reference.set_index(["dimension", "image_id"]).loc[(row["dimension"], row["image_id"]), "acceptable"]
    assert row["acceptable"] == expected
    twice = pd.concat([loaded["predictions"], loaded["predictions"].iloc[:1]])
    with pytest.raises(pd.errors.MergeError):
        agreement.model_pairs(twice, mos, reference, split=loaded["predictions"].iloc[0]["split"])


def test_regression_lines_are_the_stats_fit_of_score_on_mos(loaded):
    pairs = loaded["pairs"]
    bands, lines = agreement.regression_lines(pairs, confidence=0.9)
    assert list(lines.columns) == ["dimension", "slope", "intercept", "r2", "n"]
    part = pairs[pairs["dimension"] == "sharpness"]
    fit = cs.linear_regression(part["mos"], part["score"]).set_index("metric")["estimate"]
    line = lines.set_index("dimension").loc["sharpness"]
    assert (line["slope"], line["intercept"], line["r2"], line["n"]) == (fit["slope"], fit["intercept"], fit["r_squared"], len(part))
    band = bands[bands["dimension"] == "sharpness"].drop(columns="dimension").reset_index(drop=True)
    pd.testing.assert_frame_equal(band, cs.regression_band(part["mos"], part["score"], confidence=0.9))


def test_plot_data_are_named_per_dimension(loaded, study):
    pairs = loaded["pairs"]
    scatter = agreement.scatter_plot_data(pairs)
    assert sorted(scatter) == ["bland_altman_gray_level", "bland_altman_sharpness", "scatter_gray_level", "scatter_sharpness"]
    ba, part = scatter["bland_altman_gray_level"], pairs[pairs["dimension"] == "gray_level"]
    np.testing.assert_array_equal(ba["difference"], part["score"] - part["mos"])
    assert list(scatter["scatter_sharpness"].columns) == ["image_id", "mos", "score"]
    _, curves = agreement.roc_analysis(pairs, positive_class="acceptable")
    roc = agreement.roc_plot_data(curves)
    assert sorted(roc) == ["roc_gray_level", "roc_sharpness"]
    assert all(np.isfinite(table["threshold"].dropna()).all() and table["threshold"].isna().any() for table in roc.values())


def test_headline_metrics_and_the_paper_comparison(loaded):
    pairs = loaded["pairs"]
    stats = agreement.agreement_stats(pairs, n_resamples=100, seed=1)
    roc_result, _ = agreement.roc_analysis(pairs, positive_class="non_acceptable")
    out = agreement.headline_metrics(stats, roc_result, pairs, split="test", positive_class="non_acceptable")
    assert (out["split"], out["positive_class"]) == ("test", "non_acceptable")
    gray = pairs[pairs["dimension"] == "gray_level"]
    assert out["gray_level"]["seconds_per_image"] == pytest.approx(gray["seconds_per_image"].mean())
    assert out["gray_level"]["icc"] == stats.set_index(["dimension", "metric"]).loc[("gray_level", cs.ICC_A1), "estimate"]
    table = agreement.paper_comparison(stats, roc_result, pairs, positive_class="non_acceptable").set_index(["dimension", "metric"])
    assert table.loc[("gray_level", "test_model_sd"), "ours"] == pytest.approx(gray["score"].std(ddof=1))
    assert table.loc[("sharpness", "icc"), "ours"] == pytest.approx(out["sharpness"]["icc"])
    assert "positive = non-acceptable" in table.loc[("gray_level", "sensitivity"), "note"]
    with pytest.raises(ValueError, match="positive_class"):
        agreement.describe_split(pairs, split="test", positive_class="good")


# ------------------------------------------------------------------------------------------- cohort


def test_cohort_metrics_count_images_and_non_acceptable_calls(study, loaded):
    split_table = inputs.read_splits(study["splits"])
    frame = cohort.cohort_table(split_table, inputs.read_demographics(study["dicom_dir"], split_table["image_id"]))
    assert len(frame) == len(split_table) and {"age", "sex"} <= set(frame.columns)
    _, tests = cohort.table2(frame)
    mos, reference = loaded["mos"], loaded["reference"]
    metrics = cohort.cohort_metrics(frame, mos, reference, tests, split="test")
    assert metrics["n_images"] == {"test": 12, "train": 36, "validation": 12}
    test_ids = set(split_table.loc[split_table["split"] == "test", "image_id"])
    calls = reference[(reference["dimension"] == "sharpness") & reference["image_id"].isin(test_ids)]
    assert metrics["sharpness"]["non_acceptable_test"] == int((~calls["acceptable"]).sum())
    development = mos[mos["split"].isin(["train", "validation"]) & (mos["dimension"] == "gray_level")]
    assert metrics["gray_level"]["mos_mean_development"] == pytest.approx(development["mos"].mean())
    table = cohort.paper_comparison(metrics, frame).set_index(["dimension", "metric"])
    assert table.loc[("both", "male_test"), "ours"] == (frame[frame["split"] == "test"]["sex"] == "M").sum()


def test_distribution_falls_back_to_every_image_without_development_splits(loaded):
    mos = loaded["mos"]
    assert set(cohort.distribution_mos(mos)["split"]) == set(cohort.DEVELOPMENT_SPLITS)
    only_test = mos[mos["split"] == "test"]
    assert cohort.distribution_mos(only_test).equals(only_test)


def test_sample_table_marks_the_non_acceptable_images(loaded):
    samples = cohort.sample_table(loaded["mos"], loaded["reference"], split="test", n=5, seed=3)
    assert len(samples) == 5 and samples["caption"].str.startswith(tuple(samples["image_id"])).all()
    assert (samples["caption"].str.endswith(" *") == samples["non_acceptable"]).all()
    assert samples.equals(cohort.sample_table(loaded["mos"], loaded["reference"], split="test", n=5, seed=3))


# ------------------------------------------------------------------------------------ timing, training


def test_timing_metrics_and_paper_comparison(study, loaded):
    readings = timing.reading_times(read_ratings(study["ratings"]), inputs.read_splits(study["splits"]))
    model = timing.model_seconds(loaded["predictions"])
    metrics = timing.timing_metrics(readings, model)
    assert set(metrics["reader_seconds_mean"]) == {"train", "validation", "test"}
    assert metrics["model_seconds_both_mean"]["test"] == pytest.approx(model.loc[model["split"] == "test", "both"].mean())
    table = timing.paper_comparison(readings, model).set_index("metric")
    assert table.loc["reader_seconds_test", "ours"] == pytest.approx(metrics["reader_seconds_mean"]["test"])
    assert timing.describe_devices(loaded["predictions"]) == "Model timing measured on: gray_level: cpu, batch 4, sharpness: cpu, batch 4"


def test_table4_keeps_the_readers_of_a_split_the_model_did_not_score(study, loaded):
    readings = timing.reading_times(read_ratings(study["ratings"]), inputs.read_splits(study["splits"]))
    model = timing.model_seconds(loaded["predictions"])
    table, tests = timing.table4(readings, model[model["split"] != "train"])  # as with predict.splits: held_out
    rows = table.set_index("split")
    assert list(rows.index) == ["train", "validation", "test"] and rows.loc["train", "images"] == 36
    assert rows.loc["train", "readers, mean"] == f"{readings.loc[readings['split'] == 'train', 'seconds'].mean():.2f}"
    assert rows.loc["train", "model both, mean"] == rows.loc["train", "paired t-test"] == "not scored"
    assert rows.loc["test", "model both, mean"] == f"{model.loc[model['split'] == 'test', 'both'].mean():.3f}"
    assert set(tests["split"]) == {"validation", "test"}
    full, _ = timing.table4(readings, model)
    assert full.set_index("split").loc["train", "model both, mean"] != "not scored"


def test_attention_captions_and_training_metrics(study, loaded):
    overlays = training.attention_overlays(inputs.attention_images(study["attention_dir"]), loaded["predictions"])
    assert len(overlays) == 6 and overlays["score"].notna().all()
    first = overlays.iloc[0]
    assert first["caption"] == f"{first['dimension']} {first['image_id']}\nmodel {first['score']:.2f}, MOS {first['mos']:.2f}"
    summary = inputs.load_training_summary(study["train_dir"])
    assert training.training_metrics(summary) == {d: {"step": 3.0, "val_icc": 0.5, "val_r": 0.6} for d in ("gray_level", "sharpness")}


# ------------------------------------------------------------------------------------------- writer


def test_writer_saves_prose_and_collections(tmp_path):
    writer = ReportWriter(tmp_path, "demo")
    shown = writer.markdown("The model **beats** the baselines.", "verdict")
    assert (tmp_path / "tables" / "demo" / "verdict.md").read_text() == "The model **beats** the baselines.\n"
    assert shown.data == "The model **beats** the baselines."
    paths = writer.plot_data_each({"a": pd.DataFrame({"x": [1.5]}), "b": pd.DataFrame({"y": [2]})})
    assert [p.name for p in paths] == ["a.csv", "b.csv"] and paths[0].read_text() == "x\n1.5\n"
    figures = {name: plt.figure() for name in ("one", "two")}
    images = writer.figure_each(figures)
    assert len(images) == 2 and (tmp_path / "figures" / "demo" / "two.svg").is_file()
