"""The strict parameter loader names the key and the file for every kind of mistake."""

from pathlib import Path

import pytest

from cxrqa.config import ConfigError, SimulateParams, load_params, load_section
from cxrqa.config.schema import PreprocessParams

VALID = """\
simulate:
  seed: 7
  n_images: 20
  base_images: builtin
  phantom_fraction: 0.5
  rows: 512
  cols: 448
  n_readers: 10
  n_acceptability_readers: 3
  workers: 1
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(text)
    return path


def test_valid_section_becomes_frozen_typed_object(tmp_path):
    params = load_section(write(tmp_path, VALID), "simulate")
    assert isinstance(params, SimulateParams)
    assert params.n_images == 20 and params.phantom_fraction == 0.5
    with pytest.raises(AttributeError):
        params.n_images = 3  # frozen


def test_int_is_accepted_for_float(tmp_path):
    params = load_section(write(tmp_path, VALID.replace("0.5", "1")), "simulate")
    assert params.phantom_fraction == 1.0 and isinstance(params.phantom_fraction, float)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (VALID + "  colour: red\n", "unknown key 'simulate.colour'"),
        (VALID.replace("  rows: 512\n", ""), "missing key 'simulate.rows'"),
        (VALID.replace("n_images: 20", "n_images: twenty"), "key 'simulate.n_images' must be an integer"),
        (VALID.replace("n_images: 20", "n_images: 2.5"), "key 'simulate.n_images' must be an integer"),
        (VALID.replace("seed: 7", "seed: true"), "key 'simulate.seed' must be an integer"),
        (VALID.replace("n_images: 20", "n_images: -3"), "'simulate.n_images' must be at least 1"),
        (VALID.replace("phantom_fraction: 0.5", "phantom_fraction: 1.5"), "'simulate.phantom_fraction'"),
    ],
)
def test_mistakes_name_key_and_file(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_section(path, "simulate")
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_unknown_section_and_missing_file(tmp_path):
    path = write(tmp_path, VALID + "trian:\n  epochs: 3\n")
    with pytest.raises(ConfigError, match="unknown section 'trian'"):
        load_params(path)
    with pytest.raises(ConfigError, match="not found"):
        load_section(tmp_path / "absent.yaml", "simulate")


def test_overrides_replace_file_values_and_are_checked(tmp_path):
    path = write(tmp_path, VALID)
    assert load_section(path, "simulate", {"n_images": 5, "seed": None}).n_images == 5
    with pytest.raises(ConfigError, match="simulate.n_images"):
        load_section(path, "simulate", {"n_images": "x"})


def test_repository_params_file_is_valid():
    params = load_params(Path(__file__).parents[1] / "params.yaml")
    assert "simulate" in params


def test_builtin_preprocess_defaults_are_the_repository_params_file():
    """``cxrqa score`` without --params preprocesses with the defaults: they must not drift from params.yaml."""
    import dataclasses

    import yaml

    params = Path(__file__).parents[1] / "params.yaml"
    written = yaml.safe_load(params.read_text())["preprocess"]
    assert set(written) == {field.name for field in dataclasses.fields(PreprocessParams)}  # every key spelt out
    assert load_section(None, "preprocess") == load_section(params, "preprocess") == PreprocessParams()


def test_section_without_file_is_built_from_defaults_and_overrides():
    assert load_section(None, "preprocess", {"height": 512, "width": None}) == PreprocessParams(height=512)
    with pytest.raises(ConfigError, match="built-in defaults: missing key 'simulate.seed'"):
        load_section(None, "simulate")


@pytest.mark.parametrize("value", ["3", "[1, 2]", "[[height, 512]]", "text", "true"])
@pytest.mark.parametrize("section", ["preprocess", "simulate"])
def test_section_that_is_not_a_mapping_names_file_and_section(tmp_path, section, value):
    path = write(tmp_path, f"{section}: {value}\n")
    for load in (lambda: load_section(path, section), lambda: load_params(path)):
        with pytest.raises(ConfigError, match=f"section '{section}' must be a mapping of keys") as caught:
            load()
        assert str(caught.value).startswith(f"{path}: ")


def test_nested_section_that_is_not_a_mapping_names_file_and_key(tmp_path):
    import yaml

    data = yaml.safe_load((Path(__file__).parents[1] / "params.yaml").read_text())
    data["model"]["loss"] = [1, 2]
    path = write(tmp_path, yaml.safe_dump(data))
    for load in (lambda: load_section(path, "model"), lambda: load_params(path)):
        with pytest.raises(ConfigError, match="'model.loss' must be a mapping, got list") as caught:
            load()
        assert str(caught.value).startswith(f"{path}: ")


def test_empty_section_is_its_defaults(tmp_path):
    path = write(tmp_path, "preprocess:\n")
    assert load_section(path, "preprocess") == load_params(path)["preprocess"] == PreprocessParams()


def test_numeric_keys_are_unknown_keys(tmp_path):
    path = write(tmp_path, "preprocess:\n  1: 2\n  colour: red\n")
    with pytest.raises(ConfigError, match="unknown key 'preprocess.1'"):
        load_section(path, "preprocess")


def test_train_epochs_are_one_number_or_one_per_dimension(tmp_path):
    import yaml

    params = Path(__file__).resolve().parents[1] / "params.yaml"
    data = yaml.safe_load(params.read_text())
    per_dimension = load_section(params, "train")
    assert per_dimension.epochs_for("gray_level") == data["train"]["epochs"]["gray_level"]
    data["train"]["epochs"] = 7
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    assert load_section(path, "train").epochs_for("sharpness") == 7
    data["train"]["epochs"] = {"gray_level": 3}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="no number for 'sharpness'"):
        load_section(path, "train").epochs_for("sharpness")
    data["train"]["epochs"] = {"gray_level": 3, "bone": 2}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(Exception, match="unknown dimension"):
        load_section(path, "train")
