"""The strict parameter loader names the key and the file for every kind of mistake."""

from dataclasses import replace
from pathlib import Path

import pytest

from cxrqa.config import PACKAGED_DEFAULTS, SECTIONS, ConfigError, SimulateParams, load_params, load_section, schema
from cxrqa.config.schema import DimensionTrainParams

PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"

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


def flatten(mapping: dict, prefix: str = "") -> dict:
    """Dotted key to value for every leaf of a nested mapping."""
    leaves = {}
    for key, value in mapping.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            leaves.update(flatten(value, f"{dotted}."))
        else:
            leaves[dotted] = value
    return leaves


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


def test_packaged_defaults_are_the_repository_params_file():
    """Commands run without --params read cxrqa/config/defaults.yaml: it must not drift from params.yaml."""
    import yaml

    written, packaged = (yaml.safe_load(path.read_text()) for path in (PARAMS, PACKAGED_DEFAULTS))
    for dotted, value in flatten(written).items():
        assert flatten(packaged).get(dotted, "<missing>") == value, f"{dotted}: {PACKAGED_DEFAULTS} differs from params.yaml"
    assert flatten(packaged).keys() == flatten(written).keys()
    assert PACKAGED_DEFAULTS.read_text() == PARAMS.read_text(), (
        "the comments differ: cp params.yaml cxrqa/config/defaults.yaml"
    )


def test_section_without_file_is_built_from_packaged_defaults_and_overrides():
    assert load_section(None, "preprocess", {"height": 512, "width": None}) == replace(
        load_section(PARAMS, "preprocess"), height=512
    )
    for section in SECTIONS:
        assert load_section(None, section) == load_section(PARAMS, section)
    with pytest.raises(ConfigError, match=f"{PACKAGED_DEFAULTS}: key 'simulate.seed' must be an integer"):
        load_section(None, "simulate", {"seed": "x"})


def test_no_schema_field_has_a_default():
    """Defaults live in YAML only (params.yaml, its packaged copy), never in the dataclasses."""
    import dataclasses

    def classes(cls):
        yield cls
        for field in dataclasses.fields(cls):
            if isinstance(field.type, str) and field.type in vars(schema):
                inner = vars(schema)[field.type]
                if dataclasses.is_dataclass(inner):
                    yield from classes(inner)

    for section in SECTIONS.values():
        for cls in classes(section):
            for field in dataclasses.fields(cls):
                assert field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING, (
                    f"{cls.__name__}.{field.name} has a default"
                )


def _repository_keys() -> list[str]:
    """Every dotted key below a section of params.yaml, leaves and nested mappings alike."""
    import yaml

    leaves = flatten(yaml.safe_load(PARAMS.read_text()))
    mappings = {key.rsplit(".", depth)[0] for key in leaves for depth in range(1, key.count("."))}
    return sorted(set(leaves) | mappings)


@pytest.mark.parametrize("dotted", _repository_keys())
def test_every_missing_key_fails_naming_key_and_file(tmp_path, dotted):
    """Deleting any one key of params.yaml, in any section, is an error that names it and the file."""
    import yaml

    data = yaml.safe_load(PARAMS.read_text())
    section, *parents, leaf = dotted.split(".")
    node = data[section]
    for parent in parents:
        node = node[parent]
    del node[leaf]
    path = write(tmp_path, yaml.safe_dump(data))
    for load in (lambda: load_section(path, section), lambda: load_params(path)):
        with pytest.raises(ConfigError) as caught:
            load()
        assert str(caught.value) == f"{path}: missing key '{dotted}'"


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


def test_empty_section_is_missing_its_first_key(tmp_path):
    path = write(tmp_path, "preprocess:\n")
    for load in (lambda: load_section(path, "preprocess"), lambda: load_params(path)):
        with pytest.raises(ConfigError, match=f"{path}: missing key 'preprocess.height'"):
            load()


def test_numeric_keys_are_unknown_keys(tmp_path):
    path = write(tmp_path, "preprocess:\n  1: 2\n  colour: red\n")
    with pytest.raises(ConfigError, match="unknown key 'preprocess.1'"):
        load_section(path, "preprocess")


def test_train_has_shared_keys_and_one_subsection_per_dimension(tmp_path):
    import yaml

    data = yaml.safe_load(PARAMS.read_text())
    train = load_section(PARAMS, "train")
    assert isinstance(train.for_dimension("sharpness"), DimensionTrainParams)
    assert train.for_dimension("gray_level").epochs == data["train"]["gray_level"]["epochs"]
    assert set(train.shared()) == set(data["train"]) - {"gray_level", "sharpness"}
    with pytest.raises(ValueError, match="no training subsection for 'bone'"):
        train.for_dimension("bone")
    changed = train.with_dimension("sharpness", epochs=7)
    assert changed.sharpness.epochs == 7 and changed.gray_level == train.gray_level
    data["train"]["bone"] = data["train"]["sharpness"]
    path = write(tmp_path, yaml.safe_dump(data))
    with pytest.raises(ConfigError, match="unknown key 'train.bone'"):
        load_section(path, "train")
    del data["train"]["bone"]
    data["train"]["sharpness"]["epochs"] = 0
    path = write(tmp_path, yaml.safe_dump(data))
    with pytest.raises(ConfigError, match="'train.sharpness.epochs' must be at least 1"):
        load_section(path, "train")
    data["train"]["sharpness"]["epochs"] = 1
    data["train"]["gray_level"]["loss"] = "l1"
    path = write(tmp_path, yaml.safe_dump(data))
    with pytest.raises(ConfigError, match="train.gray_level.loss"):
        load_section(path, "train")

