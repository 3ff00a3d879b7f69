"""One trained checkpoint, loaded once, that scores preprocessed images.

:class:`Scorer` reads a checkpoint (or takes one already read), checks its input specification
(:class:`~cxrqa.scoring.InputSpec`) and keeps the network ready on its device. It scores
preprocessed images held in memory (:meth:`Scorer.score`: 16-bit PNG values, 8-bit values or
display values in [0, 1]) or stored as the preprocess stage writes them (:meth:`Scorer.score_files`),
in batches, and gives the attention map of an image (:meth:`Scorer.attention`). The pipeline's
``predict`` stage, ``cxrqa score`` and the archive audit all score through it, so an image gets
the same score whichever way it arrives.

A whole-image model scores ``batch_size`` images per forward pass (consecutive images of one
size). A patch model scores each image as the weighted mean of its tiles
(:func:`~cxrqa.scoring.covering_tiles`), up to :data:`TILES_PER_PASS` tiles of one image per
forward pass.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cxrqa.models import Checkpoint, Prediction, Predictor, load_checkpoint
from cxrqa.scoring.images import as_image, load_image, roi_path_of
from cxrqa.scoring.spec import InputSpec, InputSpecError
from cxrqa.scoring.standardise import standardise
from cxrqa.scoring.tiles import covering_tiles, weighted_tile_mean

__all__ = ["TILES_PER_PASS", "Scorer"]

#: Tiles of one image per forward pass of a patch model.
TILES_PER_PASS = 64


class Scorer:
    """Score preprocessed images with one trained CaHDC-RGA checkpoint.

    Parameters
    ----------
    checkpoint : str, Path or Checkpoint
        A checkpoint file, or one already read with :func:`cxrqa.models.load_checkpoint` (so a
        caller that checked it first does not read it twice; its network is left untouched).
    device : str or torch.device, optional
        Where to score; ``None``: CUDA when present, else the CPU (:func:`cxrqa.models.select_device`).
    batch_size : int
        Images per forward pass of a whole-image model (a patch model passes up to
        :data:`TILES_PER_PASS` tiles of one image instead).

    Attributes
    ----------
    spec : InputSpec
        How the checkpoint's network wants its inputs.
    checkpoint : Checkpoint
        The checkpoint read.

    Raises
    ------
    FileNotFoundError, ValueError
        When the checkpoint cannot be read (:func:`cxrqa.models.load_checkpoint`), or
        ``batch_size`` is below 1.
    InputSpecError
        When its ``preprocessing`` is not a valid :class:`InputSpec`, or makes another number of
        input channels than its network takes.

    Examples
    --------
    >>> from cxrqa.models import CaHDCRGA, save_checkpoint
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = save_checkpoint(f"{folder}/best.pt", CaHDCRGA(train_size=(64, 64)), {}, InputSpec((64, 64)).to_dict())
    >>> scorer = Scorer(path, device="cpu")
    >>> result = scorer.score([np.zeros((96, 80), np.uint16), np.full((96, 80), 0.5)])
    >>> result.scores.shape, scorer.batch_size, scorer.device
    ((2,), 1, 'cpu')
    """

    def __init__(self, checkpoint: str | Path | Checkpoint, *, device: str | torch.device | None = None, batch_size: int = 1) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        source = None
        if not isinstance(checkpoint, Checkpoint):
            source = checkpoint
            checkpoint = load_checkpoint(checkpoint)
        self.checkpoint = checkpoint
        self.spec = InputSpec.from_dict(checkpoint.preprocessing, source=source)
        if checkpoint.model.in_chans != self.spec.channels:
            raise InputSpecError(
                f"{source or 'checkpoint'}: its network takes {checkpoint.model.in_chans} input channel(s), "
                f"its preprocessing makes {self.spec.channels}"
            )
        # The predictor moves its network to the device in channels-last layout; a copy keeps the
        # checkpoint's own network as it was read, for attention maps.
        per_pass = TILES_PER_PASS if self.spec.is_patch else batch_size
        self._predictor = Predictor(copy.deepcopy(checkpoint.model), device=device, batch_size=per_pass)

    @property
    def device(self) -> str:
        """The device scoring runs on, e.g. ``cpu`` or ``cuda``."""
        return str(self._predictor.device)

    @property
    def dimension(self) -> str | None:
        """The dimension the checkpoint records (``extra["dimension"]``), or ``None``."""
        return self.checkpoint.extra.get("dimension")

    @property
    def batch_size(self) -> int:
        """Inputs per forward pass at most: images of a whole-image model, tiles of a patch model."""
        return self._predictor.batch_size

    @property
    def has_attention(self) -> bool:
        """Whether the network has the ROI-guided attention branch (an attention map)."""
        return bool(self.checkpoint.model.config.get("use_attention", True))

    def model_view(self, image: Any) -> torch.Tensor:
        """A preprocessed image as the network sees it before standardisation.

        Parameters
        ----------
        image : array-like or Tensor
            ``H x W`` or ``1 x H x W``, in any form :func:`~cxrqa.scoring.as_image` takes.

        Returns
        -------
        Tensor
            ``1 x H x W`` float32 in [0, 1]: resized to the input size for a whole-image model, at
            full resolution for a patch model.
        """
        return as_image(image, self.spec.resize_to)

    def score(self, images: Iterable[Any], rois: Iterable[Any] | None = None) -> Prediction:
        """Scores of preprocessed images held in memory.

        Parameters
        ----------
        images : iterable of array-like or Tensor
            Each ``H x W`` or ``1 x H x W``: 16-bit or 8-bit PNG values, or display values in
            [0, 1] (:func:`~cxrqa.scoring.as_image`). Consumed lazily, one batch at a time.
        rois : iterable of array-like or Tensor, optional
            The lung ROI masks of ``images``, in the same order (8-bit 0/255, boolean or [0, 1]);
            needed by a model that weights tiles by the ROI (:attr:`InputSpec.needs_roi`), ignored
            otherwise.

        Returns
        -------
        Prediction
            Scores (float64) and seconds of model time per image, in input order.

        Raises
        ------
        ValueError
            When the model weights tiles by the ROI and ``rois`` is not given or not one per image,
            or an image is not a valid preprocessed image.
        """
        if self.spec.needs_roi and rois is None:
            raise ValueError("this model weights tiles by the lung ROI: pass the images' ROI masks (rois=...)")
        pairs = zip(images, rois, strict=True) if self.spec.needs_roi else ((image, None) for image in images)
        return self._score((as_image(image, self.spec.load_size), None if roi is None else as_image(roi)) for image, roi in pairs)

    def score_files(self, image_paths: Sequence[str | Path]) -> Prediction:
        """Scores of preprocessed PNGs (``images/<image_id>.png``, as the preprocess stage writes).

        A model that weights tiles by the ROI reads each image's mask from ``rois/`` beside
        ``images/`` (:func:`~cxrqa.scoring.roi_path_of`).

        Raises
        ------
        FileNotFoundError
            When a ROI-weighted model finds no ROI mask for an image.
        """
        return self._score(self._load(Path(path)) for path in image_paths)

    def attention(self, image: Any) -> np.ndarray | None:
        """The network's attention map over a preprocessed image (``None`` without attention).

        Computed with the checkpoint's network as read (eager float32 on the CPU), not on the
        scoring device, so that figures do not depend on where the images were scored.

        Parameters
        ----------
        image : array-like or Tensor
            A preprocessed image (:meth:`model_view` of it is what the map covers).

        Returns
        -------
        ndarray or None
            ``H x W`` float32 in [0, 1], the shape of :meth:`model_view`.
        """
        if not self.has_attention:
            return None
        inputs = self.spec.network_input(as_image(image, self.spec.load_size))
        with torch.inference_mode():
            return self.checkpoint.model(inputs[None]).attention[0, 0].numpy()

    # -- internals ---------------------------------------------------------------------------
    def _load(self, path: Path) -> tuple[torch.Tensor, torch.Tensor | None]:
        roi = None
        if self.spec.needs_roi:
            roi_path = roi_path_of(path)
            if not roi_path.is_file():
                raise FileNotFoundError(f"{roi_path}: no ROI mask for {path} (this model weights tiles by the lung ROI)")
            roi = load_image(roi_path)
        return load_image(path, self.spec.load_size), roi

    def _score(self, views: Iterator[tuple[torch.Tensor, torch.Tensor | None]]) -> Prediction:
        """Score ``(image in [0, 1] read at the spec's load size, ROI or None)`` pairs."""
        mode = self.spec.standardisation
        if not self.spec.is_patch:
            return self._predictor.predict(self.spec.network_input(image) for image, _ in views)
        scores, seconds = [], []
        for image, roi in views:
            if roi is not None and roi.shape != image.shape:
                raise ValueError(f"a ROI mask of shape {tuple(roi.shape)} for an image of shape {tuple(image.shape)}")
            tiles, weights = covering_tiles(standardise(image, mode), self.spec.input_size, roi, self.spec.tile_step)
            prediction = self._predictor.predict(list(tiles))
            scores.append(float(weighted_tile_mean(torch.as_tensor(prediction.scores), weights)))
            seconds.append(prediction.seconds.sum())
        return Prediction(scores=np.asarray(scores), seconds=np.asarray(seconds))
