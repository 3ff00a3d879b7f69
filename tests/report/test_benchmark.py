"""The benchmark report: every method vs the MOS, the human ceiling, DeLong, verdict and notebook."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxrqa.stats as cs
from cxrqa.report import agreement, benchmark, inputs
from cxrqa.report.runner import run_notebook

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def ablation_dir(study, tmp_path_factory):
    """Two ablation runs: ``no_attention`` with both dimensions, ``mse`` with gray-level only."""
    root = tmp_path_factory.mktemp("ablations")
    rng = np.random.default_rng(3)
    for name, dimensions in (("no_attention", ("gray_level", "sharpness")), ("mse", ("gray_level",))):
        (root / name).mkdir()
        for d in dimensions:
            table = pd.read_csv(study["predictions"] / f"{d}.csv", dtype={"image_id": str})
            table["score"] = np.round(table["mos"] + rng.normal(0, 0.9, len(table)), 4)
            table.to_csv(root / name / f"{d}.csv", index=False)
    (root / "empty_run").mkdir()
    return root


@pytest.fixture(scope="module")
def data(study, ablation_dir):
    ratings, calls = benchmark.load_inputs(study["ratings"], study["acceptability"])
    mos = inputs.load_mos(study["ratings"], study["splits"])
    classical = benchmark.load_baselines(study["baselines"])
    features = benchmark.best_features(classical, n=2)
    ablation, notes = benchmark.load_ablations(ablation_dir)
    scores = benchmark.method_scores(inputs.load_predictions(study["predictions"]), classical, features, ablation, mos, ratings, split="test")
    reference = inputs.reference_standard(study["acceptability"])
    metrics = benchmark.method_metrics(scores, reference, positive_class="acceptable", n_resamples=300, seed=5)
    return {"ratings": ratings, "calls": calls, "mos": mos, "classical": classical, "features": features, "notes": notes,
            "scores": scores, "reference": reference, "metrics": metrics}


def _value(metrics, dimension, method, metric, column="estimate"):
    row = metrics[(metrics["dimension"] == dimension) & (metrics["method"] == method) & (metrics["metric"] == metric)]
    assert len(row) == 1, (dimension, method, metric)
    return float(row[column].iloc[0])


def test_features_are_chosen_on_validation_only(data):
    classical = data["classical"]
    expected = []
    for (d, method), part in classical[(classical["split"] == "validation") & classical["method"].str.startswith("feature_")].groupby(["dimension", "method"]):
        long = pd.DataFrame({"t": list(part["image_id"]) * 2, "r": ["a"] * len(part) + ["b"] * len(part), "s": list(part["score"]) + list(part["mos"])})
        expected.append((d, method, cs.icc(long, "t", "r", "s").set_index("metric").loc[cs.ICC_A1, "estimate"]))
    expected = pd.DataFrame(expected, columns=["dimension", "method", "icc"]).sort_values(["dimension", "icc"], ascending=[True, False])
    top = expected.groupby("dimension").head(2)
    assert data["features"][["dimension", "method"]].values.tolist() == top[["dimension", "method"]].values.tolist()
    scrambled = classical.copy()
    test = scrambled["split"] == "test"
    scrambled.loc[test, "score"] = scrambled.loc[test, "score"].to_numpy()[::-1]
    assert benchmark.best_features(scrambled, n=2).equals(data["features"])


def test_ablations_are_read_per_dimension_and_skipped_when_absent(data, tmp_path):
    empty, notes = benchmark.load_ablations(tmp_path / "nowhere")
    assert empty.empty and "no ablation is included" in notes[0]
    methods = data["scores"].groupby("dimension")["method"].unique()
    assert {"ablation_no_attention", "ablation_mse"} <= set(methods["gray_level"])
    assert "ablation_mse" not in set(methods["sharpness"])
    assert any("empty_run: no prediction file" in note for note in data["notes"])
    assert any(note.startswith("mse: gray_level (no sharpness)") for note in data["notes"])


def test_readers_are_compared_with_the_other_readers_mean(data):
    scores, ratings = data["scores"], data["ratings"]
    readers = scores[(scores["family"] == "reader") & (scores["dimension"] == "sharpness")]
    wide = ratings[ratings["dimension"] == "sharpness"].pivot(index="image_id", columns="reader_id", values="score")
    row = readers[readers["method"] == "reader_R02"].set_index("image_id")
    np.testing.assert_allclose(row["reference"], wide.drop(columns="R02").mean(axis=1).loc[row.index])
    assert set(scores["family"]) == set(benchmark.FAMILIES)
    assert (scores[scores["family"] == "model"].groupby("dimension").size() == 12).all()


def test_metrics_match_the_agreement_report_and_reader_vs_rest(data, study):
    metrics, scores = data["metrics"], data["scores"]
    pairs = scores[scores["family"] == "model"].rename(columns={"reference": "mos"})
    stats = agreement.agreement_stats(pairs, n_resamples=300, seed=5).set_index(["dimension", "metric"])
    for d in ("gray_level", "sharpness"):
        for metric in (cs.ICC_A1, "pearson_r", "mad"):
            for column in ("estimate", "ci_low", "ci_high"):
                assert _value(metrics, d, benchmark.MODEL, metric, column) == pytest.approx(stats.loc[(d, metric), column])
    part = data["ratings"][(data["ratings"]["dimension"] == "gray_level") & data["ratings"]["image_id"].isin(pairs["image_id"])]
    rest = cs.reader_vs_rest(part, "image_id", "reader_id", "score", n_resamples=300, seed=5).set_index(["reader_id", "metric"])
    for reader in ("R01", "R04"):
        for metric in (cs.ICC_A1, "pearson_r", "mad"):
            assert _value(metrics, "gray_level", f"reader_{reader}", metric, "ci_low") == pytest.approx(rest.loc[(reader, metric), "ci_low"])


def test_auc_follows_the_positive_class_convention(data):
    model = data["scores"][data["scores"]["family"] == "model"]
    joined = model.merge(data["reference"], on=["dimension", "image_id"])
    part = joined[joined["dimension"] == "gray_level"]
    expected = cs.roc(part["acceptable"], part["score"], positive=True, direction="higher").set_index("metric").loc["auc", "estimate"]
    assert _value(data["metrics"], "gray_level", benchmark.MODEL, "auc") == pytest.approx(expected)
    other = benchmark.method_metrics(model, data["reference"], positive_class="non_acceptable", n_resamples=50, seed=5)
    assert _value(other, "gray_level", benchmark.MODEL, "auc") == pytest.approx(expected)
    assert "non-acceptable" in other.loc[other["metric"] == "auc", "how"].iloc[0]
    with pytest.raises(ValueError, match="positive_class"):
        benchmark.method_metrics(model, data["reference"], positive_class="good", n_resamples=50)


def test_delong_compares_the_model_with_each_regressor_and_ablation(data):
    delong = benchmark.delong_table(data["scores"], data["reference"], positive_class="acceptable")
    gray = delong[delong["dimension"] == "gray_level"].set_index("comparison")
    assert set(gray["family"]) == {"regressor", "ablation"} and len(gray) == 4
    difference = _value(data["metrics"], "gray_level", benchmark.MODEL, "auc") - _value(data["metrics"], "gray_level", "regressor_ridge", "auc")
    assert gray.loc[f"{benchmark.MODEL} vs regressor_ridge", "estimate"] == pytest.approx(difference)
    tested = gray["p_value"].notna()
    assert tested.any() and (gray.loc[tested, "p_holm"] >= gray.loc[tested, "p_value"]).all()
    assert gray.loc[~tested, "method"].str.startswith("DeLong test undefined").all() and gray.loc[~tested, "p_holm"].isna().all()


def test_reader_agreement_has_both_iccs_and_fleiss_kappa(data):
    ids = data["scores"]["image_id"].unique()
    table = benchmark.reader_agreement(data["ratings"], data["calls"], ids, n_resamples=200, seed=1)
    assert table.groupby("dimension")["metric"].apply(list).tolist() == [[cs.ICC_A1, cs.ICC_AK, "fleiss_kappa"]] * 2
    part = data["ratings"][(data["ratings"]["dimension"] == "sharpness") & data["ratings"]["image_id"].isin(ids)]
    direct = cs.icc(part, "image_id", "reader_id", "score").set_index("metric")
    got = table[table["dimension"] == "sharpness"].set_index("metric")
    assert got.loc[cs.ICC_AK, "estimate"] == pytest.approx(direct.loc[cs.ICC_AK, "estimate"])


def _toy(model_icc, baseline_icc, reader_iccs, model_auc=0.9, baseline_auc=0.8):
    rows = [("model", benchmark.MODEL, cs.ICC_A1, model_icc), ("model", benchmark.MODEL, "auc", model_auc),
            ("regressor", "regressor_ridge", cs.ICC_A1, baseline_icc), ("regressor", "regressor_ridge", "auc", baseline_auc),
            ("feature", "feature_x", cs.ICC_A1, 0.1), ("feature", "feature_x", "auc", 0.6)]
    rows += [("reader", f"reader_R{k}", m, v) for k, v in enumerate(reader_iccs) for m in (cs.ICC_A1, "auc")]
    return pd.DataFrame(rows, columns=["family", "method", "metric", "estimate"]).assign(dimension="gray_level")


def _verdict(metrics, delong):
    facts = benchmark.verdict_facts(metrics, delong)
    return facts, benchmark.verdict_text(facts, delong)


def test_verdict_sentence_follows_the_numbers():
    empty = benchmark.delong_table(pd.DataFrame(columns=["dimension", "family", "method", "image_id", "score", "reference"]),
                                   pd.DataFrame(columns=["dimension", "image_id", "acceptable"]), positive_class="acceptable")
    facts, text = _verdict(_toy(0.9, 0.7, [0.6, 0.8, 0.95]), empty)
    assert facts["gray_level"]["beats_baselines_icc"] and "beats every classical baseline on ICC(A,1)" in text
    assert "within the range of single readers, above 2 of 3" in text
    facts, text = _verdict(_toy(0.6, 0.7, [0.65, 0.8], model_auc=0.7), empty)
    assert not facts["gray_level"]["beats_baselines_icc"] and not facts["gray_level"]["beats_baselines_auc"]
    assert "does not beat every classical baseline on ICC(A,1)" in text and "below all 2 single readers" in text
    _, text = _verdict(_toy(0.99, 0.7, [0.65, 0.8]), empty)
    assert "above all 2 single readers" in text


def test_verdict_counts_the_significant_and_the_untestable_delong_tests(data):
    delong = benchmark.delong_table(data["scores"], data["reference"], positive_class="acceptable")
    facts, text = _verdict(data["metrics"], delong)
    for dimension, entry in facts.items():
        tests = delong[(delong["dimension"] == dimension) & (delong["family"] == "regressor")]
        assert entry["delong_significant_regressors"] == int(((tests["p_holm"] < 0.05) & (tests["estimate"] > 0)).sum())
        assert f"than {entry['delong_significant_regressors']} of {len(tests)} regressors" in text
    assert text.count(f"{benchmark.MODEL} ") >= len(facts)


def test_headline_lists_every_non_reader_method_and_the_run_settings(data, ablation_dir):
    readers = benchmark.reader_agreement(data["ratings"], data["calls"], data["scores"]["image_id"].unique(), n_resamples=100, seed=1)
    ablation, _ = benchmark.load_ablations(ablation_dir)
    facts = benchmark.verdict_facts(data["metrics"], pd.DataFrame())
    out = benchmark.headline(data["metrics"], readers, facts, split="test", positive_class="acceptable", ablations=ablation)
    assert (out["split"], out["positive_class"], out["ablations"]) == ("test", "acceptable", ["mse", "no_attention"])
    is_reader = data["metrics"]["family"] == "reader"
    assert set(data["metrics"].loc[~is_reader, "method"]) <= set(out["gray_level"])
    assert set(data["metrics"].loc[is_reader, "method"]).isdisjoint(out["gray_level"])
    assert set(out["gray_level"][benchmark.MODEL]) == {"icc", "pearson_r", "srcc", "mad", "auc"}
    assert out["sharpness"]["inter_reader_icc_2k"] == pytest.approx(readers.set_index(["dimension", "metric"]).loc[("sharpness", cs.ICC_AK), "estimate"])


def test_prose_names_the_ablations_and_the_split(data):
    text = benchmark.describe_ablations("results/ablations", data["notes"])
    assert text.startswith("**Ablations** (`results/ablations`):") and all(f"- {note}" in text for note in data["notes"])
    split = benchmark.describe_split(data["scores"], split="test", positive_class="non_acceptable")
    assert "(gray_level n = 12, sharpness n = 12)" in split and "positive = non-acceptable" in split


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(study, out: Path, ablations: Path) -> None:
    parameters = {key: str(study[key]) for key in ("ratings", "acceptability", "splits", "predictions", "baselines")}
    parameters |= {"out": str(out), "metrics": str(out / "metrics" / "benchmark.json"), "ablations": str(ablations), "n_resamples": 500, "n_features": 2}
    run_notebook(ROOT / "notebooks" / "benchmark.py", out, parameters, cwd=ROOT)


def test_notebook_writes_everything_and_reruns_identically(study, ablation_dir, tmp_path):
    out = tmp_path / "reports"
    _run(study, out, ablation_dir)
    for suffix in (".png", ".svg"):
        assert (out / "figures" / "benchmark" / f"methods_forest{suffix}").stat().st_size > 1000
    for table in ("methods", "reader_agreement", "human_ceiling", "delong", "chosen_features"):
        assert (out / "tables" / "benchmark" / f"{table}.csv").is_file() and (out / "tables" / "benchmark" / f"{table}.md").is_file()
    assert (out / "tables" / "benchmark" / "methods_statistics.csv").is_file()  # CSV only, linked from the page
    assert not (out / "tables" / "benchmark" / "methods_statistics.md").exists()
    assert 'href="../tables/benchmark/methods_statistics.csv"' in (out / "html" / "benchmark.html").read_text()
    assert (out / "plots" / "benchmark" / "methods.csv").is_file()  # the stage's plots output
    headline = json.loads((out / "metrics" / "benchmark.json").read_text())
    assert headline["ablations"] == ["mse", "no_attention"]
    gray = headline["gray_level"]
    assert {"inter_reader_icc_21", "inter_reader_icc_2k", "fleiss_kappa", "beats_baselines_icc", "beats_baselines_auc"} <= set(gray)
    assert gray["CaHDC-RGA"]["icc"] > gray["regressor_ridge"]["icc"]  # the synthetic model tracks the MOS far closer
    verdict = (out / "tables" / "benchmark" / "verdict.md").read_text()
    assert f"{benchmark.MODEL} beats every classical baseline on ICC(A,1)" in verdict
    before = _tree(out)
    _run(study, out, ablation_dir)
    after = _tree(out)
    assert before.keys() == after.keys()
    assert [path for path in before if before[path] != after[path]] == []


def test_notebook_says_so_when_there_are_no_ablations(study, tmp_path):
    out = tmp_path / "reports"
    _run(study, out, tmp_path / "no_ablations")
    assert json.loads((out / "metrics" / "benchmark.json").read_text())["ablations"] == []
    assert "no ablation is included" in (out / "notebooks" / "benchmark.ipynb").read_text()


def test_the_seed_spread_is_read_when_present_and_skipped_when_not(tmp_path):
    table, note = benchmark.load_seed_spread(tmp_path / "seeds.json")
    assert table is None and "not shown" in note
    entry = {"icc": {"1": 0.91, "2": 0.93, "3": 0.92}, "mean": 0.92, "min": 0.91, "max": 0.93, "range": 0.02, "n_seeds": 3}
    (tmp_path / "seeds.json").write_text(json.dumps({"sharpness": entry, "gray_level": entry}))
    table, note = benchmark.load_seed_spread(tmp_path / "seeds.json")
    assert list(table["dimension"]) == ["gray_level", "sharpness"] and note.endswith("3 seeds per dimension")
    assert table.loc[0, "icc_by_seed"] == "1: 0.910, 2: 0.930, 3: 0.920" and table.loc[0, "range"] == 0.02
