"""Each unusable input gives one clear line in errors.csv, and the batch goes on."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from pydicom.encaps import encapsulate

from cxrqa.config import load_section
from cxrqa.preprocess.pipeline import collect_inputs, make_tasks, preprocess_many
from tests.preprocess.conftest import chest_like, write_dicom


@pytest.fixture
def bad_folder(tmp_path, testdata, chest_dicom):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(chest_dicom, folder / "good.dcm")
    (folder / "notes.txt").write_text("not an image")
    stored = np.rint(chest_like() * 4095).astype(np.uint16)
    write_dicom(folder / "truncated.dcm", stored.tobytes()[:-5000], rows=600, cols=500)
    j2k = testdata("RG1_J2KR.dcm").read_bytes()
    (folder / "truncated_j2k.dcm").write_bytes(j2k[: len(j2k) // 2])
    write_dicom(folder / "nopixels.dcm", None, rows=600, cols=500)
    rgb = np.zeros((300, 300, 3), np.uint8)
    write_dicom(folder / "rgb.dcm", rgb, bits_allocated=8, bits_stored=8, photometric="RGB", samples=3)
    write_dicom(folder / "ybr.dcm", rgb, bits_allocated=8, bits_stored=8, photometric="YBR_FULL", samples=3)
    shutil.copy(testdata("OBXXXX1A.dcm"), folder / "palette.dcm")
    volume = np.zeros((3, 300, 300), np.uint16)
    write_dicom(folder / "volume.dcm", volume.tobytes(), rows=300, cols=300, NumberOfFrames=3)
    write_dicom(folder / "ct.dcm", stored, modality="CT")
    write_dicom(folder / "mr.dcm", stored, modality="MR")
    write_dicom(folder / "us.dcm", stored, modality="US")
    write_dicom(folder / "small.dcm", stored[:200, :400])
    write_dicom(folder / "j2k_part2.dcm", encapsulate([bytes(100)]), syntax="1.2.840.10008.1.2.4.92", rows=600, cols=500)  # fmt: skip
    shutil.copy(chest_dicom, folder / "zz_good_again.dcm")
    return folder


EXPECTED = {
    "notes.txt": "not_dicom",
    "truncated.dcm": "truncated_pixel_data",
    "truncated_j2k.dcm": "truncated_pixel_data",
    "nopixels.dcm": "no_pixel_data",
    "rgb.dcm": "colour",
    "ybr.dcm": "colour",
    "palette.dcm": "colour",
    "volume.dcm": "multi_frame",
    "ct.dcm": "modality",
    "mr.dcm": "modality",
    "us.dcm": "modality",
    "small.dcm": "too_small",
    "j2k_part2.dcm": "no_decoder",
}


@pytest.mark.parametrize("workers", [1, 2])
def test_every_unusable_file_gives_one_line_and_the_batch_goes_on(bad_folder, tmp_path, workers):
    out = tmp_path / f"out{workers}"
    manifest, errors = preprocess_many(make_tasks(collect_inputs([bad_folder])), out, load_section(None, "preprocess"), workers=workers, progress=False)
    assert sorted(manifest["image_id"]) == ["good", "zz_good_again"]
    written = pd.read_csv(out / "errors.csv")
    assert list(written.columns) == ["file", "reason", "detail"]
    got = {name.split("/")[-1]: reason for name, reason in zip(written["file"], written["reason"])}
    assert got == EXPECTED
    assert written["detail"].str.len().gt(10).all() and not written["detail"].str.contains("\n").any()
    assert (out / "images" / "good.png").is_file() and (out / "rois" / "zz_good_again.png").is_file()


def test_missing_plugin_is_reported_as_no_decoder(tmp_path, testdata, monkeypatch):
    from pydicom.pixels.decoders import base

    decoder = base.get_decoder("1.2.840.10008.1.2.4.90")
    monkeypatch.setattr(type(decoder), "is_available", property(lambda self: False))
    shutil.copy(testdata("RG1_J2KR.dcm"), tmp_path / "j2k.dcm")
    _, errors = preprocess_many(make_tasks([tmp_path / "j2k.dcm"]), tmp_path / "out", load_section(None, "preprocess"), workers=1, progress=False)
    assert errors["reason"].tolist() == ["no_decoder"]
