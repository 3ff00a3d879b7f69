"""The synthetic archive: layout, determinism, headers, exposure indices, planted faults, failures."""

import hashlib
import math
from dataclasses import asdict, astuple, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
import pytest
import yaml
from pydicom.errors import InvalidDicomError
from pydicom.uid import (
    ComputedRadiographyImageStorage,
    CTImageStorage,
    DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing,
)

from cxrqa.archive import build as build_module
from cxrqa.archive.build import FAULT_COLUMNS, TRUTH_COLUMNS, build_archive, draw_archive
from cxrqa.archive.design import FILM_KINDS, RADIOGRAPH_KINDS, UNUSABLE_KINDS, draw_films, layout_stations, plant_faults
from cxrqa.archive.exposure import EI_SPREAD, TARGET_EXPOSURE_INDEX, WRITTEN_INDICES
from cxrqa.cli import main
from cxrqa.config import load_section
from cxrqa.config.loader import build
from cxrqa.config.schema import ArchiveParams
from cxrqa.simulate.degrade import draw_degradation
from cxrqa.simulate.dicom_writer import VENDOR_ENCODINGS

PARAMS = Path(__file__).parents[2] / "params.yaml"
#: One site of four stations (DR Canon, DR Siemens, CR GE, DR Philips), two months, three PA films
#: each, generous extras; one fault per station of the first, second and fourth.
TINY = dict(
    sites=1, stations_per_site=4, months=2, films_per_station_month=3, rows=256, cols=256, workers=1,
    lateral_fraction=0.3, non_chest_fraction=0.3, for_processing_fraction=0.3, no_view_fraction=0.3,
    unusable_fraction=0.4,
    fault_sharpness={"station": 0, "onset_month": 1, "drop": 2.5},
    fault_underexposure={"station": 3, "onset_month": 0, "months": 1, "drop": 2.5},
    fault_software={"station": 1, "onset_month": 1, "drop": 2.0},
)  # fmt: skip


def archive_params(**changes) -> ArchiveParams:
    """The default ``archive`` section with ``changes``, built and validated as the loader does."""
    values = asdict(load_section(PARAMS, "archive"))
    values.update(changes)
    return build(ArchiveParams, values, where="archive", source="test")


def digest(folder: Path) -> dict[str, str]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def tiny_params():
    return archive_params(**TINY)


@pytest.fixture(scope="module")
def archive(tiny_params, tmp_path_factory):
    return build_archive(tiny_params, tmp_path_factory.mktemp("archive") / "archive", progress=False)


@pytest.fixture(scope="module")
def truth(archive):
    return pd.read_csv(archive / "truth.csv", keep_default_na=False, na_values=[""])


def test_every_file_is_listed_once_in_its_folder(archive, truth):
    files = sorted(str(p.relative_to(archive)) for p in (archive / "dicom").rglob("*") if p.is_file())
    assert list(truth.columns) == list(TRUTH_COLUMNS)
    assert sorted(truth["file"]) == files and truth["file"].is_unique
    assert set(truth["kind"]) == set(FILM_KINDS)
    for row in truth.itertuples():
        _, site, station, month, name = row.file.split("/")
        assert (site, station, month) == (f"SITE{row.site[-1]}", row.station, row.month) and name.endswith(".dcm")
    assert (truth["kind"] == "pa_chest").sum() == 4 * 2 * 3
    assert sorted(p.name for p in archive.iterdir()) == ["dicom", "faults.csv", "truth.csv"]
    assert not list(archive.parent.glob(".archive.*")), "staging folder left behind"


def test_cli_runs_end_to_end_and_writes_the_same_bytes_in_parallel(archive, tiny_params, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["archive", "--help"])
    assert exit_info.value.code == 0 and "--out" in capsys.readouterr().out
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump({"archive": asdict(replace(tiny_params, workers=2))}))
    assert main(["archive", "--params", str(params_file), "--out", str(tmp_path / "again"), "--quiet"]) == 0
    assert digest(tmp_path / "again") == digest(archive)


