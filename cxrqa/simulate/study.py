"""Generate the digital reader study: DICOM files, ratings, acceptability calls and the truth.

The design (categories, latent qualities, readers, cohort, degradations) is drawn first in one
process from the study seed; each image then gets its own child seed
(:class:`numpy.random.SeedSequence`), so rendering in parallel gives the same bytes as rendering
in series. Everything is written into a temporary sibling folder that is renamed onto the
output only when complete, so a failed run never leaves a half-written study behind.

Output layout (``OUT``)::

    dicom/<image_id>.dcm     one PA chest radiograph per image
    masks/<image_id>.png     lung mask (255 = lung) for images built on phantoms
    ratings.csv              image_id, reader_id, reader_role, dimension, score, seconds
    acceptability.csv        image_id, reader_id, dimension, acceptable
    truth.csv                latent qualities and degradation parameters (validation only)
    montage.png              the realism sheet
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from cxrqa.config import SimulateParams
from cxrqa.io.pool import process_map
from cxrqa.io.tables import validate_ratings
from cxrqa.progress import progress_bar
from cxrqa.simulate import bases
from cxrqa.simulate.degrade import apply_degradations, draw_degradation
from cxrqa.simulate.dicom_writer import VENDOR_ENCODINGS, write_radiograph
from cxrqa.simulate.phantom import render_phantom
from cxrqa.simulate.readers import (
    draw_acceptability,
    draw_cohort,
    draw_latent_quality,
    draw_ratings,
    draw_readers,
)

__all__ = ["draw_design", "render_case", "simulate_study"]

_STUDY_START = _dt.date(2019, 7, 1)  # the paper's images: July to September 2019
_STUDY_DAYS = 92
_BODY_THRESHOLD = 0.05
#: Design rows sent to a worker at a time.
_CHUNKSIZE = 4


def _load_bases(params: SimulateParams) -> tuple[list[np.ndarray], list[str]]:
    """Real anatomy bases and their names; a folder must hold at least one readable image."""
    if params.base_images == "builtin":
        return [bases.load_builtin_base()], ["RG1_UNCR.dcm"]
    loaded, names, problems = [], [], []
    for path in bases.list_base_files(params.base_images):
        try:
            loaded.append(bases.load_base(path))
            names.append(path.name)
        except ValueError as error:
            problems.append(str(error))
    if not loaded:
        raise ValueError(
            f"simulate.base_images: no readable image in '{params.base_images}' "
            f"(first problem: {problems[0]})"
        )
    return loaded, names


def render_case(case: dict, rows: int, cols: int, base_images: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray | None]:
    """Render one image of the study from its design row.

    Returns
    -------
    display : ndarray of float32
        The degraded display image in [0, 1].
    lung_mask : ndarray of bool or None
        Lung mask when the image is built on a phantom.
    """
    rng = np.random.default_rng(np.random.SeedSequence(case["entropy"]))
    if case["base_kind"] == "phantom":
        phantom = render_phantom(rows, cols, rng)
        attenuation, mask = phantom.attenuation, phantom.lung_mask
    else:
        attenuation, mask = bases.vary_base(base_images[case["base_index"]], rows, cols, rng), None
    degradation = draw_degradation(case["latent_gray_level"], case["latent_sharpness"], rng)
    display = apply_degradations(attenuation, attenuation > _BODY_THRESHOLD, degradation, rng)
    case.update(asdict(degradation))
    return display, mask


@dataclass(frozen=True)
class _RenderJob:
    """Render one design row and write its DICOM file and lung mask into ``folder``; returns the
    row completed with its degradation parameters (the job of :func:`~cxrqa.io.pool.process_map`,
    which hands the real anatomy bases to each worker once)."""

    folder: Path
    rows: int
    cols: int
    seed: int
    base_images: list[np.ndarray]

    def __call__(self, case: dict) -> dict:
        display, mask = render_case(case, self.rows, self.cols, self.base_images)
        write_radiograph(
            self.folder / "dicom" / f"{case['image_id']}.dcm",
            display,
            image_id=case["image_id"],
            vendor=case["vendor"],
            centre=case["centre"],
            patient_age=case["patient_age"],
            patient_sex=case["patient_sex"],
            study_date=_STUDY_START + _dt.timedelta(days=int(case["day"])),
            seed=self.seed,
        )
        if mask is not None:
            Image.fromarray(mask.astype(np.uint8) * 255).save(self.folder / "masks" / f"{case['image_id']}.png")
        case["has_lung_mask"] = mask is not None
        return case


def draw_design(params: SimulateParams, base_names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Draw the whole study design: per-image rows, ratings and acceptability calls."""
    seeds = np.random.SeedSequence(params.seed)
    design_seed, image_seed = seeds.spawn(2)
    rng = np.random.default_rng(design_seed)
    n = params.n_images
    image_ids = [f"CXR{i + 1:0{max(4, len(str(n)))}d}" for i in range(n)]
    latent = draw_latent_quality(n, rng)
    latent.insert(0, "image_id", image_ids)
    cohort = draw_cohort(n, rng)
    readers = draw_readers(params.n_readers, rng)
    ratings = draw_ratings(latent, readers, rng)
    acceptability = draw_acceptability(latent, readers, params.n_acceptability_readers, rng)
    if params.base_images == "builtin":
        is_phantom = rng.random(n) < params.phantom_fraction
    else:
        is_phantom = np.zeros(n, dtype=bool)
    base_index = rng.integers(0, len(base_names), n)
    design = pd.concat([latent, cohort], axis=1)
    design["base_kind"] = np.where(is_phantom, "phantom", np.where(params.base_images == "builtin", "builtin_real", "folder"))
    design["base_index"] = np.where(is_phantom, -1, base_index)
    design["base_source"] = [
        "phantom" if phantom else base_names[index] for phantom, index in zip(is_phantom, base_index)
    ]
    design["day"] = rng.integers(0, _STUDY_DAYS, n)
    design["entropy"] = [int(child.generate_state(1, dtype=np.uint64)[0]) for child in image_seed.spawn(n)]
    return design, ratings, acceptability


