"""Results back to PACS: a DICOM Comprehensive 3D SR per scored film, and C-STORE to a PACS.

The SR is a TID 1500 Measurement Report (highdicom) as IHE AI Results (AIR) carries an AI
result: the procedure reported (a plain chest X-ray), the device observer (cxrqa), one
measurement group that references the film and holds, per dimension, the score (a numeric
measurement with the UCUM unit ``{score}``) and the call at the cut-off (a qualitative
evaluation: acceptable or not acceptable), the scoring model as the algorithm identification
(name and checkpoint digests), and an "intended use: not for diagnostic use" evaluation. The
document is UNVERIFIED (no one signed it) and its series says "not for diagnostic use". Its
UIDs derive from the film's and the models', so the same film scored by the same models gives
the same SR, and a PACS that receives it twice keeps one.

The concepts of the two scores and calls have no code in a public terminology, so they use a
local coding scheme, ``99CXRQA`` (PS3.16 §8: private schemes start with ``99``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import highdicom as hd
import pydicom
from pydicom.sr.coding import Code
from pydicom.uid import generate_uid

from cxrqa.io.tables import DIMENSIONS

__all__ = ["SCHEME", "forward", "parse_destination", "quality_report"]

LOG = logging.getLogger("cxrqa.listen")

#: The local coding scheme of the concepts no public terminology has.
SCHEME = "99CXRQA"
_SCORE = {"gray_level": Code("GRAY-SCORE", SCHEME, "Gray-level quality score"),
          "sharpness": Code("SHARP-SCORE", SCHEME, "Sharpness quality score")}  # fmt: skip
_CALL = {"gray_level": Code("GRAY-CALL", SCHEME, "Gray-level acceptability"),
         "sharpness": Code("SHARP-CALL", SCHEME, "Sharpness acceptability")}  # fmt: skip
_ACCEPTABLE = Code("ACCEPTABLE", SCHEME, "Acceptable")
_NOT_ACCEPTABLE = Code("NOT-ACCEPTABLE", SCHEME, "Not acceptable")
_INTENDED_USE = Code("INTENDED-USE", SCHEME, "Intended use")
_NOT_DIAGNOSTIC = Code("NOT-FOR-DIAGNOSTIC-USE", SCHEME, "Not for diagnostic use")
#: SNOMED CT 399208008 "Plain chest X-ray".
_CHEST_XRAY = Code("399208008", "SCT", "Plain chest X-ray")
_UNIT = Code("{score}", "UCUM", "score")
#: Series description of the SRs.
SERIES_DESCRIPTION = "cxrqa image quality - not for diagnostic use"


def quality_report(film: pydicom.Dataset, scores: dict[str, float], cutoffs: dict[str, float],
                   digests: dict[str, str]) -> hd.sr.Comprehensive3DSR:  # fmt: skip
    """The TID 1500 SR of one scored film.

    Parameters
    ----------
    film : pydicom.Dataset
        The film's header (pixels need not be there): the SR joins its patient and study.
    scores, cutoffs : dict
        Dimension to its score and its acceptability cut-off.
    digests : dict
        Dimension to the checkpoint digest of its model (the algorithm's version).
    """
    film = _with_type2_attributes(film)
    models = ", ".join(f"{d} {digests[d]}" for d in DIMENSIONS)
    seed = [str(film.SOPInstanceUID), models]
    algorithm = hd.sr.AlgorithmIdentification(name="cxrqa CaHDC-RGA image quality", version=models)
    measurements = [hd.sr.Measurement(name=_SCORE[d], value=round(float(scores[d]), 4), unit=_UNIT, algorithm_id=algorithm)
                    for d in DIMENSIONS]  # fmt: skip
    evaluations = [hd.sr.QualitativeEvaluation(_CALL[d], _ACCEPTABLE if scores[d] >= cutoffs[d] else _NOT_ACCEPTABLE)
                   for d in DIMENSIONS] + [hd.sr.QualitativeEvaluation(_INTENDED_USE, _NOT_DIAGNOSTIC)]  # fmt: skip
    group = hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(entropy_srcs=[*seed, "tracking"]), identifier="image quality"),
        algorithm_id=algorithm,
        measurements=measurements,
        qualitative_evaluations=evaluations,
        source_images=[hd.sr.SourceImageForMeasurementGroup.from_source_image(film)],
    )  # fmt: skip
    observer = hd.sr.ObserverContext(
        observer_type=pydicom.sr.codedict.codes.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=generate_uid(entropy_srcs=["cxrqa", models]), name="cxrqa", manufacturer_name="cxrqa", model_name="CaHDC-RGA"),
    )  # fmt: skip
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_device_context=observer),
        procedure_reported=_CHEST_XRAY,
        imaging_measurements=[group],
    )
    document = hd.sr.Comprehensive3DSR(
        evidence=[film],
        content=report,
        series_instance_uid=generate_uid(entropy_srcs=[str(film.StudyInstanceUID), models, "series"]),
        series_number=9901,
        sop_instance_uid=generate_uid(entropy_srcs=[*seed, "sr"]),
        instance_number=1,
        manufacturer="cxrqa",
        is_complete=True,
        is_final=False,
        is_verified=False,
    )
    document.SeriesDescription = SERIES_DESCRIPTION
    return document


#: Type 2 attributes of the patient and study modules an SR copies from its evidence; a film
#: that lacks one (a sender that drops empty attributes) gets it empty, as Type 2 allows.
_TYPE2 = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
          "ReferringPhysicianName", "StudyID", "AccessionNumber")  # fmt: skip


def _with_type2_attributes(film: pydicom.Dataset) -> pydicom.Dataset:
    missing = [keyword for keyword in _TYPE2 if keyword not in film]
    if not missing:
        return film
    film = pydicom.Dataset(film)
    for keyword in missing:
        setattr(film, keyword, "")
    return film


def parse_destination(text: str) -> tuple[str, int, str]:
    """``HOST:PORT:AET`` to its parts.

    >>> parse_destination("127.0.0.1:4242:ORTHANC")
    ('127.0.0.1', 4242, 'ORTHANC')
    """
    host, sep, rest = text.rpartition(":")
    host, sep2, port = host.rpartition(":")
    if not (sep and sep2 and host and port.isdigit() and 1 <= len(rest) <= 16):
        raise ValueError(f"--forward expects HOST:PORT:AET (e.g. pacs.local:104:PACS), got {text!r}")
    return host, int(port), rest


def forward(paths: list[Path], destination: tuple[str, int, str], *, calling_aet: str = "CXRQA") -> list[Path]:
    """C-STORE files to a PACS in one association; returns the files it stored (status 0x0000)."""
    from pynetdicom import AE

    host, port, aet = destination
    datasets = [(path, pydicom.dcmread(path)) for path in paths]
    ae = AE(ae_title=calling_aet)
    for sop_class in sorted({str(ds.SOPClassUID) for _, ds in datasets}):
        ae.add_requested_context(sop_class)
    assoc = ae.associate(host, port, ae_title=aet)
    if not assoc.is_established:
        LOG.warning("could not open an association with %s:%d (%s); results kept for the next try", host, port, aet)
        return []
    stored = []
    try:
        for path, dataset in datasets:
            status = assoc.send_c_store(dataset)
            if status and status.Status == 0x0000:
                stored.append(path)
            else:
                LOG.warning("the PACS did not store a result (status %s); kept for the next try",
                            f"0x{status.Status:04X}" if status else "none")  # fmt: skip
    finally:
        assoc.release()
    return stored