def test_headers_carry_equipment_view_and_identity(archive, truth):
    serials = {}
    for row in truth[truth["kind"].isin(RADIOGRAPH_KINDS + ("ct",))].itertuples():
        ds = pydicom.dcmread(archive / row.file, stop_before_pixels=True)
        encoding = VENDOR_ENCODINGS[row.vendor]
        assert ds.SOPInstanceUID == ds.file_meta.MediaStorageSOPInstanceUID == row.sop_instance_uid
        assert (ds.Manufacturer, ds.ManufacturerModelName) == (encoding.manufacturer, encoding.model)
        assert (ds.StationName, ds.InstitutionName, ds.Modality) == (row.station, row.site, row.modality)
        assert ds.SoftwareVersions == row.software_version
        assert ds.StudyDate == row.study_date.replace("-", "") and row.study_date.startswith(row.month)
        assert str(ds.PatientName).startswith("ARCHIVE^PATIENT") and ds.PatientID and len(ds.PatientBirthDate) == 8
        assert ds.AccessionNumber and str(ds.OperatorsName).startswith(f"RAD^{row.site[-1]}")
        serials.setdefault(row.station, set()).add(ds.DeviceSerialNumber)
        if row.kind == "ct":
            assert ds.SOPClassUID == CTImageStorage
            continue
        if row.kind == "for_processing":
            assert ds.SOPClassUID == DigitalXRayImageStorageForProcessing
        elif row.modality == "CR":
            assert ds.SOPClassUID == ComputedRadiographyImageStorage
        else:
            assert ds.SOPClassUID == DigitalXRayImageStorageForPresentation
        if row.modality == "DX":
            intent = "FOR PROCESSING" if row.kind == "for_processing" else "FOR PRESENTATION"
            assert ds.PresentationIntentType == intent
        else:
            assert "PresentationIntentType" not in ds
        assert ds.PhotometricInterpretation == encoding.photometric and ds.BitsStored == encoding.bits_stored
        assert [float(v) for v in ds.ImagerPixelSpacing] == [encoding.pixel_spacing_mm] * 2
        assert (ds.BodyPartExamined == "CHEST") == (row.kind != "non_chest")
        view = ds.get("ViewPosition")
        if row.kind == "lateral":
            assert view in ("LL", "RL")
        else:
            assert view == {"pa_no_view": None, "non_chest": "AP"}.get(row.kind, "PA")
    assert all(len(found) == 1 for found in serials.values()) and len(set.union(*serials.values())) == 4
    for row in truth[truth["kind"] == "pa_chest"].head(4).itertuples():
        assert pydicom.dcmread(archive / row.file).pixel_array.shape == (256, 256)


def test_unusable_files_fail_as_planted(archive, truth):
    for row in truth[truth["kind"].isin(UNUSABLE_KINDS)].itertuples():
        path = archive / row.file
        if row.kind == "unusable_empty":
            assert path.stat().st_size == 0 and pd.isna(row.sop_instance_uid)
        elif row.kind == "unusable_not_dicom":
            with pytest.raises(InvalidDicomError):
                pydicom.dcmread(path)
        elif row.kind == "unusable_truncated":
            ds = pydicom.dcmread(path)
            assert ds.SOPInstanceUID == row.sop_instance_uid
            with pytest.raises(Exception):
                ds.pixel_array
        else:
            assert pydicom.dcmread(path).Modality == "CT"


def test_exposure_indices_follow_the_dose_and_the_vendor(archive, truth):
    films = truth[truth["kind"].isin(RADIOGRAPH_KINDS)]
    assert set(films["vendor"]) == set(TARGET_EXPOSURE_INDEX)
    for row in films.itertuples():
        target = TARGET_EXPOSURE_INDEX[row.vendor]
        assert row.target_exposure_index == target
        assert row.deviation_index == pytest.approx(10 * math.log10(row.exposure_index / target), abs=1e-4)
        assert abs(math.log(row.exposure_index / (target * row.dose_factor))) < 5 * EI_SPREAD
        ds = pydicom.dcmread(archive / row.file, stop_before_pixels=True)
        written = {k for k in ("ExposureIndex", "TargetExposureIndex", "DeviationIndex") if k in ds}
        assert written == set(WRITTEN_INDICES[row.vendor])
        # One decimal from 10 up, three below (truth.csv itself holds six significant digits).
        rounding = 0.05 if row.exposure_index >= 10 else 0.0005
        assert abs(float(ds.ExposureIndex) - row.exposure_index) <= rounding * 1.01
        if "TargetExposureIndex" in ds:
            assert float(ds.TargetExposureIndex) == target
        if "DeviationIndex" in ds:
            assert float(ds.DeviationIndex) == pytest.approx(row.deviation_index, abs=0.006)


