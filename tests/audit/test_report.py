"""The audit report end to end: `cxrqa report --notebook notebooks/audit.py -p audit_dir=...` on an audit
folder with a planted fault, as a user runs it on their own archive."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxrqa.audit.store import write_scores
from tests.audit.builders import SENTINELS, film_uid, write_film

ROOT = Path(__file__).parents[2]
STATIONS = ("ST0", "ST1", "ST2", "ST3")
MONTHS = 10
FAULT_MONTH = 7  # ST0 loses 3 points of sharpness from 2025-07


def _audit_folder(folder: Path) -> Path:
    """Scores of 4 stations x 10 months x 12 films, ST0's sharpness dropping from month 7; the
    films of ST0's fault months are real DICOM files (with sentinel identity) for the thumbnails;
    ST3 has a cell of 3 films (suppressed)."""
    rng = np.random.default_rng(18)
    rows, index = [], 0
    for station in STATIONS:
        for month in range(1, MONTHS + 1):
            films = 3 if (station, month) == ("ST3", 5) else 12
            for day in range(1, films + 1):
                index += 1
                date = dt.date(2025, month, day)
                source = str(folder / "films" / f"{index}.dcm")
                fault = station == "ST0" and month >= FAULT_MONTH
                if fault and day <= 4:
                    write_film(Path(source), index, date=date, BurnedInAnnotation="YES" if day == 1 else "NO")
                gray, sharp = rng.normal(8.3, 0.6), rng.normal(8.5, 0.5) - (3.0 if fault else 0.0)
                rows.append({
                    "sop_instance_uid": film_uid(index), "source": source, "study_date": date, "modality": "DX",
                    "manufacturer": "Test Medical", "model": "TX-1", "station_name": station,
                    "institution": "Site A" if station < "ST2" else "Site B", "software_versions": "1.0",
                    "device_key": f"key-{station}", "body_part": "CHEST", "view_position": "PA",
                    "exposure_index": 400.0, "target_exposure_index": 400.0,
                    "deviation_index": float(rng.normal(0, 1.0)), "deviation_index_source": "header", "operator": None,
                    "gray_level": gray, "sharpness": sharp, "gray_level_acceptable": gray >= 7.0,
                    "sharpness_acceptable": sharp >= 7.2, "gray_level_model": "g1", "sharpness_model": "s1",
                    "crop_method": "lung", "roi_source": "none", "seconds": 0.1,
                })  # fmt: skip
    write_scores(folder / "audit", "0000", rows)
    run = {"counts": {"seen": len(rows) + 2, "scored": len(rows), "skipped": {"view_position": 2}, "failed": {},
                      "view_position_absent": 0},
           "skip_reasons": {"view_position": "View Position is not PA"},
           "models": {"gray_level": {"digest": "g1", "folder": str(folder)}, "sharpness": {"digest": "s1", "folder": str(folder)}}}  # fmt: skip
    (folder / "audit" / "run.json").write_text(json.dumps(run))
    return folder / "audit"


def _report(audit_dir: Path, out: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "cxrqa.cli", "report", "--notebook", str(ROOT / "notebooks" / "audit.py"),
               "-p", f"audit_dir={audit_dir}", "--out", str(out)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audit-report")
    audit_dir = _audit_folder(folder)
    result = _report(audit_dir, folder / "out")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return audit_dir, folder / "out"


def test_the_signals_table_finds_the_planted_fault_on_its_station_and_dimension(report):
    _, out = report
    signals = pd.read_csv(out / "tables" / "audit" / "signals.csv", dtype={"period": str})
    assert list(signals.columns[:7]) == ["group", "dimension", "period", "chart", "rule", "value", "limit"]
    planted = signals[(signals["group"] == "ST0") & (signals["dimension"] == "sharpness")]
    assert planted["period"].min() == f"2025-{FAULT_MONTH:02d}"
    assert {"i", "xbar", "p", "ewma", "cusum"} <= set(planted["chart"])
    assert set(planted.loc[planted["chart"].isin(["i", "xbar", "ewma", "cusum"]), "rule"]) == {"below"}
    assert set(planted.loc[planted["chart"].isin(["p", "mr"]), "rule"]) == {"above"}  # more films below the cut-off
    elsewhere = signals[(signals["group"] != "ST0") | (signals["dimension"] != "sharpness")]
    assert len(elsewhere) <= 1, elsewhere
    overview = pd.read_csv(out / "tables" / "audit" / "signalled_groups.csv", dtype=str)
    assert overview.loc[0, "group"] == "ST0" and overview.loc[0, "first_period"] == f"2025-{FAULT_MONTH:02d}"


def test_the_page_opens_with_the_answer_and_holds_every_figure(report):
    _, out = report
    page = (out / "html" / "audit.html").read_text()
    answer = page.index("stations signalled")
    assert answer < page.index("The answer at a glance") and "ST0</strong>, sharpness: from <strong>2025-07" in page
    for figure in ("signal_map", "funnel", "score_vs_di", "review_sheet", *(f"charts_{s}" for s in STATIONS)):
        assert (out / "figures" / "audit" / f"{figure}.png").stat().st_size > 5000
        assert (out / "figures" / "audit" / f"{figure}.svg").is_file()
    metrics = json.loads((out / "metrics" / "audit.json").read_text())
    assert metrics["groups_signalled"] >= 1 and metrics["sharpness"]["groups_signalled"] == 1 and metrics["films_scored"] == 471


def test_small_cells_are_suppressed_and_no_identity_leaves_the_headers(report):
    audit_dir, out = report
    summary = pd.read_csv(out / "tables" / "audit" / "summary_station.csv", dtype={"period": str})
    small = summary[(summary["group"] == "ST3") & (summary["period"] == "2025-05")]
    assert small["suppressed"].all() and small["n"].isna().all() and small["mean"].isna().all()
    queue = pd.read_csv(out / "tables" / "audit" / "review_queue.csv")
    assert "source" not in queue.columns and (queue["station_name"] == "ST0").sum() >= 4
    everything = b"".join(_tree(out).values())
    for value in SENTINELS.values():
        assert value.encode() not in everything
        assert value.split("^")[0].encode() not in everything
    assert str(audit_dir.parent / "films").encode() not in everything  # no film path (folder names may carry identity)


def test_a_rerun_changes_no_byte(report, tmp_path):
    audit_dir, out = report
    before = _tree(out)
    result = _report(audit_dir, out)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    after = _tree(out)
    assert before.keys() == after.keys() and [path for path in before if before[path] != after[path]] == []


def test_a_folder_that_is_not_an_audit_is_refused_with_the_reason(tmp_path):
    result = _report(tmp_path, tmp_path / "out")
    assert result.returncode != 0 and "not an audit folder" in result.stderr


def test_the_report_takes_its_defaults_from_the_audit_section_and_checks_overrides():
    from cxrqa.config import ConfigError
    from cxrqa.report.command import notebook_defaults

    values = notebook_defaults(ROOT / "params.yaml", "audit", {})
    assert values["cutoff"] == {"gray_level": 7.0, "sharpness": 7.2} and values["dpi"] == 150
    assert values["baseline"] == 3 and values["cusum_h"] == 6.45 and values["grouping"] == "station"
    ranged = notebook_defaults(ROOT / "params.yaml", "audit", {"baseline": ["2025-01", "2025-03"]})
    assert ranged["baseline"] == ["2025-01", "2025-03"]
    with pytest.raises(ConfigError, match="audit.baseline"):
        notebook_defaults(ROOT / "params.yaml", "audit", {"baseline": 1})
    assert "cusum_h" not in notebook_defaults(ROOT / "params.yaml", "agreement", {})


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium (Debian package chromium) is not installed")
def test_a_browser_sees_the_answer_and_no_code_or_raw_numbers(report):
    from tests.report.test_notebooks import CODE_MARKUP, SCIENTIFIC, _cells

    _, out = report
    result = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                             (out / "html" / "audit.html").as_uri()], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "1 of 4 stations signalled" in dom and CODE_MARKUP.findall(dom) == []
    cells = _cells(dom)
    assert len(cells) > 50 and [cell for cell in cells if SCIENTIFIC.search(cell) or "NaN" in cell] == []
