"""Builders of DICOM test files for every case the reader must accept or reject."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

CXR_BASE = Path(__file__).parents[2].parent / "shared" / "cxr-base"


def chest_like(rows: int = 600, cols: int = 500, seed: int = 0) -> np.ndarray:
    """A crude PA chest in 'bright = attenuating' values in [0, 1]: body, two dark lungs, spine."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:rows, :cols] / np.array([rows, cols])[:, None, None]
    image = np.where(np.abs(xx - 0.5) < 0.42, 0.75, 0.05)
    for centre in (0.3, 0.7):
        lung = ((xx - centre) / 0.14) ** 2 + ((yy - 0.45) / 0.3) ** 2 < 1
        image = np.where(lung, 0.3, image)
    image = np.where(np.abs(xx - 0.5) < 0.04, 0.9, image)
    return np.clip(image + rng.normal(0, 0.02, image.shape), 0, 1)


def new_dataset(syntax: str = ExplicitVRLittleEndian) -> Dataset:
    """An empty DX For Presentation dataset with its File Meta and fresh SOP Instance UID."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.1.1")
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = UID(syntax)
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    return ds


def write_dicom(
    path: Path,
    pixels: np.ndarray | bytes,
    *,
    syntax: str = ExplicitVRLittleEndian,
    rows: int | None = None,
    cols: int | None = None,
    bits_allocated: int = 16,
    bits_stored: int = 12,
    signed: bool = False,
    photometric: str = "MONOCHROME2",
    samples: int = 1,
    modality: str = "DX",
    **attributes,
) -> Path:
    """Write a minimal single-frame DICOM file; ``pixels`` is an array or the raw Pixel Data value."""
    ds = new_dataset(syntax)
    ds.Modality = modality
    ds.Manufacturer = "Test"
    if isinstance(pixels, np.ndarray):
        rows, cols = pixels.shape[:2]
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits_allocated, bits_stored, bits_stored - 1
    ds.PixelRepresentation = int(signed)
    if samples > 1:
        ds.PlanarConfiguration = 0
    for key, value in attributes.items():
        setattr(ds, key, value)
    if isinstance(pixels, np.ndarray):
        ds.PixelData = pixels.tobytes()
    elif pixels is not None:
        ds.PixelData = pixels
    if pixels is not None:
        ds["PixelData"].VR = "OW" if bits_allocated > 8 and not UID(syntax).is_compressed else "OB"
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture
def chest_dicom(tmp_path: Path) -> Path:
    """A valid 12-bit MONOCHROME2 DX chest with rescale and window."""
    stored = np.rint(chest_like() * 4095).astype(np.uint16)
    return write_dicom(
        tmp_path / "chest.dcm", stored, RescaleSlope=1, RescaleIntercept=0,
        WindowCenter=2048, WindowWidth=4096, ImagerPixelSpacing=[0.2, 0.2],
    )  # fmt: skip


@pytest.fixture
def testdata():
    """pydicom-data's test files by name."""
    from pydicom.data import get_testdata_file

    def get(name: str) -> Path:
        path = get_testdata_file(name)
        if path is None:
            pytest.fail(f"pydicom test file {name} is not installed")
        return Path(path)

    return get


__all__ = ["CXR_BASE", "chest_like", "new_dataset", "write_dicom", "pydicom"]
