"""The baseline feature table: every classical measure per image, whole image and lung ROI.

:func:`image_features` computes the measures of :mod:`cxrqa.baselines.measures` (and BRISQUE) of
one image; :func:`feature_table` does so for the preprocessed images of a study with a process
pool and a progress bar. Column names are ``<measure>_image`` (whole image) and
``<measure>_roi`` (inside the lung ROI); BRISQUE is whole-image only (its statistics assume a
rectangular image).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from cxrqa.baselines import measures
from cxrqa.io.pool import process_map

__all__ = [
    "LOG_MEASURES",
    "MEASURES",
    "feature_names",
    "feature_table",
    "image_features",
    "read_png",
]

#: Measures computed per region, in column order.
MEASURES = (
    "laplacian_var",
    "crete_blur",
    "edge_width",
    "cpbd",
    "noise_immerkaer",
    "noise_wavelet",
    "entropy",
    "rms_contrast",
    "histogram_spread",
    "mean",
    "p1",
    "p5",
    "p50",
    "p95",
    "p99",
    "clipped_low",
    "clipped_high",
)

#: Scale-free, heavily skewed measures the regressors see as log10 (trees are unaffected).
LOG_MEASURES = ("laplacian_var", "noise_immerkaer", "noise_wavelet")

REGIONS = ("image", "roi")

#: Images sent to a worker at a time.
_CHUNKSIZE = 4


def feature_names(brisque: bool = True) -> list[str]:
    """Column names of the feature table, in order.

    Examples
    --------
    >>> feature_names()[:2], feature_names()[-1], len(feature_names(brisque=False))
    (['laplacian_var_image', 'crete_blur_image'], 'brisque_image', 34)
    """
    names = [f"{m}_{r}" for r in REGIONS for m in MEASURES]
    return names + (["brisque_image"] if brisque else [])


def _region_measures(image: np.ndarray, mask: np.ndarray | None, edges: tuple[np.ndarray, np.ndarray]) -> dict[str, float]:
    """Every measure of one region; ``edges`` are its :func:`~cxrqa.baselines.measures.edge_widths`."""
    low, high = measures.clipped_fraction(image, mask)
    widths, contrasts = edges
    values = {
        "laplacian_var": measures.laplacian_variance(image, mask),
        "crete_blur": measures.crete_blur(image, mask),
        "edge_width": float(widths.mean()) if widths.size else float("nan"),
        "cpbd": measures.cpbd_from_edges(widths, contrasts),
        "noise_immerkaer": measures.immerkaer_sigma(image, mask),
        "noise_wavelet": measures.wavelet_sigma(image, mask),
        "entropy": measures.entropy(image, mask),
        "rms_contrast": measures.rms_contrast(image, mask),
        "histogram_spread": measures.histogram_spread(image, mask),
        "mean": float(np.mean(image if mask is None else image[mask])),
        **measures.percentiles(image, mask, q=(1, 5, 50, 95, 99)),
        "clipped_low": low,
        "clipped_high": high,
    }
    return {name: values[name] for name in MEASURES}


def image_features(image, mask=None, *, scorer=None) -> dict[str, float]:
    """Every measure of one image (display values in [0, 1]) and of its ROI.

    Parameters
    ----------
    image : array_like
        2-D grayscale image in [0, 1].
    mask : array_like of bool, optional
        Lung ROI; without it (or when it is empty) the ``_roi`` columns are ``nan``.
    scorer : callable, optional
        BRISQUE scorer (:class:`cxrqa.baselines.brisque.BrisqueScorer`); without it no
        ``brisque_image`` column.

    Returns
    -------
    dict
        ``{column: value}`` in the order of :func:`feature_names`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> values = image_features(rng.random((64, 64)))
    >>> len(values), bool(np.isnan(values["entropy_roi"])), 0.9 < values["rms_contrast_image"] / 0.2887 < 1.1
    (34, True, True)
    """
    image, mask = measures.check_image(image, mask)
    has_roi = mask is not None and mask.sum() >= measures.MIN_PIXELS
    edges = measures.edge_widths_per_region(image, [None, mask] if has_roi else [None])
    whole = _region_measures(image, None, edges[0])
    roi = _region_measures(image, mask, edges[1]) if has_roi else dict.fromkeys(MEASURES, float("nan"))
    row = {f"{k}_image": v for k, v in whole.items()} | {f"{k}_roi": v for k, v in roi.items()}
    if scorer is not None:
        row["brisque_image"] = scorer(image)
    return row


def read_png(path: str | Path) -> np.ndarray:
    """A PNG as float64 in [0, 1] (16-bit divided by 65535, 8-bit by 255)."""
    with Image.open(path) as handle:
        array = np.asarray(handle)
    if array.ndim != 2:
        raise ValueError(f"{path}: expected a grayscale PNG, got shape {array.shape}")
    scale = 65535.0 if array.dtype == np.uint16 or array.max() > 255 else 255.0
    return array.astype(np.float64) / scale


@dataclass
class _FeatureJob:
    """The feature row of one ``(image_id, image path, ROI path)`` task (the job of
    :func:`~cxrqa.io.pool.process_map`); the BRISQUE scorer is built once per process, on first use."""

    brisque: bool
    _scorer: object = field(default=None, repr=False)

    def scorer(self):
        """The BRISQUE scorer of this process, or ``None`` without BRISQUE."""
        if self.brisque and self._scorer is None:
            from cxrqa.baselines.brisque import BrisqueScorer

            self._scorer = BrisqueScorer()
        return self._scorer

    def __call__(self, task: tuple[str, str, str | None]) -> dict[str, float]:
        image_id, image_path, roi_path = task
        image = read_png(image_path)
        mask = None
        if roi_path is not None and os.path.isfile(roi_path):
            mask = read_png(roi_path) >= 0.5
            if mask.shape != image.shape:
                raise ValueError(f"{roi_path}: ROI shape {mask.shape} differs from image shape {image.shape}")
        return {"image_id": image_id, **image_features(image, mask, scorer=self.scorer())}


def feature_table(
    processed: str | Path,
    image_ids: Sequence[str],
    *,
    brisque: bool = True,
    workers: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """Features of the preprocessed images ``<processed>/images/<id>.png`` and their ROIs.

    Parameters
    ----------
    processed : str or Path
        Output folder of the preprocess stage (``images/``, ``rois/``).
    image_ids : sequence of str
        Images to measure (the table keeps this order).
    brisque : bool, default True
        Add the BRISQUE score (needs the ``brisque`` package).
    workers : int, default 0
        Worker processes (0 = one per CPU core; 1 = in this process).
    progress : bool, default True
        Show a tqdm progress bar on stderr.

    Raises
    ------
    FileNotFoundError
        When an image is missing (ROIs are optional: missing ones give ``nan`` ROI columns).
    """
    from cxrqa.progress import progress_bar

    processed = Path(processed)
    tasks = []
    for image_id in image_ids:
        path = processed / "images" / f"{image_id}.png"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: preprocessed image not found")
        tasks.append((str(image_id), str(path), str(processed / "rois" / f"{image_id}.png")))
    computed = process_map(_FeatureJob(brisque), tasks, workers=workers, chunksize=_CHUNKSIZE)
    rows = list(progress_bar(computed, total=len(tasks), desc="baseline features", unit="img", disable=not progress))
    columns = ["image_id", *feature_names(brisque)]
    return pd.DataFrame(rows, columns=columns)