def test_faults_table_matches_the_parameters(archive, tiny_params):
    faults = pd.read_csv(archive / "faults.csv", keep_default_na=False)
    assert list(faults.columns) == list(FAULT_COLUMNS)
    rows = {row.fault: row for row in faults.itertuples()}
    assert set(rows) == {"sharpness_drop", "underexposure", "software_update"}
    names = ["SITEA-DR1", "SITEA-DR2", "SITEA-CR1", "SITEA-DR3"]
    expected = {
        "sharpness_drop": (tiny_params.fault_sharpness, "sharpness", "2025-02", ""),
        "underexposure": (tiny_params.fault_underexposure, "gray_level", "2025-01", "2025-01"),
        "software_update": (tiny_params.fault_software, "gray_level", "2025-02", ""),
    }
    for name, (fault, dimension, onset, end) in expected.items():
        row = rows[name]
        assert (row.station_index, row.station, row.site) == (fault.station, names[fault.station], "Site A")
        assert (row.dimension, row.onset, row.end, row.drop) == (dimension, onset, end, fault.drop)
        assert row.description.endswith(".")


def test_faulty_films_are_on_their_station_and_months_with_the_forced_kind(archive, truth, tiny_params):
    stations = layout_stations(tiny_params)
    routine = draw_films(tiny_params, stations, [], patient_name_prefix="X")  # the same draws, no faults
    assert list(routine["file"]) == list(truth["file"])
    planted = {
        "sharpness_drop": (tiny_params.fault_sharpness, {1}, "sharpness", "focal_blur"),
        "underexposure": (tiny_params.fault_underexposure, {0}, "gray_level", "underexposure"),
        "software_update": (tiny_params.fault_software, {1}, "gray_level", "low_contrast"),
    }
    month_index = {"2025-01": 0, "2025-02": 1}
    for name, (fault, months, dimension, kind) in planted.items():
        expected = truth["kind"].isin(RADIOGRAPH_KINDS) & (truth["station_index"] == fault.station)
        expected &= truth["month"].map(month_index).isin(months)
        hit = truth["fault"].fillna("").str.split(";").map(lambda names, name=name: name in names)
        assert (hit == expected).all() and expected.sum() > 0, name
        assert (truth.loc[hit, f"{dimension}_kind"] == kind).all()
        lowered = np.maximum(routine.loc[hit, f"latent_{dimension}"] - fault.drop, 1.0)
        assert np.allclose(truth.loc[hit, f"latent_{dimension}"], lowered, atol=1e-5)
    assert truth["fault"].notna().sum() == sum(
        (truth["kind"].isin(RADIOGRAPH_KINDS) & (truth["station_index"] == f.station)
         & truth["month"].map(month_index).isin(m)).sum()
        for f, m, _, _ in planted.values()
    )  # fmt: skip
    under = truth[truth["fault"] == "underexposure"]
    assert (under["deviation_index"] < -5.0).all()
    software = truth[(truth["station_index"] == tiny_params.fault_software.station) & truth["modality"].notna()]
    versions = software.groupby("month")["software_version"].unique()
    (before,), (after,) = versions["2025-01"], versions["2025-02"]
    assert before != after


def test_patient_name_prefix_reaches_the_headers_only(tmp_path):
    first = {"station": 0, "onset_month": 0, "drop": 2.0}
    params = archive_params(**{
        **TINY, "stations_per_site": 2, "months": 1, "films_per_station_month": 1, "unusable_fraction": 0.0,
        "fault_sharpness": first, "fault_underexposure": first | {"months": 1},
        "fault_software": first | {"station": 1},
    })  # fmt: skip
    out = build_archive(params, tmp_path / "archive", progress=False, patient_name_prefix="SENTINEL^ZQX")
    names = [str(pydicom.dcmread(p, stop_before_pixels=True).PatientName) for p in (out / "dicom").rglob("*.dcm")]
    assert names and all(name.startswith("SENTINEL^ZQX") for name in names)
    assert "ZQX" not in (out / "truth.csv").read_text() + (out / "faults.csv").read_text()


