"""The index pass: what a film's header says, and whether the audit scores it.

The audit scores PA chest films for presentation only. From the header alone (no pixel is read)
:func:`index_dataset` keeps a film when

* Modality (0008,0060) is ``CR`` or ``DX`` (:data:`AUDITED_MODALITIES`);
* Body Part Examined (0018,0015) is ``CHEST``, or absent;
* View Position (0018,5101) is ``PA``, or absent (kept, and counted: ``view_position_absent``);
* Presentation Intent Type (0008,0068) is not ``FOR PROCESSING`` (raw detector data, which no
  reader looks at), nor is the SOP Class DX "for processing".

Every other film is skipped with its reason (:data:`SKIP_REASONS`). The kept film's
:class:`IndexRecord` carries what the audit groups and reports by: the device (keyed as OpenREM
keys its X-ray units, by a hash of manufacturer, model, serial number, station, institution and
software versions, so that a software update starts a new device), the study date, and the
exposure indices of IEC 62494-1: Exposure Index (0018,1411), Target Exposure Index (0018,1412)
and Deviation Index (0018,1413), DI computed as ``10 log10(EI / EI_T)`` when only EI and EI_T are
in the header.

No identity leaves this module: the record holds no patient or operator attribute. The operator
is kept only as a keyed HMAC pseudonym (:func:`operator_pseudonym`), and only when the user
gives a key.

References
----------
.. [1] IEC 62494-1:2008 Medical electrical equipment - Exposure index of digital X-ray imaging
   systems - Part 1: Definitions and requirements for general radiography.
.. [2] DICOM PS3.3 2024, C.8.11.7 DX Positioning Module, C.8.11.1 DX Series Module, C.7.5.1
   General Equipment Module, C.8.9.1 CR Series Module.
.. [3] OpenREM: ``openrem/remapp/extractors`` keys a unit by manufacturer, institution, station,
   model, serial number and software versions (https://openrem.org).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import math
from dataclasses import asdict, dataclass
from typing import Any

import pydicom
import pydicom.config

from cxrqa.io.errors import one_line
from cxrqa.io.exposure import deviation_index

__all__ = [
    "AUDITED_MODALITIES",
    "INDEX_COLUMNS",
    "SKIP_REASONS",
    "HeaderError",
    "IndexRecord",
    "device_key",
    "index_dataset",
    "operator_pseudonym",
    "quiet_pydicom",
]

#: Modalities the audit scores: computed and digital radiography.
AUDITED_MODALITIES = ("CR", "DX")

#: Why a readable film is not scored, with what each reason means.
SKIP_REASONS: dict[str, str] = {
    "modality": "not a projection radiograph (Modality other than CR or DX)",
    "body_part": "Body Part Examined is not CHEST",
    "view_position": "View Position is not PA (a lateral or AP film)",
    "for_processing": "a 'for processing' image (raw detector data, not for presentation)",
    "outside_dates": "Study Date outside --since/--until",
    "duplicate": "an SOP Instance UID seen before in this run (the same film twice)",
}

_DX_FOR_PROCESSING = "1.2.840.10008.5.1.4.1.1.1.1.1"
_DEVICE_ATTRIBUTES = (
    "Manufacturer", "ManufacturerModelName", "DeviceSerialNumber", "StationName", "InstitutionName",
    "SoftwareVersions",
)  # fmt: skip


class HeaderError(ValueError):
    """A header the audit cannot use: no SOP Instance UID, or one that cannot be read.

    ``reason`` is a code of :data:`cxrqa.io.errors.REASONS` (``bad_header``).
    """

    reason = "bad_header"


@dataclass(frozen=True)
class IndexRecord:
    """What the index pass keeps of one film (one row of the scores' header columns).

    Attributes
    ----------
    sop_instance_uid, source : str
        The film's SOP Instance UID and where it was read (a path or a DICOMweb URL).
    study_date : datetime.date or None
        Study Date (0008,0020), else Content or Acquisition Date; ``None`` when none is valid.
    modality, manufacturer, model, station_name, institution, software_versions : str
        Header values, ``""`` when absent.
    device_key : str
        :func:`device_key` of the device attributes.
    body_part, view_position : str
        ``""`` when absent.
    exposure_index, target_exposure_index, deviation_index : float or None
        IEC 62494-1 indices; ``deviation_index`` from the header, else computed.
    deviation_index_source : str
        ``header``, ``computed`` or ``""`` (none).
    operator : str
        The keyed pseudonym of Operators' Name (:func:`operator_pseudonym`), ``""`` without a key.
    """

    sop_instance_uid: str
    source: str
    study_date: _dt.date | None
    modality: str
    manufacturer: str
    model: str
    station_name: str
    institution: str
    software_versions: str
    device_key: str
    body_part: str
    view_position: str
    exposure_index: float | None
    target_exposure_index: float | None
    deviation_index: float | None
    deviation_index_source: str
    operator: str

    def as_row(self) -> dict[str, Any]:
        """The record as a table row (field name to value)."""
        return asdict(self)


#: Columns of :class:`IndexRecord`, in order.
INDEX_COLUMNS: tuple[str, ...] = tuple(IndexRecord.__dataclass_fields__)


def index_dataset(
    ds: pydicom.Dataset, source: str, *, operator_key: bytes | None = None
) -> tuple[IndexRecord, str | None]:
    """Read the header facts of one film and decide whether the audit scores it.

    Parameters
    ----------
    ds : pydicom.Dataset
        The film's header (pixels need not be there).
    source : str
        Where the film was read, kept in the record.
    operator_key : bytes, optional
        Key of the operator pseudonym; without it no operator column is filled.

    Returns
    -------
    record : IndexRecord
    skip : str or None
        A key of :data:`SKIP_REASONS` when the film is not scored, else ``None``.

    Raises
    ------
    HeaderError
        When the header has no usable SOP Instance UID.

    Examples
    --------
    >>> ds = pydicom.Dataset()
    >>> ds.SOPInstanceUID, ds.Modality, ds.ViewPosition = "1.2.3", "DX", "LL"
    >>> ds.ExposureIndex, ds.TargetExposureIndex = "400", "200"
    >>> record, skip = index_dataset(ds, "a.dcm")
    >>> skip, round(record.deviation_index, 2), record.deviation_index_source
    ('view_position', 3.01, 'computed')
    """
    uid = _text(ds, "SOPInstanceUID")
    if not uid:
        raise HeaderError("no SOP Instance UID (0008,0018)")
    exposure, target, deviation = (_decimal(ds, k) for k in ("ExposureIndex", "TargetExposureIndex", "DeviationIndex"))
    source_of_di = "header" if deviation is not None else ""
    if deviation is None:
        deviation = deviation_index(exposure, target)
        source_of_di = "computed" if deviation is not None else ""
    device = {keyword: _text(ds, keyword) for keyword in _DEVICE_ATTRIBUTES}
    record = IndexRecord(
        sop_instance_uid=uid,
        source=source,
        study_date=_study_date(ds),
        modality=_text(ds, "Modality").upper(),
        manufacturer=device["Manufacturer"],
        model=device["ManufacturerModelName"],
        station_name=device["StationName"],
        institution=device["InstitutionName"],
        software_versions=device["SoftwareVersions"],
        device_key=device_key(*device.values()),
        body_part=_text(ds, "BodyPartExamined").upper(),
        view_position=_text(ds, "ViewPosition").upper(),
        exposure_index=exposure,
        target_exposure_index=target,
        deviation_index=deviation,
        deviation_index_source=source_of_di,
        operator=operator_pseudonym(_raw_text(ds, "OperatorsName"), operator_key) if operator_key else "",
    )
    return record, _skip_reason(ds, record)


def _skip_reason(ds: pydicom.Dataset, record: IndexRecord) -> str | None:
    if record.modality not in AUDITED_MODALITIES:
        return "modality"
    if record.body_part not in ("", "CHEST"):
        return "body_part"
    if record.view_position not in ("", "PA"):
        return "view_position"
    intent = _text(ds, "PresentationIntentType").upper()
    if intent == "FOR PROCESSING" or _text(ds, "SOPClassUID") == _DX_FOR_PROCESSING:
        return "for_processing"
    return None


def device_key(*attributes: str) -> str:
    """A short stable key of a device from its identifying header values (hex, 16 characters).

    The values are joined with a separator no header value holds, so ``("ab", "c")`` and
    ``("a", "bc")`` differ.

    >>> device_key("SIEMENS", "Ysio Max", "123", "DR1", "Site A", "2.1")
    '7c1b1bbfe1b5d878'
    """
    joined = "\x1f".join(attributes).encode("utf-8", "surrogateescape")
    return hashlib.sha256(joined).hexdigest()[:16]


def operator_pseudonym(name: str, key: bytes) -> str:
    """A keyed pseudonym of an operator's name: HMAC-SHA256 under ``key``, 16 hex characters.

    Without the key a pseudonym cannot be turned back into a name or recomputed from a guess, so
    the key must stay outside the audit's outputs. An absent name gives ``""``.

    >>> operator_pseudonym("RAD^A1", b"secret") == operator_pseudonym("RAD^A1", b"secret")
    True
    >>> operator_pseudonym("", b"secret")
    ''
    """
    if not name:
        return ""
    return hmac.new(key, name.strip().upper().encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()[:16]


def _raw_text(ds: pydicom.Dataset, keyword: str) -> str:
    try:
        value = ds.get(keyword)
    except Exception:  # a malformed value only loses the label, never the film
        return ""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        value = "\\".join(str(v) for v in value)
    return str(value).strip()


def _text(ds: pydicom.Dataset, keyword: str) -> str:
    """A descriptive header value as one printable line, ``""`` when absent or unreadable."""
    return one_line(_raw_text(ds, keyword))


def _decimal(ds: pydicom.Dataset, keyword: str) -> float | None:
    text = _raw_text(ds, keyword).split("\\")[0]
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _study_date(ds: pydicom.Dataset) -> _dt.date | None:
    for keyword in ("StudyDate", "ContentDate", "AcquisitionDate", "SeriesDate"):
        text = _raw_text(ds, keyword)
        try:
            return _dt.datetime.strptime(text[:8], "%Y%m%d").date()
        except ValueError:
            continue
    return None


def quiet_pydicom() -> None:
    """Stop pydicom from validating values as it reads them in this process.

    Its warnings quote the offending value ("Invalid value for VR PN: '...'"), which would carry
    a patient's or an operator's name into a log; the audit reads only the attributes it needs,
    each checked where it is read.
    """
    pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE
