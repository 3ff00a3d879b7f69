"""Small archives and untrained models for the audit's tests: every kind of file an archive holds.

The films carry identity attributes whose values are sentinels (:data:`SENTINELS`), so a test can
search every byte an audit wrote for them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import torch
from pydicom.uid import generate_uid

from cxrqa.io.tables import DIMENSIONS
from cxrqa.models import CaHDCRGA, save_checkpoint
from cxrqa.scoring import InputSpec
from tests.preprocess.conftest import chest_like, write_dicom

TINY = {
    "stem_channels": 4, "hc_channels": (8, 8, 16, 16), "sip_channels": 8, "fc_hidden": 8,
    "unet_channels": (4, 4, 8), "train_size": (64, 64),
}  # fmt: skip

#: Identity values planted in every film; none may appear in anything an audit writes.
SENTINELS = {
    "PatientName": "ZZSENTINEL^PATIENTNAME",
    "PatientID": "ZZSENTINELPID77",
    "PatientBirthDate": "19011231",
    "AccessionNumber": "ZZSENTINELACC55",
    # longer than a PN component may be (64): a reader that validates values would quote it
    "OperatorsName": "ZZSENTINEL^OPERATOR" + "X" * 70,
}

_UID_ROOT = "1.2.826.0.1.3680043.8.498."


def save_models(folder: Path, seed: int = 1) -> Path:
    """Untrained tiny checkpoints of both dimensions under ``folder/<dimension>/best.pt``."""
    for index, dimension in enumerate(DIMENSIONS):
        torch.manual_seed(seed + index)
        save_checkpoint(folder / dimension / "best.pt", CaHDCRGA(**TINY), {}, InputSpec((64, 64)).to_dict(), {"dimension": dimension})
    return folder


def film_uid(index: int) -> str:
    """The SOP Instance UID of film ``index`` of :func:`write_archive`."""
    return generate_uid(prefix=_UID_ROOT, entropy_srcs=["audit-test", str(index)])


def write_film(path: Path, index: int, *, modality: str = "DX", date: dt.date = dt.date(2025, 1, 15), **attributes) -> Path:
    """One small 12-bit chest film with device, exposure and sentinel identity attributes."""
    pixels = np.round(chest_like(320, 288, seed=index) * 4000).astype(np.uint16)
    values = {
        "SOPInstanceUID": film_uid(index),
        "StudyInstanceUID": generate_uid(prefix=_UID_ROOT, entropy_srcs=["audit-test-study", str(index // 2)]),
        "SeriesInstanceUID": generate_uid(prefix=_UID_ROOT, entropy_srcs=["audit-test-series", str(index)]),
        "StudyDate": date.strftime("%Y%m%d"),
        "Manufacturer": "Test Medical",
        "ManufacturerModelName": "TX-1",
        "StationName": f"ST{index % 2}",
        "InstitutionName": "Test Hospital",
        "DeviceSerialNumber": f"SN{index % 2}",
        "SoftwareVersions": "1.0",
        "BodyPartExamined": "CHEST",
        "ViewPosition": "PA",
        "PresentationIntentType": "FOR PRESENTATION",
        "ExposureIndex": "400",
        "TargetExposureIndex": "400",
        "ImagerPixelSpacing": ["0.2", "0.2"],
        **SENTINELS,
        **attributes,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_dicom(path, pixels, modality=modality, **values)
    return path


def write_archive(folder: Path, n_films: int = 12, *, extras: bool = True) -> dict[str, int]:
    """``n_films`` PA chest films over three months in nested folders, and (with ``extras``) one
    file of every kind the audit must skip or cannot read. Returns the expected counts."""
    for index in range(n_films):
        month = 1 + index % 3
        write_film(folder / f"2025-{month:02d}" / f"film{index:03d}.dcm", index, date=dt.date(2025, month, 1 + index % 27))
    if not extras:
        return {"scored": n_films}
    base = n_films
    write_film(folder / "other" / "lateral.dcm", base + 1, ViewPosition="LL")
    write_film(folder / "other" / "hand.dcm", base + 2, BodyPartExamined="HAND")
    write_film(folder / "other" / "raw.dcm", base + 3, PresentationIntentType="FOR PROCESSING")
    write_film(folder / "other" / "ct.dcm", base + 4, modality="CT")
    write_film(folder / "other" / "noview.dcm", base + 5, ViewPosition="")
    truncated = write_film(folder / "other" / "truncated.dcm", base + 6)
    truncated.write_bytes(truncated.read_bytes()[:-20000])
    (folder / "other" / "notes.dcm").write_text("not a DICOM file\n")
    (folder / "other" / "empty.dcm").write_bytes(b"")
    return {
        "scored": n_films + 1,  # the film without View Position is scored (and counted)
        "skipped": 4,  # lateral, hand, for processing, CT
        "failed": 3,  # truncated (at scoring), not DICOM, empty (at indexing)
    }