def simulate_study(params: SimulateParams, out: str | Path, *, progress: bool = True) -> Path:
    """Generate the digital reader study into ``out`` (replaced atomically when complete).

    Parameters
    ----------
    params : SimulateParams
        The ``simulate`` section of ``params.yaml``.
    out : str or Path
        Output folder (``data/raw`` in the pipeline).
    progress : bool
        Show a progress bar.

    Returns
    -------
    Path
        The output folder.
    """
    out = Path(out)
    base_images, base_names = _load_bases(params)
    design, ratings, acceptability = draw_design(params, base_names)
    validate_ratings(ratings, "simulated ratings")

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (staging / "dicom").mkdir()
        (staging / "masks").mkdir()
        job = _RenderJob(staging, params.rows, params.cols, params.seed, base_images)
        design_rows = design.to_dict("records")
        rendered = process_map(job, design_rows, workers=params.workers, chunksize=_CHUNKSIZE)
        bar = progress_bar(rendered, total=len(design_rows), desc="simulate", unit="image", disable=not progress)
        with bar:
            cases = list(bar)
        _write_tables(staging, pd.DataFrame(cases), ratings, acceptability)
        from cxrqa.simulate.montage import write_montage

        write_montage(staging / "montage.png", params, base_images, design)
        _replace_folder(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _write_tables(folder: Path, cases: pd.DataFrame, ratings: pd.DataFrame, acceptability: pd.DataFrame) -> None:
    encodings = cases["vendor"].map(VENDOR_ENCODINGS)
    cases["photometric"] = [e.photometric for e in encodings]
    cases["bits_stored"] = [e.bits_stored for e in encodings]
    columns = [
        "image_id", "base_kind", "base_source", "has_lung_mask", "category", "primary_defect",
        "latent_gray_level", "latent_sharpness", "gray_level_kind", "gray_level_severity",
        "sharpness_kind", "sharpness_severity", "blur_sigma_px", "motion_angle_deg", "dose_factor",
        "window_factor", "gamma", "vendor", "centre", "photometric", "bits_stored", "patient_age",
        "patient_sex",
    ]
    float_format = "%.6g"
    cases[columns].to_csv(folder / "truth.csv", index=False, float_format=float_format)
    ratings.to_csv(folder / "ratings.csv", index=False, float_format=float_format)
    acceptability.to_csv(folder / "acceptability.csv", index=False)


def _replace_folder(staging: Path, out: Path) -> None:
    """Move ``staging`` onto ``out``; an old ``out`` is removed only after the move succeeds."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
