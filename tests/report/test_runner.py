"""The notebook runner: strict parameters, failures kept, byte-identical reruns."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cxrqa.config import load_section
from cxrqa.report.command import parse_overrides
from cxrqa.report.runner import NotebookFailed, parse_parameters, read_parameters, resolve_parameters, run_notebook

ROOT = Path(__file__).parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))

DEMO = '''# %% [markdown]
# # Demo

# %% tags=["parameters"]
out = "reports"
fail = False

# %%
print("ran with", out)
if fail:
    raise RuntimeError("asked to fail")
print("after")
'''


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_declare_literal_parameters_and_define_nothing(source):
    import ast

    declared = read_parameters(source)
    assert declared["out"] is None  # cxrqa report --out gives it
    tree = ast.parse(source.read_text())
    defined = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))]
    assert defined == [], f"{source.name} defines functions or classes"


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_report_section_keys_match_the_notebooks_declarations(source):
    section = dataclasses.asdict(load_section(ROOT / "params.yaml", "report"))
    declared = read_parameters(source)
    for key in set(section) & set(declared):
        assert type(declared[key]) is type(section[key]), key


def _report_stage(name: str):
    from dvc.repo import Repo

    with Repo(str(ROOT), uninitialized=True) as repo:
        stage = next(stage for stage in repo.index.stages if stage.name == f"report@{name}")
        return stage.cmd, [dep.def_path for dep in stage.deps if dep.def_path != "params.yaml"]


#: Data a notebook reads through paths its inputs record: the audit report's thumbnails come from
#: the films whose paths the audit's store holds.
READ_THROUGH = {"audit": ["data/archive/dicom"]}

#: Inputs the report skips when absent, so no stage's dep (dvc.yaml's report comment): the
#: ablation runs and the seed spread are made by their own pipelines, not by `dvc repro`.
OPTIONAL_INPUTS = {"ablations", "seed_spread"}


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_dvc_yaml_passes_the_notebook_its_paths_and_depends_on_what_is_read_there(source):
    import shlex

    cmd, deps = _report_stage(source.stem)
    tokens = shlex.split(cmd)
    passed = parse_overrides([value for flag, value in zip(tokens, tokens[1:]) if flag in ("-p", "--parameter")])
    declared = read_parameters(source)
    required = {key for key, value in declared.items() if value is None}
    assert required <= set(passed) | {"out"} <= set(declared), "dvc.yaml passes each required path, and only declared ones"
    assert f"notebooks/{source.stem}.py" in deps
    inputs = {key: value for key, value in passed.items() if key not in {"metrics"} | OPTIONAL_INPUTS}
    data_deps = [dep for dep in deps if not dep.startswith(("notebooks/", "cxrqa"))]
    for key, path in inputs.items():
        assert any(dep == path or dep.startswith(path + "/") for dep in data_deps), f"no dep under {key}={path}"
    for dep in data_deps:
        read = list(inputs.values()) + READ_THROUGH.get(source.stem, [])
        assert any(dep == path or dep.startswith(path + "/") for path in read), f"dep {dep} is no input of the notebook"


def test_non_literal_parameter_is_rejected():
    with pytest.raises(ValueError, match="literals only"):
        parse_parameters("import os\nout = 'x'")
    with pytest.raises(ValueError, match="assigned twice"):
        parse_parameters("a = 1\na = 2")


def test_unknown_and_missing_parameters_fail():
    with pytest.raises(ValueError, match="unknown parameter"):
        resolve_parameters({"out": "r"}, {}, {"outt": "x"})
    with pytest.raises(ValueError, match="missing value for parameter"):
        resolve_parameters({"out": None}, {}, {})
    assert resolve_parameters({"seed": 1, "out": "r"}, {"seed": 5, "dpi": 9}, {}) == {"seed": 5, "out": "r"}


def test_overrides_are_yaml_scalars():
    assert parse_overrides(["a=1", "b=false", "c=x=y"]) == {"a": 1, "b": False, "c": "x=y"}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_overrides(["novalue"])


def test_rerun_is_byte_identical_and_failure_keeps_the_notebook(tmp_path):
    source = tmp_path / "demo.py"
    source.write_text(DEMO)
    first = [p.read_bytes() for p in run_notebook(source, tmp_path / "r", {"out": "x", "fail": False})]
    second = [p.read_bytes() for p in run_notebook(source, tmp_path / "r", {"out": "x", "fail": False})]
    assert first == second
    assert b"start_time" not in first[0] and b"duration" not in first[0]
    with pytest.raises(NotebookFailed, match="asked to fail"):
        run_notebook(source, tmp_path / "f", {"out": "x", "fail": True})
    kept = nbformat.read(tmp_path / "f" / "notebooks" / "demo.ipynb", as_version=4)
    outputs = [output for cell in kept.cells for output in cell.get("outputs", [])]
    printed = "".join(output.get("text", "") for output in outputs)
    assert printed == "ran with x\n"
    assert [output.get("ename") for output in outputs if output["output_type"] == "error"] == ["RuntimeError"]
    page = (tmp_path / "f" / "html" / "demo.html").read_text()
    assert "<title>Demo</title>" in page and "RuntimeError" in page and "asked to fail" in page  # the traceback is shown
    assert "jp-InputArea-editor" not in page.split("</style>")[-1]  # and no code input


def _report_demo(tmp_path, parameter: str) -> subprocess.CompletedProcess:
    """``cxrqa report`` run on the demo notebook with one ``-p`` override."""
    source = tmp_path / "demo.py"
    source.write_text(DEMO)
    return subprocess.run(
        [sys.executable, "-m", "cxrqa.cli", "report", "--notebook", str(source), "--out", str(tmp_path), "--params", str(ROOT / "params.yaml"), "-p", parameter],
        capture_output=True, text=True, cwd=tmp_path,
    )


def test_cli_fails_on_unknown_parameter(tmp_path):
    result = _report_demo(tmp_path, "fial=true")
    assert result.returncode == 2 and "unknown parameter(s) fial" in result.stderr


def test_cli_names_a_failed_notebook_on_stderr_and_exits_1(tmp_path):
    result = _report_demo(tmp_path, "fail=true")
    assert result.returncode == 1
    assert "cxrqa report: error:" in result.stderr and "asked to fail" in result.stderr
    assert "error" not in result.stdout