def test_every_unusable_kind_is_there_from_fifty_films():
    faults = {
        f"fault_{name}": TINY[f"fault_{name}"] | {"station": 0, "onset_month": month}
        for name, month in (("sharpness", 0), ("underexposure", 0), ("software", 3))
    }
    params = archive_params(
        sites=1, stations_per_site=1, months=5, films_per_station_month=10, unusable_fraction=0.001, **faults
    )  # 50 PA films, about 0.05 unusable files expected
    films, _ = draw_archive(params)
    assert sorted(films.loc[films["kind"].isin(UNUSABLE_KINDS), "kind"]) == sorted(UNUSABLE_KINDS)


def test_overlapping_faults_on_one_quality_are_refused(tiny_params):
    params = replace(tiny_params, fault_software=replace(tiny_params.fault_software, station=3, onset_month=0))
    with pytest.raises(ValueError, match="both lower the gray_level"):
        plant_faults(params, layout_stations(params))


def test_a_failed_build_leaves_the_old_archive(tiny_params, tmp_path, monkeypatch):
    out = tmp_path / "archive"
    out.mkdir()
    (out / "old.txt").write_text("old")

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(build_module.writer, "write_dataset", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        build_archive(tiny_params, out, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["archive"] and (out / "old.txt").read_text() == "old"


def _rounded(degradation) -> list:
    return [f"{v:.9g}" if isinstance(v, float) else v for v in astuple(degradation)]


def test_draw_degradation_draws_as_before_when_no_kind_is_forced():
    # Digest of 300 draws (kinds, parameters and the generator's next number) taken before the
    # keyword arguments existed: the simulated reader study must not change by a byte.
    digest = hashlib.sha256()
    for seed in range(300):
        rng = np.random.default_rng(seed)
        gray, sharp = rng.uniform(1.0, 10.0, 2)
        degradation = draw_degradation(float(gray), float(sharp), rng, gray_level_kind=None, sharpness_kind=None)
        digest.update(repr((_rounded(degradation), f"{rng.random():.9g}")).encode())
    assert digest.hexdigest() == "01d81501e583cc8e1595daad1ca07b396953d5eed959a58b1b125675a54ec447"


@pytest.mark.parametrize(
    "gray_kind, sharp_kind",
    [("underexposure", None), ("low_contrast", None), (None, "focal_blur"), ("gamma", "motion")],
)
def test_forcing_a_kind_keeps_the_other_draws(gray_kind, sharp_kind):
    for seed in range(60):
        free_rng, forced_rng = np.random.default_rng(seed), np.random.default_rng(seed)
        free = draw_degradation(6.0, 5.5, free_rng)
        forced = draw_degradation(6.0, 5.5, forced_rng, gray_level_kind=gray_kind, sharpness_kind=sharp_kind)
        assert forced.gray_level_kind == (gray_kind or free.gray_level_kind)
        assert forced.sharpness_kind == (sharp_kind or free.sharpness_kind)
        assert forced.motion_angle_deg == free.motion_angle_deg
        assert (forced.gray_level_severity, forced.sharpness_severity, forced.blur_sigma_px) == (
            free.gray_level_severity, free.sharpness_severity, free.blur_sigma_px)
        if gray_kind in (None, free.gray_level_kind):
            assert (forced.dose_factor, forced.window_factor, forced.gamma) == (
                free.dose_factor, free.window_factor, free.gamma)
        if gray_kind == "underexposure":
            assert forced.dose_factor == pytest.approx(10 ** (-4.2 * forced.gray_level_severity))
        if gray_kind == "gamma":
            assert forced.gamma != 1.0
        else:  # the stream after the call (the film's quantum noise) is the unforced one
            assert forced_rng.random() == free_rng.random()
    with pytest.raises(ValueError, match="unknown degradation kind"):
        draw_degradation(6.0, 6.0, np.random.default_rng(0), sharpness_kind="blurry")
