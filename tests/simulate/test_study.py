"""The rendered study: files, DICOM tags, display polarity, determinism, failure behaviour."""

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
import pytest
from PIL import Image
from pydicom.pixels import apply_modality_lut, apply_voi_lut

from cxrqa.cli import main
from cxrqa.config import ConfigError
from cxrqa.simulate import study as study_module
from cxrqa.simulate.study import simulate_study

REQUIRED_TAGS = (
    "PatientID", "PatientSex", "PatientAge", "Manufacturer", "InstitutionName", "Modality",
    "PhotometricInterpretation", "BitsStored", "RescaleSlope", "RescaleIntercept", "WindowCenter",
    "WindowWidth", "ImagerPixelSpacing", "ViewPosition", "StudyDate",
)


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every CSV and of every DICOM's pixel data."""
    hashes = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}
    for path in sorted((folder / "dicom").glob("*.dcm")):
        hashes[path.name] = hashlib.sha256(pydicom.dcmread(path).PixelData).hexdigest()
    return hashes


def displayed(dataset: pydicom.Dataset) -> np.ndarray:
    """Pixels as displayed: modality LUT, VOI, then MONOCHROME1 inversion (bright = dense)."""
    values = apply_voi_lut(apply_modality_lut(dataset.pixel_array, dataset), dataset).astype(float)
    values = (values - values.min()) / np.ptp(values)
    return 1.0 - values if dataset.PhotometricInterpretation == "MONOCHROME1" else values


def test_layout(small_study):
    names = {p.name for p in small_study.iterdir()}
    assert {"dicom", "masks", "ratings.csv", "acceptability.csv", "truth.csv", "montage.png"} <= names
    truth = pd.read_csv(small_study / "truth.csv")
    assert len(list((small_study / "dicom").glob("*.dcm"))) == len(truth) == 24
    masks = sorted(p.stem for p in (small_study / "masks").glob("*.png"))
    assert masks == sorted(truth.loc[truth["has_lung_mask"], "image_id"])
    ratings = pd.read_csv(small_study / "ratings.csv")
    assert list(ratings.columns) == ["image_id", "reader_id", "reader_role", "dimension", "score", "seconds"]
    assert len(ratings) == 24 * 10 * 2
    assert not list(small_study.parent.glob(".raw.*")), "staging folder left behind"
    with Image.open(small_study / "montage.png") as montage:
        assert montage.size[0] > 800 and montage.size[1] > 1500


def test_every_dicom_reads_and_carries_the_tags(small_study):
    photometrics, bits = set(), set()
    for path in sorted((small_study / "dicom").glob("*.dcm")):
        dataset = pydicom.dcmread(path)
        for tag in REQUIRED_TAGS:
            assert tag in dataset and str(dataset.data_element(tag).value) != "", (path.name, tag)
        assert dataset.pixel_array.shape == (320, 288)
        assert dataset.PatientID == path.stem and "^" in str(dataset.PatientName)
        photometrics.add(dataset.PhotometricInterpretation)
        bits.add(int(dataset.BitsStored))
    assert photometrics == {"MONOCHROME1", "MONOCHROME2"}
    assert bits <= {12, 14, 16} and len(bits) >= 2


def test_lungs_darker_than_mediastinum_in_both_polarities(small_study):
    truth = pd.read_csv(small_study / "truth.csv")
    checked = set()
    for row in truth[truth["has_lung_mask"]].itertuples():
        dataset = pydicom.dcmread(small_study / "dicom" / f"{row.image_id}.dcm")
        image = displayed(dataset)
        lungs = np.asarray(Image.open(small_study / "masks" / f"{row.image_id}.png")) > 0
        rows, cols = image.shape
        mediastinum = image[int(rows * 0.3) : int(rows * 0.6), cols // 2 - 8 : cols // 2 + 8]
        if row.gray_level_kind in ("overexposure", "high_contrast") and row.gray_level_severity > 0.5:
            continue  # burned-out films may clip both; polarity is still checked on the others
        assert np.median(image[lungs]) < np.median(mediastinum), row.image_id
        checked.add(dataset.PhotometricInterpretation)
    assert checked == {"MONOCHROME1", "MONOCHROME2"}


def test_monochrome1_needs_inversion(small_study):
    truth = pd.read_csv(small_study / "truth.csv")
    row = truth[truth["has_lung_mask"] & (truth["photometric"] == "MONOCHROME1")].iloc[0]
    dataset = pydicom.dcmread(small_study / "dicom" / f"{row.image_id}.dcm")
    raw = apply_voi_lut(apply_modality_lut(dataset.pixel_array, dataset), dataset).astype(float)
    lungs = np.asarray(Image.open(small_study / "masks" / f"{row.image_id}.png")) > 0
    rows, cols = raw.shape
    mediastinum = raw[int(rows * 0.3) : int(rows * 0.6), cols // 2 - 8 : cols // 2 + 8]
    assert np.median(raw[lungs]) > np.median(mediastinum)  # stored sense: lungs bright before inversion


def test_same_seed_same_bytes_other_seed_differs(default_params, small_params, small_study, tmp_path):
    again = simulate_study(small_params(workers=2), tmp_path / "again", progress=False)
    assert digest(again) == digest(small_study)  # also: parallel rendering == serial rendering
    other = simulate_study(small_params(seed=default_params.seed + 1), tmp_path / "other", progress=False)
    first, second = digest(small_study), digest(other)
    assert first["ratings.csv"] != second["ratings.csv"]
    assert first["CXR0001.dcm"] != second["CXR0001.dcm"]


def test_folder_of_real_images(small_params, tmp_path):
    folder = tmp_path / "bases"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(2):
        yy, xx = np.mgrid[0:300, 0:260]
        image = 120 + 80 * np.cos(xx / 40.0) * np.sin(yy / 55.0) + rng.normal(0, 5, yy.shape)
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(folder / f"real{index}.png")
    (folder / "notes.png").write_text("not an image")
    out = simulate_study(small_params(n_images=6, base_images=str(folder)), tmp_path / "raw", progress=False)
    truth = pd.read_csv(out / "truth.csv")
    assert set(truth["base_source"]) <= {"real0.png", "real1.png"}
    assert not truth["has_lung_mask"].any()


def test_folder_without_readable_image_fails_at_once(small_params, tmp_path):
    folder = tmp_path / "bases"
    folder.mkdir()
    (folder / "broken.png").write_text("not an image")
    with pytest.raises(ValueError, match="no readable image"):
        simulate_study(small_params(base_images=str(folder)), tmp_path / "raw", progress=False)
    assert not (tmp_path / "raw").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no image file"):
        simulate_study(small_params(base_images=str(tmp_path / "empty")), tmp_path / "x", progress=False)
    assert not (tmp_path / "x").exists()


def test_failure_mid_run_leaves_nothing_behind(small_params, tmp_path, monkeypatch):
    calls = {"n": 0}
    original = study_module.write_radiograph

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(study_module, "write_radiograph", failing)
    out = tmp_path / "raw"
    out.mkdir()
    (out / "previous.txt").write_text("an earlier complete study")
    with pytest.raises(OSError, match="disk full"):
        simulate_study(small_params(n_images=8), out, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["raw"]  # no staging folder left
    assert (out / "previous.txt").exists()  # the earlier output is untouched


def test_cli_help_and_bad_parameters(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    help_text = capsys.readouterr().out
    assert "Writes into --out" in help_text and "Reads:" in help_text
    assert main(["simulate", "--out", str(tmp_path / "raw"), "--n-images", "-5"]) == 2
    assert "simulate.n_images' must be at least 1" in capsys.readouterr().err
    params = tmp_path / "params.yaml"
    params.write_text(Path(__file__).parents[2].joinpath("params.yaml").read_text().replace("rows: 1024", "rows: -1"))
    assert main(["simulate", "--params", str(params), "--out", str(tmp_path / "raw")]) == 2
    assert "simulate.rows" in capsys.readouterr().err
    assert not (tmp_path / "raw").exists()
    with pytest.raises(ConfigError):
        from cxrqa.config import load_section

        load_section(params, "simulate")
