"""Write simulated radiographs as real DX "for presentation" DICOM files with pydicom.

Each vendor stores pixels its own way, so that readers are exercised on the parts of the pixel
pipeline that real archives vary in (DICOM PS3.3 C.7.6.3, C.11.1, C.11.2):

========  ============  ===========  ==============  ================================
vendor    photometric   bits stored  representation  modality LUT (slope, intercept)
========  ============  ===========  ==============  ================================
Canon     MONOCHROME1   12           unsigned        1, 0
Siemens   MONOCHROME2   12           unsigned        1, 0
GE        MONOCHROME1   14           signed          1, 8192
Philips   MONOCHROME2   16           unsigned        0.5, -1024
========  ============  ===========  ==============  ================================

The VOI window (centre/width, ``LINEAR``) maps the modality values of the displayed range onto
the full output range, so a reader that applies the standard's order (modality LUT, VOI, then
MONOCHROME1 inversion) recovers the intended display. Identifiers are anonymised and UIDs are
derived deterministically from the study seed so the same seed writes the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

__all__ = ["VENDOR_ENCODINGS", "VendorEncoding", "set_vendor_pixels", "write_radiograph"]

DX_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.1"
#: Fixed UID root for the study's deterministic UIDs (pydicom's documented example root).
_UID_PREFIX = "1.2.826.0.1.3680043.8.498."


@dataclass(frozen=True)
class VendorEncoding:
    """How one vendor stores pixels."""

    manufacturer: str
    model: str
    photometric: str
    bits_stored: int
    signed: bool
    slope: float
    intercept: float
    pixel_spacing_mm: float


VENDOR_ENCODINGS = {
    "Canon": VendorEncoding("Canon Inc.", "CXDI-710C", "MONOCHROME1", 12, False, 1.0, 0.0, 0.125),
    "Siemens": VendorEncoding("SIEMENS", "Ysio Max", "MONOCHROME2", 12, False, 1.0, 0.0, 0.148),
    "GE": VendorEncoding("GE Healthcare", "Definium 6000", "MONOCHROME1", 14, True, 1.0, 8192.0, 0.2),
    "Philips": VendorEncoding("Philips Medical Systems", "DigitalDiagnost", "MONOCHROME2", 16, False, 0.5, -1024.0, 0.143),
}


def _stored_range(encoding: VendorEncoding) -> tuple[int, int]:
    if encoding.signed:
        return -(2 ** (encoding.bits_stored - 1)), 2 ** (encoding.bits_stored - 1) - 1
    return 0, 2**encoding.bits_stored - 1


def encode_pixels(display: np.ndarray, encoding: VendorEncoding) -> tuple[np.ndarray, float, float]:
    """Quantise a display image in [0, 1] (MONOCHROME2 sense) to stored values.

    Returns
    -------
    stored : ndarray of uint16 or int16
    window_centre, window_width : float
        VOI LINEAR window in modality units that displays the image as intended.
    """
    low, high = _stored_range(encoding)
    # Leave 2 % head-room at both ends, as vendors do, so the window is not the whole range.
    span = high - low
    lo_code, hi_code = low + 0.02 * span, high - 0.02 * span
    values = display if encoding.photometric == "MONOCHROME2" else 1.0 - display
    stored = np.round(lo_code + values * (hi_code - lo_code))
    dtype = np.int16 if encoding.signed else np.uint16
    stored = np.clip(stored, low, high).astype(dtype)
    modality_lo = lo_code * encoding.slope + encoding.intercept
    modality_hi = hi_code * encoding.slope + encoding.intercept
    # PS3.3 C.11.2.1.2.1: LINEAR maps [c - 0.5 - (w-1)/2, c - 0.5 + (w-1)/2] to the output range.
    width = modality_hi - modality_lo + 1.0
    centre = modality_lo + 0.5 + (width - 1.0) / 2.0
    return stored, float(centre), float(width)


def set_vendor_pixels(ds: pydicom.Dataset, display: np.ndarray, encoding: VendorEncoding) -> None:
    """Store a display image in ``ds`` the way a vendor does: Imager Pixel Spacing, the Image Pixel
    attributes, the modality LUT (rescale), the VOI window and the Pixel Data (:func:`encode_pixels`).

    Parameters
    ----------
    ds : pydicom.Dataset
        The dataset to complete.
    display : ndarray
        Display image in [0, 1], MONOCHROME2 sense (1 = white).
    encoding : VendorEncoding
        How the vendor stores pixels (:data:`VENDOR_ENCODINGS`).
    """
    stored, window_centre, window_width = encode_pixels(display, encoding)
    ds.ImagerPixelSpacing = [f"{encoding.pixel_spacing_mm:g}"] * 2
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = encoding.photometric
    ds.Rows, ds.Columns = stored.shape
    ds.BitsAllocated = 16
    ds.BitsStored = encoding.bits_stored
    ds.HighBit = encoding.bits_stored - 1
    ds.PixelRepresentation = 1 if encoding.signed else 0
    ds.RescaleSlope = f"{encoding.slope:g}"
    ds.RescaleIntercept = f"{encoding.intercept:g}"
    ds.RescaleType = "US"
    ds.WindowCenter = f"{window_centre:.1f}"
    ds.WindowWidth = f"{window_width:.1f}"
    ds.VOILUTFunction = "LINEAR"
    ds.PixelData = stored.tobytes()


def _uid(seed: int, *parts: object) -> str:
    return generate_uid(prefix=_UID_PREFIX, entropy_srcs=[str(seed), *map(str, parts)])


def write_radiograph(
    path: str | Path,
    display: np.ndarray,
    *,
    image_id: str,
    vendor: str,
    centre: str,
    patient_age: int,
    patient_sex: str,
    study_date: _dt.date,
    seed: int,
) -> None:
    """Write one PA chest radiograph as a DX DICOM file (written to a temp name, then renamed).

    Parameters
    ----------
    path : str or Path
        Destination ``.dcm`` file.
    display : ndarray
        Display image in [0, 1], MONOCHROME2 sense (1 = white).
    image_id : str
        Study-wide image identifier; becomes the anonymised patient ID and accession number.
    vendor : str
        A key of :data:`VENDOR_ENCODINGS`.
    centre, patient_age, patient_sex, study_date, seed
        Header facts; ``seed`` makes the UIDs deterministic.
    """
    if vendor not in VENDOR_ENCODINGS:
        raise ValueError(f"unknown vendor {vendor!r}; known: {', '.join(VENDOR_ENCODINGS)}")
    encoding = VENDOR_ENCODINGS[vendor]
    path = Path(path)

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DX_FOR_PRESENTATION
    meta.MediaStorageSOPInstanceUID = _uid(seed, image_id, "sop")
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = _UID_PREFIX + "1"
    meta.ImplementationVersionName = "CXRQA_SIM_1"

    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    date = study_date.strftime("%Y%m%d")
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = DX_FOR_PRESENTATION
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = date
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "100000"
    ds.AccessionNumber = image_id
    ds.Modality = "DX"
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.Manufacturer = encoding.manufacturer
    ds.ManufacturerModelName = encoding.model
    ds.InstitutionName = centre
    ds.PatientName = f"ANON^{image_id}"
    ds.PatientID = image_id
    ds.PatientBirthDate = ""
    ds.PatientSex = patient_sex
    ds.PatientAge = f"{int(patient_age):03d}Y"
    ds.PatientIdentityRemoved = "YES"
    ds.BodyPartExamined = "CHEST"
    ds.ViewPosition = "PA"
    ds.PatientOrientation = ["R", "F"]  # image left is the patient's right in a PA view
    ds.StudyInstanceUID = _uid(seed, image_id, "study")
    ds.SeriesInstanceUID = _uid(seed, image_id, "series")
    ds.StudyID = image_id
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    set_vendor_pixels(ds, display, encoding)

    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pydicom.dcmwrite(temporary, ds, enforce_file_format=True)
    os.replace(temporary, path)
