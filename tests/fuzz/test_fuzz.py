"""Hostile archives through the real ``cxrqa preprocess``: every file one line, a named reason, no garbage.

:func:`run_fuzz` builds a corpus (:mod:`corpus`), runs the command on it in a subprocess, and
checks every case against its expectation and the global rules: exactly one line per case and no
other, never ``internal_error``, no accepted image blank after preprocessing, every ``same`` case
decoded to its seed's pixels, no patient attribute of the seeds in any output or message, no
traceback on stderr, exit status 0. It returns the outcome counts, the violations, the wall time
and the peak memory (largest resident set of the command or any of its worker processes).

The default suite runs a sample of a few hundred files; ``make test-fuzz`` runs the slow one,
10,000 files, and prints the counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from cxrqa.io.inputs import display_path
from tests.fuzz.corpus import PATIENT_MARKER, Case, build_corpus

REPOSITORY = Path(__file__).parents[2]
#: Identity values the seeds carry (corpus.PATIENT_MARKER and friends); none may leave a header.
IDENTITY = (PATIENT_MARKER, "FUZZ-ID-SECRET", "19000101")
#: Longest a file may take (preprocess.file_timeout_s in the fuzz parameters).
FILE_TIMEOUT_S = 120

_MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, errors="backslashreplace")
print(json.dumps({"rc": done.returncode, "stderr": done.stderr, "stdout": done.stdout,
                  "seconds": time.perf_counter() - started,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


@dataclass
class FuzzReport:
    """What a fuzz run gave: outcome counts, violations (empty when every rule held), cost."""

    files: int
    outcomes: Counter
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_rss_mib: float = 0.0
    by_kind: dict[str, Counter] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"{self.files} files in {self.seconds:.1f} s ({self.files / max(self.seconds, 1e-9):.0f} files/s), "
            f"peak memory of any process {self.peak_rss_mib:.0f} MiB, {len(self.violations)} violations",
            "outcomes: " + ", ".join(f"{reason} {count}" for reason, count in self.outcomes.most_common()),
        ]
        lines += [f"  violation: {violation}" for violation in self.violations[:40]]
        return "\n".join(lines)


def fuzz_params(path: Path, workers: int = 2) -> Path:
    """The repository's preprocess section with small inputs: min_size 64, 192 x 128 outputs."""
    section = yaml.safe_load((REPOSITORY / "params.yaml").read_text())["preprocess"]
    section.update(min_size=64, height=192, width=128, workers=workers, file_timeout_s=FILE_TIMEOUT_S)
    path.write_text(yaml.safe_dump({"preprocess": section}))
    return path


def run_fuzz(work: Path, n_files: int, seed: int) -> FuzzReport:
    """Build a corpus of ``n_files`` under ``work``, preprocess it, check every rule."""
    root, out = work / "corpus", work / "out"
    cases = build_corpus(root, n_files, seed)
    command = [
        sys.executable, "-c", _MEASURE, sys.executable, "-m", "cxrqa.cli", "preprocess",
        "--params", str(fuzz_params(work / "params.yaml")), "--input", str(root), "--out", str(out), "--quiet",
    ]  # fmt: skip
    bound = 600 + n_files * 0.5  # far above the measured rate; each file is bounded by FILE_TIMEOUT_S
    measured = json.loads(subprocess.run(command, capture_output=True, text=True, timeout=bound, check=True).stdout)
    report = FuzzReport(len(cases), Counter(), seconds=measured["seconds"], peak_rss_mib=measured["peak_rss_mib"])
    if measured["rc"] != 0 or not (out / "manifest.csv").is_file():
        report.violations.append(f"exit status {measured['rc']}: {measured['stderr'][-800:]}")
        return report
    if "Traceback" in measured["stderr"]:
        report.violations.append(f"traceback on stderr: {measured['stderr'][-800:]}")
    manifest = pd.read_csv(out / "manifest.csv", dtype=str, keep_default_na=False)
    errors = pd.read_csv(out / "errors.csv", dtype=str, keep_default_na=False)
    texts = [measured["stderr"], measured["stdout"], (out / "manifest.csv").read_text(), (out / "errors.csv").read_text()]
    for value in IDENTITY:
        if any(value in text for text in texts):
            report.violations.append(f"patient identity {value!r} in an output or message")
    _check_cases(report, cases, root, out, manifest, errors)
    return report


