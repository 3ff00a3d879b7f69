"""Every report notebook on the synthetic study: outputs exist, reruns change no byte, timing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from cxrqa.report.runner import run_notebook

ROOT = Path(__file__).parents[2]


def _parameters(name: str, study: dict, out: Path) -> dict:
    metrics = str(out / "metrics.json") if name == "agreement" else str(out / "metrics" / f"{name}.json")
    common = {"out": str(out), "metrics": metrics}
    paths = {
        "cohort": ["ratings", "acceptability", "splits", "dicom_dir", "images_dir"],
        "agreement": ["ratings", "acceptability", "splits", "predictions"],
        "timing": ["ratings", "splits", "predictions"],
        "training": ["train_dir", "attention_dir", "predictions"],
    }[name]
    return common | {key: str(study[key]) for key in paths} | ({"n_resamples": 500} if name == "agreement" else {})


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def reports(study, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    seconds = {}
    for name in ("cohort", "agreement", "timing", "training"):
        start = time.perf_counter()
        run_notebook(ROOT / "notebooks" / f"{name}.py", out, _parameters(name, study, out), cwd=ROOT)
        seconds[name] = time.perf_counter() - start
    return out, seconds


def test_every_notebook_writes_its_figures_tables_and_metrics(reports):
    out, _ = reports
    for name, figures in {
        "cohort": ["fig8a_mos_distribution", "fig8b_sample_images"],
        "agreement": ["fig9ab_regression", "fig9cd_bland_altman", "fig10_roc"],
        "timing": [],
        "training": ["training_curves", "attention_gray_level", "attention_sharpness"],
    }.items():
        for figure in figures:
            for suffix in (".png", ".svg"):
                assert (out / "figures" / name / f"{figure}{suffix}").stat().st_size > 1000
        assert (out / "html" / f"{name}.html").is_file()
    for plot in ("roc", "scatter", "bland_altman"):
        for dimension in ("gray_level", "sharpness"):
            assert (out / "plots" / "agreement" / f"{plot}_{dimension}.csv").is_file()
    for table in ("cohort/table2_demographics", "agreement/table3_agreement", "agreement/paper_vs_ours", "timing/table4_reading_time"):
        assert (out / "tables" / f"{table}.csv").is_file() and (out / "tables" / f"{table}.md").is_file()
    headline = json.loads((out / "metrics.json").read_text())
    assert set(headline["gray_level"]) >= {"icc", "pearson_r", "mad", "auc", "sensitivity", "specificity", "bias", "cutoff"}
    assert 0.8 < headline["gray_level"]["icc"] <= 1.0  # the synthetic model tracks the MOS closely
    assert headline["positive_class"] == "acceptable"


def test_rerun_changes_no_byte(reports, study, tmp_path):
    out, _ = reports
    before = _tree(out)
    for name in ("cohort", "agreement", "timing", "training"):
        run_notebook(ROOT / "notebooks" / f"{name}.py", out, _parameters(name, study, out), cwd=ROOT)
    after = _tree(out)
    assert before.keys() == after.keys()
    changed = [path for path in before if before[path] != after[path]]
    assert changed == []


def test_all_notebooks_together_take_under_two_minutes(reports):
    _, seconds = reports
    assert sum(seconds.values()) < 120, seconds
