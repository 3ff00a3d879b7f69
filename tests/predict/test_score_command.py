"""``cxrqa score``: no params.yaml needed, and both checkpoints read and checked before any preprocessing."""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from cxrqa.cli import main
from cxrqa.config import as_dict, load_section
from cxrqa.io.tables import DIMENSIONS
from cxrqa.models import CaHDCRGA, load_checkpoint, save_checkpoint
from cxrqa.scoring import InputSpec
from cxrqa.simulate.dicom_writer import write_radiograph

PARAMS = Path(__file__).parents[2] / "params.yaml"
TINY = {
    "stem_channels": 4, "hc_channels": (8, 8, 16, 16), "sip_channels": 8, "fc_hidden": 8,
    "unet_channels": (4, 4, 8), "train_size": (64, 64),
}  # fmt: skip
PREPROCESSING = InputSpec((64, 64)).to_dict()


def preprocess_section(**changes) -> dict:
    """The default ``preprocess`` section with ``changes``: a whole section, since a missing key fails."""
    defaults = as_dict(load_section(None, "preprocess"))
    return {**{key: list(value) if isinstance(value, tuple) else value for key, value in defaults.items()}, **changes}


def save_model(
    models: Path, folder: str, dimension: str | None, params: dict | None = None, preprocessing: dict = PREPROCESSING
) -> Path:
    """An untrained tiny checkpoint in ``models/<folder>/best.pt`` recording ``dimension`` (or none)."""
    torch.manual_seed(len(folder))
    extra = {} if dimension is None else {"dimension": dimension}
    return save_checkpoint(models / folder / "best.pt", CaHDCRGA(**TINY), params or {}, preprocessing, extra)


