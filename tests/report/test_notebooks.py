"""Every report notebook on the synthetic study: outputs exist, the pages read as reports, reruns
change no byte."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
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
        "training": ["train_dir", "attention_dir", "predictions", "truth"],
    }[name]
    return common | {key: str(study[key]) for key in paths} | ({"n_resamples": 500} if name == "agreement" else {})


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def reports(study, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    for name in ("cohort", "agreement", "timing", "training"):
        run_notebook(ROOT / "notebooks" / f"{name}.py", out, _parameters(name, study, out), cwd=ROOT)
    return out


def test_every_notebook_writes_its_figures_tables_and_metrics(reports):
    out = reports
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
    for table in ("cohort/table2_demographics", "agreement/table3_agreement", "agreement/paper_vs_ours", "timing/table4_reading_time",
                  "training/error_by_kind"):
        assert (out / "tables" / f"{table}.csv").is_file() and (out / "tables" / f"{table}.md").is_file()
    diagnosed = pd.read_csv(out / "tables" / "training" / "error_by_kind.csv")
    assert set(diagnosed["kind"]) == {"overexposure", "underexposure", "low_contrast", "focal_blur", "motion"}
    assert diagnosed.loc[diagnosed["severity"] == "all", "n"].sum() == 2 * 12  # the 12 validation images, per dimension
    headline = json.loads((out / "metrics.json").read_text())
    assert set(headline["gray_level"]) >= {"icc", "pearson_r", "mad", "auc", "sensitivity", "specificity", "bias", "cutoff"}
    assert 0.8 < headline["gray_level"]["icc"] <= 1.0  # the synthetic model tracks the MOS closely
    assert headline["positive_class"] == "acceptable"


#: An element of a code cell's input or of an ``In``/``Out`` prompt in nbconvert's ``lab`` template.
CODE_MARKUP = re.compile(r'class="[^"]*\b(jp-InputArea-editor|jp-InputPrompt|jp-OutputPrompt|highlight)\b')
#: Numbers in scientific notation, as raw result frames print p-values (``1.270640e-01``).
SCIENTIFIC = re.compile(r"\d[eE][-+]\d")


def _cells(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", page, flags=re.S)]


def test_pages_show_no_code_and_rounded_tables_while_the_notebook_keeps_the_code(reports):
    out = reports
    for name in ("cohort", "agreement", "timing", "training"):
        page = (out / "html" / f"{name}.html").read_text()
        assert CODE_MARKUP.findall(page) == []
        assert "given by dvc.yaml" not in page and "writer = ReportWriter" not in page  # neither parameter cell nor code
        cells = _cells(page)
        assert cells and [cell for cell in cells if SCIENTIFIC.search(cell) or cell == "NaN"] == []
        numbers = [cell for cell in cells if re.fullmatch(r"-?\d+\.\d+", cell)]
        assert numbers and all(len(re.sub(r"\D", "", cell).lstrip("0")) <= 4 for cell in numbers), name  # raw frames print 6
        notebook = nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4)
        assert any("writer = ReportWriter" in cell.source for cell in notebook.cells)


def test_long_statistics_frames_are_in_the_csv_only(reports):
    out = reports
    page = (out / "html" / "agreement.html").read_text()
    for name in ("table3_statistics", "fig10_roc_statistics"):
        assert (out / "tables" / "agreement" / f"{name}.csv").is_file()
        assert not (out / "tables" / "agreement" / f"{name}.md").exists()
        assert f'href="../tables/agreement/{name}.csv"' in page
    assert "loa_regression_sd_intercept" not in page  # a row of the statistics frame
    csv = (out / "tables" / "agreement" / "fig9_regression_lines.csv").read_text().splitlines()
    assert len(csv[1].split(",")[1]) > 5  # the CSV keeps 6 significant digits


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium (Debian package chromium) is not installed")
def test_a_browser_sees_no_code_and_no_scientific_notation(reports):
    out = reports
    page = out / "html" / "agreement.html"
    result = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "Table 3: model vs the readers" in dom
    assert CODE_MARKUP.findall(dom) == [] and "<textarea" not in dom
    cells = _cells(dom)
    assert len(cells) > 20 and [cell for cell in cells if SCIENTIFIC.search(cell) or "NaN" in cell] == []


def test_rerun_changes_no_byte(reports, study, tmp_path):
    out = reports
    before = _tree(out)
    for name in ("cohort", "agreement", "timing", "training"):
        run_notebook(ROOT / "notebooks" / f"{name}.py", out, _parameters(name, study, out), cwd=ROOT)
    after = _tree(out)
    assert before.keys() == after.keys()
    changed = [path for path in before if before[path] != after[path]]
    assert changed == []
