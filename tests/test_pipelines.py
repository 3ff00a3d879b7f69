"""pipelines/derive_params.py: a params.yaml with some keys changed, checked before it is written."""

import runpy
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]


@pytest.fixture()
def derive_main():
    sys.path.insert(0, str(ROOT / "pipelines"))
    try:
        yield runpy.run_path(str(ROOT / "pipelines" / "derive_params.py"))["main"]
    finally:
        sys.path.remove(str(ROOT / "pipelines"))


def test_sets_nested_keys_and_keeps_the_rest(derive_main, tmp_path):
    out = tmp_path / "p.yaml"
    args = ["--params", str(ROOT / "params.yaml"), "--set", "train.gray_level.loss=l_alpha", "--set", "model.use_attention=false", "--out", str(out)]
    assert derive_main(args) == 0
    derived, original = yaml.safe_load(out.read_text()), yaml.safe_load((ROOT / "params.yaml").read_text())
    assert derived["train"]["gray_level"]["loss"] == "l_alpha" and derived["model"]["use_attention"] is False
    assert original["train"]["gray_level"]["loss"] != "l_alpha"  # the setting changed something
    derived["train"]["gray_level"]["loss"] = original["train"]["gray_level"]["loss"]
    derived["model"]["use_attention"] = original["model"]["use_attention"]
    assert derived == original


@pytest.mark.parametrize("setting", ["model.no_such_key=1", "train.sharpness.loss=l1", "model.use_attention"])
def test_unknown_or_invalid_settings_write_nothing(derive_main, tmp_path, setting, capsys):
    out = tmp_path / "p.yaml"
    assert derive_main(["--params", str(ROOT / "params.yaml"), "--set", setting, "--out", str(out)]) == 2
    assert not out.exists() and "error" in capsys.readouterr().err