@pytest.fixture
def models(tmp_path):
    folder = tmp_path / "models"
    for dimension in DIMENSIONS:
        save_model(folder, dimension, dimension)
    return folder


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Two synthetic chest radiographs as DICOM files."""
    folder = tmp_path_factory.mktemp("archive")
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:400, 0:360]
    lungs = ((np.abs(xx - 180) > 30) & (np.abs(xx - 180) < 150) & (yy > 60) & (yy < 330)).astype(float)
    for index in range(2):
        display = np.clip(0.8 - 0.5 * lungs + rng.normal(0, 0.02, yy.shape), 0, 1)
        write_radiograph(
            folder / f"patient{index}.dcm", display, image_id=f"P{index}", vendor="Canon", centre="Centre A",
            patient_age=50, patient_sex="F", study_date=dt.date(2019, 7, 1), seed=0,
        )  # fmt: skip
    return folder


@pytest.fixture
def no_preprocessing(monkeypatch):
    """Fail the test if the command reaches preprocessing."""

    def refuse(*args, **kwargs):
        raise AssertionError("preprocessing ran")

    monkeypatch.setattr("cxrqa.preprocess.pipeline.preprocess_many", refuse)


def score(archive: Path, models: Path, out: Path, *options: str) -> int:
    return main(
        ["score", str(archive), "--models", str(models), "--out", str(out), "--workers", "1", "--no-progress", *options]
    )


def assert_cli_error(capsys, *parts: str) -> str:
    """The command's one-line error, through ``cxrqa.cli``'s handler, naming every part."""
    err = capsys.readouterr().err
    assert err.startswith("cxrqa score: error: ") and "Traceback" not in err
    for part in parts:
        assert part in err
    return err


def test_scores_without_params_yaml_as_with_the_repository_file(models, archive, tmp_path, monkeypatch, capsys):
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    monkeypatch.chdir(workdir)  # no params.yaml here
    assert score(archive, models, tmp_path / "default.csv") == 0
    assert score(archive, models, tmp_path / "file.csv", "--params", str(PARAMS)) == 0
    default, from_file = pd.read_csv(tmp_path / "default.csv"), pd.read_csv(tmp_path / "file.csv")
    assert sorted(default["image_id"]) == ["patient0", "patient1"]
    pd.testing.assert_frame_equal(default[["image_id", *DIMENSIONS]], from_file[["image_id", *DIMENSIONS]])
    assert "records no dimension" not in capsys.readouterr().err


def test_each_checkpoint_is_read_once(models, archive, tmp_path, monkeypatch):
    reads = []

    def counting(path):
        reads.append(Path(path))
        return load_checkpoint(path)

    monkeypatch.setattr("cxrqa.models.load_checkpoint", counting)
    monkeypatch.setattr("cxrqa.scoring.scorer.load_checkpoint", counting)
    assert score(archive, models, tmp_path / "scores.csv") == 0
    assert sorted(reads) == sorted(models / dimension / "best.pt" for dimension in DIMENSIONS)


def test_params_file_section_is_used(models, archive, tmp_path):
    params = tmp_path / "strict.yaml"
    params.write_text(yaml.safe_dump({"preprocess": preprocess_section(min_size=5000)}))
    assert score(archive, models, tmp_path / "scores.csv", "--params", str(params)) == 1  # every file too small
    assert len(pd.read_csv(tmp_path / "scores.errors.csv")) == 2


def test_preprocess_section_recorded_in_the_checkpoints_is_used(tmp_path, archive):
    models = tmp_path / "models"
    for dimension in DIMENSIONS:
        save_model(models, dimension, dimension, {"preprocess": preprocess_section(min_size=5000)})
    assert score(archive, models, tmp_path / "scores.csv") == 1
    assert len(pd.read_csv(tmp_path / "scores.errors.csv")) == 2


def test_checkpoints_recording_different_preprocessing_need_params(tmp_path, archive, capsys, no_preprocessing):
    models = tmp_path / "models"
    save_model(models, "gray_level", "gray_level", {"preprocess": preprocess_section(height=512)})
    save_model(models, "sharpness", "sharpness", {"preprocess": preprocess_section(height=768)})
    assert score(archive, models, tmp_path / "scores.csv") == 2
    assert_cli_error(capsys, "different preprocessing", "--params")


def test_malformed_section_recorded_in_a_checkpoint_is_a_cli_error(models, archive, tmp_path, capsys, no_preprocessing):
    path = save_model(models, "sharpness", "sharpness", {"preprocess": [1, 2]})
    assert score(archive, models, tmp_path / "scores.csv") == 2
    assert_cli_error(capsys, str(path), "'preprocess' must be a mapping")


@pytest.mark.parametrize("text", ["preprocess: 3\n", "preprocess: [1, 2]\n"])
def test_malformed_params_section_is_a_cli_error(models, archive, tmp_path, capsys, no_preprocessing, text):
    params = tmp_path / "params.yaml"
    params.write_text(text)
    assert score(archive, models, tmp_path / "scores.csv", "--params", str(params)) == 2
    assert_cli_error(capsys, str(params), "'preprocess'", "must be a mapping")


@pytest.mark.parametrize(("folder", "inside"), [("gray_level", "sharpness"), ("sharpness", "gray_level")])
def test_swapped_model_folders_fail_before_preprocessing(
    models, archive, tmp_path, capsys, no_preprocessing, folder, inside
):
    save_model(models, folder, inside)
    assert score(archive, models, tmp_path / "scores.csv") == 2
    assert_cli_error(capsys, str(models / folder), f"holds a {inside} model, not a {folder} one", "swapped")
    assert not (tmp_path / "scores.csv").exists()


def test_malformed_input_spec_fails_before_preprocessing(models, archive, tmp_path, capsys, no_preprocessing):
    path = save_model(models, "gray_level", "gray_level", preprocessing={**PREPROCESSING, "input_mode": "tiles"})
    assert score(archive, models, tmp_path / "scores.csv") == 2
    assert_cli_error(capsys, str(path), "input_mode must be one of whole, patch")


def test_checkpoint_recording_no_dimension_is_accepted_with_a_note(models, archive, tmp_path, capsys):
    save_model(models, "sharpness", None)
    assert score(archive, models, tmp_path / "scores.csv") == 0
    assert f"{models / 'sharpness' / 'best.pt'} records no dimension" in capsys.readouterr().err
    assert pd.read_csv(tmp_path / "scores.csv")["sharpness"].notna().all()


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _other_torch_file(data: bytes) -> bytes:
    import io

    buffer = io.BytesIO()
    torch.save({"weights": torch.zeros(2)}, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_truncated, "cannot read the checkpoint"),
        (lambda data: b"", "cannot read the checkpoint"),
        (lambda data: b"not a zip archive", "cannot read the checkpoint"),
        (_other_torch_file, "not a CaHDC-RGA checkpoint"),
    ],
    ids=["truncated", "empty", "not-a-zip", "other-torch-file"],
)
@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_unreadable_checkpoint_fails_before_preprocessing(
    models, archive, tmp_path, capsys, no_preprocessing, damage, message, dimension
):
    path = models / dimension / "best.pt"
    path.write_bytes(damage(path.read_bytes()))
    assert score(archive, models, tmp_path / "scores.csv") == 2
    assert_cli_error(capsys, str(path), message)


def test_score_gives_every_hostile_file_one_line_and_goes_on(tmp_path, models, monkeypatch):
    """``cxrqa score`` inherits the supervised decode path: a corpus of broken files and odd paths
    gives one line each in the scores or their errors, and the good films are scored."""
    from tests.fuzz.corpus import build_corpus
    from cxrqa.io.inputs import display_path

    cases = build_corpus(tmp_path / "corpus", 120, seed=3)
    params = tmp_path / "params.yaml"
    params.write_text(PARAMS.read_text().replace("min_size: 256", "min_size: 64"))
    out = tmp_path / "scores.csv"
    monkeypatch.chdir(tmp_path)
    status = main(["score", "corpus", "--models", str(models), "--out", str(out), "--params", str(params), "--quiet"])
    scores = pd.read_csv(out, dtype=str, keep_default_na=False)
    errors = pd.read_csv(tmp_path / "scores.errors.csv", dtype=str, keep_default_na=False)
    lines = list(scores["file"]) + list(errors["file"])
    expected = sorted(display_path(Path("corpus") / case.path) for case in cases)
    assert status == 0 and sorted(lines) == expected
    assert "internal_error" not in set(errors["reason"])
    assert len(scores) >= 40 and scores["image_id"].is_unique
    assert pd.to_numeric(scores["gray_level"]).notna().all()
