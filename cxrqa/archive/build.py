"""Render and write the synthetic archive: DICOM files in a nested archive layout, and its truth.

The design (:mod:`cxrqa.archive.design`) is drawn in this process; each file is then rendered
from its own child seed in a pool of workers (:func:`cxrqa.io.pool.process_map`), so the same
parameters write the same bytes however many workers there are. A film is rendered as the reader
study renders an image (:func:`cxrqa.simulate.study.render_case`): a procedural phantom or a
varied real radiograph, then a degradation of known severity drawn from its latent quality,
with the kind a planted fault forces. Everything is written into a temporary sibling folder that
is renamed onto the output only when complete.

Output layout (``OUT``)::

    dicom/<site>/<station>/<YYYY-MM>/<number>.dcm   every file, unusable ones among the films
    truth.csv                                       one row per file (:data:`TRUTH_COLUMNS`)
    faults.csv                                      one row per planted fault (:data:`FAULT_COLUMNS`)
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxrqa.archive import writer
from cxrqa.archive.design import Fault, draw_films, layout_stations, month_labels, plant_faults
from cxrqa.archive.exposure import TARGET_EXPOSURE_INDEX, exposure_elements, exposure_index
from cxrqa.config.schema import ArchiveParams
from cxrqa.io.exposure import deviation_index
from cxrqa.io.pool import process_map
from cxrqa.progress import progress_bar
from cxrqa.simulate import bases
from cxrqa.simulate.degrade import apply_degradations, draw_degradation
from cxrqa.simulate.phantom import render_phantom
from cxrqa.simulate.study import _BODY_THRESHOLD, _replace_folder

__all__ = [
    "DEFAULT_PATIENT_NAME_PREFIX", "FAULT_COLUMNS", "TRUTH_COLUMNS", "build_archive", "draw_archive", "fault_table",
    "render_anatomy",
]  # fmt: skip

#: Patient's Name of the films: this prefix and the patient's number.
DEFAULT_PATIENT_NAME_PREFIX = "ARCHIVE^PATIENT"
TRUTH_COLUMNS = (
    "file", "sop_instance_uid", "kind", "site", "station", "station_index", "vendor", "modality",
    "software_version", "study_date", "month", "latent_gray_level", "latent_sharpness", "gray_level_kind",
    "gray_level_severity", "sharpness_kind", "sharpness_severity", "blur_sigma_px", "dose_factor",
    "window_factor", "gamma", "exposure_index", "target_exposure_index", "deviation_index", "fault",
)  # fmt: skip
FAULT_COLUMNS = ("fault", "station", "station_index", "site", "dimension", "onset", "end", "drop", "description")
_DEGRADATION_COLUMNS = (
    "gray_level_kind", "gray_level_severity", "sharpness_kind", "sharpness_severity", "blur_sigma_px",
    "dose_factor", "window_factor", "gamma",
)  # fmt: skip
_NOT_DICOM = ("unusable_not_dicom", "unusable_empty")
#: Files sent to a worker at a time.
_CHUNKSIZE = 4


def render_anatomy(film: dict[str, Any], rng: np.random.Generator, base: np.ndarray) -> np.ndarray:
    """The clean attenuation map of a film: a phantom or a varied real radiograph."""
    if film["base_kind"] == "phantom":
        return render_phantom(film["rows"], film["cols"], rng).attenuation
    return bases.vary_base(base, film["rows"], film["cols"], rng)


@dataclass(frozen=True)
class _FileJob:
    """Render one design row and write its file into ``folder``; returns its ``truth.csv`` row
    (the job of :func:`~cxrqa.io.pool.process_map`, which hands the base image to each worker once)."""

    folder: Path
    base: np.ndarray

    def __call__(self, film: dict[str, Any]) -> dict[str, Any]:
        path = self.folder / film["file"]
        kind = film["kind"]
        truth = {column: film.get(column) for column in TRUTH_COLUMNS}
        if kind in _NOT_DICOM:
            truth.update(sop_instance_uid="", study_date="", software_version="")
            if kind == "unusable_empty":
                path.write_bytes(b"")
            else:
                writer.write_not_dicom(path, film)
            return truth
        rng = np.random.default_rng(np.random.SeedSequence(film["entropy"]))
        attenuation = render_anatomy(film, rng, self.base)
        if kind == "ct":
            writer.write_dataset(path, writer.ct_dataset(film, attenuation))
            return truth
        degradation = draw_degradation(
            film["latent_gray_level"], film["latent_sharpness"], rng,
            gray_level_kind=film["forced_gray_level_kind"], sharpness_kind=film["forced_sharpness_kind"],
        )  # fmt: skip
        display = apply_degradations(attenuation, attenuation > _BODY_THRESHOLD, degradation, rng)
        ei = exposure_index(film["vendor"], degradation.dose_factor, film["ei_spread"])
        target = TARGET_EXPOSURE_INDEX[film["vendor"]]
        dataset = writer.radiograph_dataset(film, display, exposure_elements(film["vendor"], ei))
        if kind == "unusable_truncated":
            writer.write_truncated(path, dataset)
        else:
            writer.write_dataset(path, dataset)
        values = asdict(degradation)
        truth.update({column: values[column] for column in _DEGRADATION_COLUMNS})
        truth.update(exposure_index=ei, target_exposure_index=target, deviation_index=deviation_index(ei, target))
        return truth


def draw_archive(
    params: ArchiveParams, *, patient_name_prefix: str = DEFAULT_PATIENT_NAME_PREFIX
) -> tuple[pd.DataFrame, list[Fault]]:
    """The archive's design without rendering: one row per file, and the planted faults.

    See :func:`cxrqa.archive.design.draw_films` for the rows.
    """
    stations = layout_stations(params)
    faults = plant_faults(params, stations)
    films = draw_films(params, stations, faults, patient_name_prefix=patient_name_prefix)
    return films, faults


def build_archive(
    params: ArchiveParams,
    out: str | Path,
    *,
    progress: bool = True,
    patient_name_prefix: str = DEFAULT_PATIENT_NAME_PREFIX,
) -> Path:
    """Build the synthetic archive into ``out`` (replaced atomically when complete).

    Parameters
    ----------
    params : ArchiveParams
        The ``archive`` section of ``params.yaml``.
    out : str or Path
        Output folder (``data/archive`` in the pipeline).
    progress : bool
        Show a progress bar.
    patient_name_prefix : str
        Patient's Name of every film is this prefix and a patient number (a test plants a
        sentinel here to check that an audit never copies names into its outputs).

    Returns
    -------
    Path
        The output folder.
    """
    out = Path(out)
    films, faults = draw_archive(params, patient_name_prefix=patient_name_prefix)
    base = bases.load_builtin_base()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for folder in sorted({str(Path(file).parent) for file in films["file"]}):
            (staging / folder).mkdir(parents=True)
        rows = films.to_dict("records")
        written = process_map(_FileJob(staging, base), rows, workers=params.workers, chunksize=_CHUNKSIZE)
        with progress_bar(written, total=len(rows), desc="archive", unit="file", disable=not progress) as bar:
            truth = pd.DataFrame(list(bar), columns=list(TRUTH_COLUMNS))
        truth.to_csv(staging / "truth.csv", index=False, float_format="%.6g")
        fault_table(params, faults).to_csv(staging / "faults.csv", index=False)
        _replace_folder(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def fault_table(params: ArchiveParams, faults: list[Fault]) -> pd.DataFrame:
    """``faults.csv``: one row per planted fault (:data:`FAULT_COLUMNS`)."""
    labels = month_labels(params)
    return pd.DataFrame(
        [
            {
                "fault": fault.fault,
                "station": fault.station.name,
                "station_index": fault.station.index,
                "site": fault.station.site,
                "dimension": fault.dimension,
                "onset": labels[fault.onset_month],
                "end": "" if fault.last_month is None else labels[fault.last_month],
                "drop": fault.drop,
                "description": fault.description,
            }
            for fault in faults
        ],
        columns=list(FAULT_COLUMNS),
    )