def _check_cases(report: FuzzReport, cases: list[Case], root: Path, out: Path, manifest, errors) -> None:
    lines: dict[str, list[tuple[str, str]]] = {}
    for row in manifest.itertuples():
        lines.setdefault(row.source_file, []).append(("accepted", row.image_id))
    for row in errors.itertuples():
        lines.setdefault(row.file, []).append((row.reason, row.detail))
    expected_paths = {display_path(root / case.path) for case in cases}
    for path in sorted(set(lines) - expected_paths):
        report.violations.append(f"a line for {path!r}, which is no case")
    seeds = {Path(row.source_file).stem: row.image_id for row in manifest.itertuples() if "/seeds/" in row.source_file}
    ids = Counter(manifest["image_id"])
    for image_id, count in ids.items():
        if count > 1:
            report.violations.append(f"image_id {image_id!r} given {count} times")
    for case in cases:
        found = lines.get(display_path(root / case.path), [])
        if len(found) != 1:
            report.violations.append(f"{case.path}: {len(found)} lines")
            continue
        outcome, detail = found[0]
        report.outcomes[outcome] += 1
        report.by_kind.setdefault(case.kind, Counter())[outcome] += 1
        problem = _judge(case, outcome, detail, out, seeds)
        if problem:
            report.violations.append(f"{case.path} ({case.kind}): {problem}")


def _judge(case: Case, outcome: str, detail: str, out: Path, seeds: dict[str, str]) -> str | None:
    """The violation of one case, or ``None``."""
    if outcome == "internal_error":
        return f"internal_error: {detail}"
    if outcome == "accepted":
        image = np.asarray(Image.open(out / "images" / f"{detail}.png"))
        lo, hi = np.quantile(image, [0.01, 0.99])
        if hi - lo < 16:
            return "accepted but blank"
    kind, _, argument = case.expect.partition(":")
    if kind == "reject" and outcome not in argument.split("|"):
        return f"expected {argument}, got {outcome}: {detail}"
    if kind in ("accept", "same") and outcome != "accepted":
        return f"expected to be accepted, got {outcome}: {detail}"
    if kind == "same":
        reference = np.asarray(Image.open(out / "images" / f"{seeds[argument]}.png"))
        if not np.array_equal(image, reference):
            return f"decoded unlike its seed {argument} (mean abs difference {np.abs(image.astype(float) - reference).mean():.1f})"
    return None


def test_fuzz_sample(tmp_path):
    """A default-suite sample: every mutation kind, the tree and raster cases, a few hundred files."""
    report = run_fuzz(tmp_path, n_files=450, seed=0)
    print(report.summary())
    assert not report.violations, report.summary()
    assert report.outcomes["accepted"] >= 80  # the seeds, encodings, keeping mutations and tree cases


@pytest.mark.slow
def test_fuzz_ten_thousand(tmp_path):
    """The large run (``make test-fuzz``): 10,000 files, counts printed per outcome and per kind."""
    report = run_fuzz(tmp_path, n_files=10_000, seed=int(os.environ.get("CXRQA_FUZZ_SEED", "1")))
    print(report.summary())
    for kind, counts in sorted(report.by_kind.items()):
        print(f"  {kind:40s} " + ", ".join(f"{reason} {count}" for reason, count in counts.most_common()))
    assert not report.violations, report.summary()
    assert report.peak_rss_mib < 1024, report.summary()
