"""Scoring preprocessed images with a trained model: the layer under ``predict``, ``score`` and the audit.

What a checkpoint's network needs to turn a preprocessed image into a score, and nothing of
training: reading the preprocessed images (:func:`load_image`, :func:`as_image`), the
standardisation of the network's input (:func:`standardise`) and its detail channel
(:func:`detail_map`), the tiles that score a whole image
with a patch-trained model (:func:`covering_tiles`, :func:`weighted_tile_mean`), the typed input
specification a checkpoint stores (:class:`InputSpec`) and the :class:`Scorer` that loads a
checkpoint once and scores images in memory or on disk. Training imports these to prepare its
inputs the same way; this package never imports :mod:`cxrqa.train` (an import-linter contract in
``pyproject.toml`` checks it).
"""

from cxrqa.scoring.detail import DETAIL_FLOOR, detail_map
from cxrqa.scoring.folder import (
    checkpoint_digest,
    checkpoint_path,
    load_scorer,
    load_scorers,
    scoring_preprocess,
)
from cxrqa.scoring.images import as_image, load_image, roi_path_of
from cxrqa.scoring.scorer import TILES_PER_PASS, Scorer
from cxrqa.scoring.spec import INPUT_MODES, TILE_WEIGHTINGS, InputSpec, InputSpecError
from cxrqa.scoring.standardise import LOCAL_SIGMA, STANDARDISATIONS, standardise
from cxrqa.scoring.tiles import covering_tiles, tile, tile_starts, tile_step, tile_weights, weighted_tile_mean, window_shares

__all__ = [
    "DETAIL_FLOOR",
    "INPUT_MODES",
    "LOCAL_SIGMA",
    "STANDARDISATIONS",
    "TILES_PER_PASS",
    "TILE_WEIGHTINGS",
    "InputSpec",
    "InputSpecError",
    "Scorer",
    "as_image",
    "checkpoint_digest",
    "checkpoint_path",
    "load_scorer",
    "load_scorers",
    "scoring_preprocess",
    "covering_tiles",
    "detail_map",
    "load_image",
    "roi_path_of",
    "standardise",
    "tile",
    "tile_starts",
    "tile_step",
    "tile_weights",
    "weighted_tile_mean",
    "window_shares",
]
