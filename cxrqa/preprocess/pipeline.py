"""From radiograph files to model inputs: decode, crop, resize, write; a batch never stops on a bad file.

For each file :func:`preprocess_file` reads it (:func:`cxrqa.io.read.read_radiograph`), finds the
diagnostic-region crop (:func:`cxrqa.preprocess.crop.find_crop`), resizes the crop box to
``height x width`` and writes

* ``images/<image_id>.png``: 16-bit grayscale PNG, value ``round(65535 * y)`` of the display
  value ``y`` in [0, 1] (bright = attenuating);
* ``rois/<image_id>.png``: 8-bit PNG, 255 inside the region of interest. It is the file's true lung
  mask (``<masks_dir>/<image_id>.png``, same grid as the image, as the simulator writes them)
  under the same crop and resize when one exists (``roi_source = mask``), otherwise the estimated
  lung mask of :func:`cxrqa.preprocess.crop.estimate_lungs` (``estimated``; ``estimated (mask
  ...)`` says why a mask that exists was not used), or the whole image when no lungs were found
  (``none``).

:func:`preprocess_many` runs it over many files in supervised worker processes
(:func:`cxrqa.io.batch.map_files`: a crash, a hang or a runaway allocation costs one file, never
the batch) and writes ``manifest.csv`` (one row per image) and ``errors.csv`` (``file, reason,
detail``: one row per unusable file or skipped path, reason codes of
:data:`cxrqa.io.errors.REASONS`). Every path under the inputs ends in exactly one of the two.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from cxrqa.config.schema import PreprocessParams
from cxrqa.io.batch import Failure, Limits, map_files
from cxrqa.io.errors import OutputError
from cxrqa.io.inputs import Skipped, display_path, walk_inputs
from cxrqa.io.pool import worker_count
from cxrqa.io.read import read_radiograph
from cxrqa.io.tables import ERROR_COLUMNS, MANIFEST_COLUMNS
from cxrqa.preprocess.crop import Box, find_crop

__all__ = [
    "PreparedImage",
    "Task",
    "collect_inputs",
    "fit_aspect",
    "make_tasks",
    "preprocess_file",
    "preprocess_many",
    "prepare_image",
]


_RESAMPLE = {"area": Image.Resampling.BOX, "lanczos": Image.Resampling.LANCZOS, "bilinear": Image.Resampling.BILINEAR}


@dataclass(frozen=True)
class Task:
    """One file to preprocess: its id, path and optional true lung mask; or a path not to read.

    ``skipped`` holds the reason a path under the inputs gets no reading (a FIFO, a hidden file,
    an unreadable folder: :class:`cxrqa.io.inputs.Skipped`); its row goes to ``errors.csv``.
    """

    image_id: str
    path: Path
    mask: Path | None = None
    skipped: Skipped | None = None


def collect_inputs(inputs: Sequence[str | Path]) -> list[Path | Skipped]:
    """Files named in ``inputs``, folders expanded recursively (:func:`cxrqa.io.inputs.walk_inputs`).

    Raises
    ------
    FileNotFoundError
        When an input does not exist.
    """
    return list(walk_inputs(inputs))


def _natural_id(path: Path) -> str:
    """The file name up to its first dot, in its display form (:func:`~cxrqa.io.inputs.display_path`)
    with the backslashes of its escapes replaced by ``_``, so that it names a PNG file anywhere.

    >>> _natural_id(Path("a/CXR0001.dcm")), _natural_id(Path("IM0")), _natural_id(Path("a\\tb.dcm"))
    ('CXR0001', 'IM0', 'a_x09b')
    """
    name = display_path(path.name)
    stem = (name.split(".")[0] if not name.startswith(".") else name) or name
    return stem.replace("\\", "_")


def make_tasks(files: Iterable[Path | Skipped], masks_dir: str | Path | None = None) -> list[Task]:
    """One task per file; the id is the file name without its extension, made unique with ``_2``, ...

    Ids are unique by construction, compared without regard to case (as a case-insensitive disk
    would): a name taken twice gets the first free ``<stem>_<n>`` that is neither an id given
    already nor the natural id of any other file, so ``x.dcm``, ``sub/x.dcm`` and ``x_2.dcm``,
    in that order, become ``x``, ``x_3`` and ``x_2``. A mask is looked up by the id given.

    >>> [t.image_id for t in make_tasks([Path("a/CXR1.dcm"), Path("b/CXR1.dcm"), Path("IM0")])]
    ['CXR1', 'CXR1_2', 'IM0']
    >>> [t.image_id for t in make_tasks([Path("x.dcm"), Path("s/x.dcm"), Path("x_2.dcm")])]
    ['x', 'x_3', 'x_2']
    """
    entries = list(files)
    natural = [_natural_id(entry.path if isinstance(entry, Skipped) else entry) for entry in entries]
    reserved = {stem.casefold() for stem in natural}
    given: set[str] = set()
    masks = Path(masks_dir) if masks_dir else None
    tasks = []
    for entry, stem in zip(entries, natural):
        if isinstance(entry, Skipped):
            tasks.append(Task(stem, entry.path, skipped=entry))
            continue
        image_id, count = stem, 1
        while image_id.casefold() in given or (count > 1 and image_id.casefold() in reserved):
            count += 1
            image_id = f"{stem}_{count}"
        given.add(image_id.casefold())
        mask = masks / f"{image_id}.png" if masks is not None else None
        tasks.append(Task(image_id, entry, mask if mask is not None and mask.is_file() else None))
    return tasks


def fit_aspect(box: Box, rows: int, cols: int, ratio: float) -> Box:
    """Grow ``box`` about its centre to height/width ``ratio``, staying inside the image.

    >>> fit_aspect(Box(100, 100, 300, 300), 1000, 1000, 1.5)
    Box(top=50, left=100, bottom=350, right=300)
    >>> fit_aspect(Box(0, 0, 400, 400), 500, 400, 1.5)  # no room: as close as the image allows
    Box(top=0, left=0, bottom=500, right=400)
    """
    height, width = box.height, box.width
    if height / width < ratio:
        height = min(rows, int(round(width * ratio)))
    else:
        width = min(cols, int(round(height / ratio)))
    centre_r, centre_c = (box.top + box.bottom) / 2, (box.left + box.right) / 2
    top = int(round(min(max(centre_r - height / 2, 0), rows - height)))
    left = int(round(min(max(centre_c - width / 2, 0), cols - width)))
    return Box(top, left, top + height, left + width)


def _resize(array: np.ndarray, box: tuple[float, float, float, float], size: tuple[int, int], resample) -> np.ndarray:
    """Resize the ``box`` (left, top, right, bottom; source pixels) of ``array`` to ``size`` (W, H)."""
    image = Image.fromarray(np.ascontiguousarray(array, dtype=np.float32))
    return np.asarray(image.resize(size, resample=resample, box=box), dtype=np.float32)


@dataclass(frozen=True)
class PreparedImage:
    """One radiograph as the models take it, before anything is written.

    Attributes
    ----------
    pixels : numpy.ndarray
        ``height x width`` uint16, ``round(65535 * y)`` of the display value ``y`` in [0, 1].
    roi : numpy.ndarray
        ``height x width`` uint8, 255 inside the region of interest.
    facts : dict
        The manifest row's columns that describe the file, the crop and the ROI (every column of
        :data:`cxrqa.io.tables.MANIFEST_COLUMNS` but ``image_file`` and ``roi_file``).
    """

    pixels: np.ndarray
    roi: np.ndarray
    facts: dict[str, Any]


def prepare_image(task: Task, params: PreprocessParams) -> PreparedImage:
    """Decode, crop and resize one file into a model input and its ROI, in memory.

    Raises
    ------
    UnusableImage
        When the file cannot be used (see :mod:`cxrqa.io.errors`).
    """
    radiograph = read_radiograph(
        task.path, modalities=tuple(params.modalities), min_size=params.min_size, voi=params.voi,
        max_pixels=params.max_pixels,
    )  # fmt: skip
    image = radiograph.image
    rows, cols = image.shape
    crop = find_crop(
        image,
        work_size=params.work_size,
        margin_lateral=params.margin_lateral,
        margin_top=params.margin_top,
        margin_bottom=params.margin_bottom,
    )
    box = crop.box
    if params.aspect == "expand":
        box = fit_aspect(box, rows, cols, params.height / params.width)
    size = (params.width, params.height)
    source_box = (float(box.left), float(box.top), float(box.right), float(box.bottom))
    out = _resize(image, source_box, size, _RESAMPLE[params.resample])
    pixels = np.rint(np.clip(out, 0.0, 1.0) * 65535.0).astype(np.uint16)
    roi, roi_source = _roi(task, crop, box, rows, cols, size)

    meta = radiograph.meta
    row_mm, col_mm = meta["pixel_spacing_row_mm"], meta["pixel_spacing_col_mm"]
    facts = {
        "image_id": task.image_id,
        "source_file": display_path(task.path),
        **{k: meta[k] for k in ("modality", "vendor", "model", "photometric_interpretation",
                                "bits_allocated", "bits_stored", "pixel_representation",
                                "transfer_syntax", "pixel_spacing_row_mm", "pixel_spacing_col_mm",
                                "spacing_source")},
        "original_rows": rows,
        "original_cols": cols,
        "crop_top": box.top,
        "crop_left": box.left,
        "crop_bottom": box.bottom,
        "crop_right": box.right,
        "crop_method": crop.method,
        "roi_source": roi_source,
        "out_rows": params.height,
        "out_cols": params.width,
        "out_spacing_row_mm": row_mm * box.height / params.height if row_mm else None,
        "out_spacing_col_mm": col_mm * box.width / params.width if col_mm else None,
        "modality_lut": meta["modality_lut"],
        "voi_lut": meta["voi_lut"],
        "view_position": meta["view_position"],
    }  # fmt: skip
    return PreparedImage(pixels, roi, facts)


def preprocess_file(task: Task, out_dir: str | Path, params: PreprocessParams) -> dict[str, Any]:
    """Preprocess one file (:func:`prepare_image`) and write its image and ROI; returns its manifest row.

    ``out_dir/images`` and ``out_dir/rois`` must exist (:func:`preprocess_many` makes them once).

    Raises
    ------
    UnusableImage
        When the file cannot be used (see :mod:`cxrqa.io.errors`).
    OutputError
        When the PNGs cannot be written.
    """
    out_dir = Path(out_dir)
    prepared = prepare_image(task, params)
    image_file = Path("images") / f"{task.image_id}.png"
    roi_file = Path("rois") / f"{task.image_id}.png"
    try:
        Image.fromarray(prepared.pixels).save(out_dir / image_file, compress_level=params.png_compress_level)
        Image.fromarray(prepared.roi).save(out_dir / roi_file, compress_level=params.png_compress_level)
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot write {image_file} ({error.strerror or error})") from error
    return {**prepared.facts, "image_file": image_file.as_posix(), "roi_file": roi_file.as_posix()}


def _roi(task: Task, crop, box: Box, rows: int, cols: int, size: tuple[int, int]) -> tuple[np.ndarray, str]:
    """The ROI on the output grid (uint8, 255 inside) and where it came from."""
    area = Image.Resampling.BOX
    estimated = "estimated"
    if task.mask is not None:
        try:
            mask = np.asarray(Image.open(task.mask).convert("L")) >= 128
        except (OSError, SyntaxError, ValueError):
            mask, estimated = None, "estimated (mask unreadable)"
        if mask is not None and mask.shape == (rows, cols):
            source = (float(box.left), float(box.top), float(box.right), float(box.bottom))
            fraction = _resize(mask.astype(np.float32), source, size, area)
            return np.where(fraction >= 0.5, 255, 0).astype(np.uint8), "mask"
        if mask is not None:
            estimated = f"estimated (mask is {mask.shape[0]} x {mask.shape[1]}, image {rows} x {cols})"
    small = crop.lung_mask_small
    if small.any():
        f_row, f_col = crop.scale
        source = (
            box.left / f_col, box.top / f_row,
            min(box.right / f_col, small.shape[1]), min(box.bottom / f_row, small.shape[0]),
        )  # fmt: skip
        fraction = _resize(small.astype(np.float32), source, size, Image.Resampling.BILINEAR)
        return np.where(fraction >= 0.5, 255, 0).astype(np.uint8), estimated
    return np.full((size[1], size[0]), 255, dtype=np.uint8), "none"


def preprocess_many(
    tasks: Sequence[Task],
    out_dir: str | Path,
    params: PreprocessParams,
    *,
    workers: int | None = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Preprocess ``tasks`` in supervised workers; write ``manifest.csv`` and ``errors.csv`` in ``out_dir``.

    Parameters
    ----------
    tasks : sequence of Task
        From :func:`make_tasks`.
    out_dir : str or Path
        Output folder; ``images/``, ``rois/`` and the two CSV files are written there.
    params : PreprocessParams
        Preprocessing parameters, the per-file limits ``file_timeout_s`` and ``file_memory_mb``
        among them.
    workers : int, optional
        Worker processes; default ``params.workers`` (0 = one per CPU core).
    progress : bool
        Show a tqdm progress bar on stderr.

    Returns
    -------
    manifest, errors : pandas.DataFrame
        The two tables as written (manifest rows in input order).

    Raises
    ------
    OutputError
        When ``out_dir`` cannot be written: checked before the first file, and again if a write
        fails on the way (a full disk); no input is blamed for it.
    """
    from cxrqa.progress import progress_bar

    out_dir = Path(out_dir)
    _prepare_output(out_dir)
    to_read = [task for task in tasks if task.skipped is None]
    workers = worker_count(params.workers if workers is None else workers, len(to_read))
    limits = Limits(seconds=params.file_timeout_s, memory_mb=params.file_memory_mb)
    rows: list[dict[str, Any]] = []
    errors: list[tuple[str, str, str]] = [
        (display_path(task.path), task.skipped.reason, task.skipped.detail) for task in tasks if task.skipped
    ]
    bar = progress_bar(total=len(to_read), desc="preprocess", unit="image", disable=not progress)
    try:
        job = _PreprocessJob(out_dir, params)
        for task, outcome in map_files(job, to_read, workers=workers, limits=limits):
            if isinstance(outcome, Failure):
                errors.append((display_path(task.path), outcome.reason, outcome.detail))
                bar.set_postfix_str(f"{len(errors)} unusable", refresh=False)
            else:
                rows.append(outcome)
            bar.update()
    finally:
        bar.close()
    manifest = pd.DataFrame(rows, columns=MANIFEST_COLUMNS)
    error_table = pd.DataFrame(errors, columns=ERROR_COLUMNS)
    try:
        manifest.to_csv(out_dir / "manifest.csv", index=False)
        error_table.to_csv(out_dir / "errors.csv", index=False)
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot write the tables ({error.strerror or error})") from error
    return manifest, error_table


@dataclass(frozen=True)
class _PreprocessJob:
    """:func:`preprocess_file` with its output folder and parameters bound, for the workers."""

    out_dir: Path
    params: PreprocessParams

    def __call__(self, task: Task) -> dict[str, Any]:
        return preprocess_file(task, self.out_dir, self.params)


def _prepare_output(out_dir: Path) -> None:
    """Create ``images/`` and ``rois/`` and prove they can be written to, before any file is read."""
    try:
        for sub in ("images", "rois"):
            (out_dir / sub).mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=out_dir / sub):
                pass
    except OSError as error:
        raise OutputError(
            f"{display_path(out_dir)}: cannot write the output folder ({error.strerror or error})"
        ) from error
