"""The archive's files: DICOM headers of its films, and the unusable files filed among them.

A film's header carries what an audit reads (DICOM PS3.3): the General Equipment module
(Manufacturer, Manufacturer's Model Name, Station Name, Institution Name, Device Serial Number,
Software Versions), Body Part Examined and View Position, the study date, the exposure indices of
IEC 62494-1 as its vendor writes them (:mod:`cxrqa.archive.exposure`), the pixels stored as the
vendor stores them (:data:`cxrqa.simulate.dicom_writer.VENDOR_ENCODINGS`), and synthetic identity
(Patient's Name, ID and Birth Date, Accession Number, Operators' Name) that an audit must never
copy into its outputs.

SOP classes: CR Image Storage for CR stations; DX for Presentation (Presentation Intent Type
``FOR PRESENTATION``) for DR rooms; DX for Processing (``FOR PROCESSING``) for raw films; CT Image
Storage for the CT slice filed by mistake.

References
----------
.. [1] DICOM PS3.3 2024: C.7.5.1 General Equipment, C.8.9 CR Modules, C.8.11 DX Modules,
   C.8.2.1 CT Image Module, C.7.6.3 Image Pixel, C.11.1 Modality LUT, C.11.2 VOI LUT.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_ROOT_UID,
    ComputedRadiographyImageStorage,
    CTImageStorage,
    DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing,
    ExplicitVRLittleEndian,
    generate_uid,
)

from cxrqa.simulate.dicom_writer import VENDOR_ENCODINGS, set_vendor_pixels

__all__ = ["ct_dataset", "radiograph_dataset", "sop_class", "write_dataset", "write_not_dicom", "write_truncated"]

#: Patient Orientation (row, column directions) by View Position; a PA or AP film is displayed
#: with the patient's right on the viewer's left, a lateral as seen from the detector's side.
_ORIENTATION = {"PA": ["L", "F"], "": ["L", "F"], "AP": ["L", "F"], "LL": ["P", "F"], "RL": ["A", "F"]}
#: CT numbers of the slice: air at -1000 HU, the phantom's unit attenuation at soft tissue.
_CT_AIR_HU, _CT_HU_PER_ATTENUATION, _CT_INTERCEPT = -1000.0, 1000.0, -1024.0


def sop_class(kind: str, modality: str) -> str:
    """The SOP Class UID of a film of ``kind`` (:data:`cxrqa.archive.design.FILM_KINDS`).

    >>> sop_class("pa_chest", "CR") == ComputedRadiographyImageStorage
    True
    """
    if modality == "CT":
        return CTImageStorage
    if kind == "for_processing":
        return DigitalXRayImageStorageForProcessing
    return ComputedRadiographyImageStorage if modality == "CR" else DigitalXRayImageStorageForPresentation


def _dataset(film: Mapping[str, Any]) -> FileDataset:
    """Everything but the pixels: file meta, identity, equipment, study and series."""
    sop = sop_class(film["kind"], film["modality"])
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop
    meta.MediaStorageSOPInstanceUID = film["sop_instance_uid"]
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_ROOT_UID + "2"
    meta.ImplementationVersionName = "CXRQA_ARCHIVE_1"

    ds = FileDataset("", {}, file_meta=meta, preamble=b"\0" * 128)
    date = film["study_date"].replace("-", "")
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = sop
    ds.SOPInstanceUID = film["sop_instance_uid"]
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = date
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = film["study_time"]
    ds.AccessionNumber = film["accession_number"]
    ds.Modality = film["modality"]
    ds.Manufacturer = VENDOR_ENCODINGS[film["vendor"]].manufacturer
    ds.ManufacturerModelName = VENDOR_ENCODINGS[film["vendor"]].model
    ds.InstitutionName = film["site"]
    ds.StationName = film["station"]
    ds.DeviceSerialNumber = film["serial"]
    ds.SoftwareVersions = film["software_version"]
    ds.OperatorsName = film["operator"]
    ds.PatientName = film["patient_name"]
    ds.PatientID = film["patient_id"]
    ds.PatientBirthDate = film["patient_birth_date"]
    ds.PatientSex = film["patient_sex"]
    ds.BodyPartExamined = film["body_part"]
    ds.StudyInstanceUID = film["study_instance_uid"]
    ds.SeriesInstanceUID = film["series_instance_uid"]
    ds.StudyID = str(film["number"])
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    return ds


def _set_pixels(ds: FileDataset, stored: np.ndarray, bits_stored: int, signed: bool) -> None:
    ds.SamplesPerPixel = 1
    ds.Rows, ds.Columns = stored.shape
    ds.BitsAllocated = 16
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    ds.PixelData = stored.tobytes()


def radiograph_dataset(film: Mapping[str, Any], display: np.ndarray, exposure: Mapping[str, str]) -> FileDataset:
    """The DICOM dataset of a CR or DX film.

    Parameters
    ----------
    film : mapping
        A row of :func:`cxrqa.archive.design.draw_films`.
    display : ndarray
        Display image in [0, 1], MONOCHROME2 sense (1 = white), as
        :func:`cxrqa.simulate.degrade.apply_degradations` renders it.
    exposure : mapping
        Exposure attributes (pydicom keyword to DS string) the vendor writes
        (:func:`cxrqa.archive.exposure.exposure_elements`).

    Returns
    -------
    pydicom.dataset.FileDataset
    """
    ds = _dataset(film)
    if film["modality"] == "DX":
        ds.PresentationIntentType = "FOR PROCESSING" if film["kind"] == "for_processing" else "FOR PRESENTATION"
    if film["view_position"]:
        ds.ViewPosition = film["view_position"]
    ds.PatientOrientation = _ORIENTATION[film["view_position"]]
    for keyword, value in exposure.items():
        setattr(ds, keyword, value)
    set_vendor_pixels(ds, display, VENDOR_ENCODINGS[film["vendor"]])
    return ds


def ct_dataset(film: Mapping[str, Any], attenuation: np.ndarray) -> FileDataset:
    """A CT slice (CT Image Storage) from an attenuation map: the CT filed among the radiographs."""
    ds = _dataset(film)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.FrameOfReferenceUID = generate_uid(prefix=PYDICOM_ROOT_UID, entropy_srcs=[film["sop_instance_uid"], "frame"])
    ds.PositionReferenceIndicator = ""
    ds.KVP = "120"
    ds.SliceThickness = "5"
    ds.PixelSpacing = ["1.5", "1.5"]
    ds.ImagePositionPatient = ["-192", "-192", "0"]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.RescaleSlope = "1"
    ds.RescaleIntercept = f"{_CT_INTERCEPT:g}"
    ds.RescaleType = "HU"
    ds.WindowCenter = "-600"
    ds.WindowWidth = "1500"
    hounsfield = _CT_AIR_HU + _CT_HU_PER_ATTENUATION * attenuation
    stored = np.clip(np.round(hounsfield - _CT_INTERCEPT), 0, 4095).astype(np.uint16)
    _set_pixels(ds, stored, 12, False)
    return ds


def write_dataset(path: str | Path, ds: FileDataset) -> None:
    """Write ``ds`` as a DICOM Part 10 file."""
    pydicom.dcmwrite(path, ds, enforce_file_format=True)


def write_truncated(path: str | Path, ds: FileDataset) -> None:
    """Write ``ds`` cut half-way through its Pixel Data, as an interrupted transfer leaves a file.

    The header parses; the pixels cannot be read.
    """
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    data = buffer.getvalue()
    # Pixel Data is the last element, so its value is the file's last len(PixelData) bytes.
    pixels_start = len(data) - len(ds.PixelData)
    Path(path).write_bytes(data[: pixels_start + len(ds.PixelData) // 2])


def write_not_dicom(path: str | Path, film: Mapping[str, Any]) -> None:
    """Write a text file under a ``.dcm`` name (an export log saved with the images)."""
    Path(path).write_text(
        f"Export log of {film['station']}, {film['month']}: transfer of object {film['number']} "
        "completed with warnings.\nThis is a text file, not a DICOM object.\n",
        encoding="ascii",
    )
