"""The tiling that scores a whole image with a patch-trained model.

A model trained on ``h x w`` patches of full-resolution images (``train.<dimension>.input:
patch``) sees, at scoring time, the whole image cut into ``h x w`` tiles that cover it (the last
row and column of tiles overlap their neighbours when the image is not a multiple of the tile
size); the image's score is the mean of its tiles' scores. This keeps the SiPNets' global max
pooling over the same extent in training and scoring (Kang et al. 2014 and Bosse et al. 2018
score images the same way). Tiles may overlap by a share of their height and width
(``train.<dimension>.tile_overlap``; :func:`tile_step`): the image is then seen through more
windows, and detail that a tile boundary cuts lies whole inside a neighbouring tile.

A model trained on ROI-guided patches (``train.<dimension>.patch_sampling: roi``; the sampling
itself is :mod:`cxrqa.train.patches`) weights each tile by the share of the lung ROI it covers
(:func:`tile_weights`), so that training and scoring look at the same places; an image whose ROI
is empty falls back to equal weights. Bosse et al. (2018) weight patches by a learned map; this
uses the ROI the pipeline already has. :func:`window_shares` is the ROI share of any set of
windows, which the training sampler uses for its patch corners too.

References
----------
.. [1] Kang L, Ye P, Li Y, Doermann D (2014) Convolutional neural networks for no-reference image
   quality assessment. CVPR, 1733-1740.
.. [2] Bosse S et al. (2018) Deep neural networks for no-reference and full-reference image quality
   assessment. IEEE Trans Image Process 27:206-219.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

__all__ = ["covering_tiles", "tile", "tile_starts", "tile_step", "tile_weights", "weighted_tile_mean", "window_shares"]

#: ``(rows, columns)`` step between tiles, in pixels; ``None`` is the tile size (tiles abut).
Step = tuple[int, int] | None


def tile_step(size: tuple[int, int], overlap: tuple[float, float]) -> tuple[int, int]:
    """The ``(rows, columns)`` step between tiles of ``size`` that overlap by these shares of a tile.

    Raises
    ------
    ValueError
        When a share is not in [0, 1).

    >>> tile_step((192, 128), (0.0, 0.5))
    (192, 64)
    """
    if not all(0.0 <= share < 1.0 for share in overlap):
        raise ValueError(f"tile overlaps must lie in [0, 1), got {tuple(overlap)}")
    return tuple(max(1, side - round(side * share)) for side, share in zip(size, overlap, strict=True))


def tile_starts(length: int, size: int, step: int | None = None) -> list[int]:
    """Start offsets of tiles of ``size``, ``step`` apart, that cover ``length`` (last one flush with the end).

    ``step`` defaults to ``size`` (tiles that abut).

    Raises
    ------
    ValueError
        When ``size`` is larger than ``length``, or ``step`` is not in ``1..size``.

    Examples
    --------
    >>> tile_starts(768, 192), tile_starts(500, 192), tile_starts(512, 128, 64)
    ([0, 192, 384, 576], [0, 192, 308], [0, 64, 128, 192, 256, 320, 384])
    """
    if size > length:
        raise ValueError(f"tile size {size} is larger than the image side {length}")
    step = size if step is None else step
    if not 1 <= step <= size:
        raise ValueError(f"tile step {step} must lie in 1..{size} (the tile size), or tiles would leave gaps")
    starts = list(range(0, length - size + 1, step))
    if starts[-1] + size < length:
        starts.append(length - size)
    return starts


def _corners(shape: tuple[int, ...], size: tuple[int, int], step: Step) -> tuple[list[int], list[int]]:
    """Tops and lefts of the tiles of ``size`` that cover an image of ``shape`` (``... x H x W``)."""
    rows, cols = (None, None) if step is None else step
    return tile_starts(shape[-2], size[0], rows), tile_starts(shape[-1], size[1], cols)


def tile(image: torch.Tensor, size: tuple[int, int], step: Step = None) -> torch.Tensor:
    """Cut a ``C x H x W`` image into the ``T x C x h x w`` tiles that cover it, row by row.

    >>> tile(torch.zeros(1, 768, 512), (192, 128)).shape, tile(torch.zeros(1, 768, 512), (192, 128), (192, 64)).shape
    (torch.Size([16, 1, 192, 128]), torch.Size([28, 1, 192, 128]))
    """
    h, w = size
    tops, lefts = _corners(image.shape, size, step)
    return torch.stack([image[:, top : top + h, left : left + w] for top in tops for left in lefts])


def window_shares(roi: torch.Tensor, size: tuple[int, int], tops: Iterable[int], lefts: Iterable[int]) -> torch.Tensor:
    """Share of ``roi`` (``H x W`` in [0, 1]) inside the ``h x w`` windows at ``tops x lefts``.

    One integral image serves every window.

    Returns
    -------
    Tensor
        ``len(tops) x len(lefts)`` float32 shares in [0, 1].

    Examples
    --------
    >>> roi = torch.zeros(4, 4); roi[:2] = 1.0
    >>> window_shares(roi, (2, 2), [0, 1, 2], [0]).flatten().tolist()
    [1.0, 0.5, 0.0]
    """
    h, w = size
    integral = torch.nn.functional.pad(roi.double().cumsum(0).cumsum(1), (1, 0, 1, 0))
    t = torch.as_tensor(list(tops))[:, None]
    l = torch.as_tensor(list(lefts))[None, :]  # noqa: E741
    total = integral[t + h, l + w] - integral[t, l + w] - integral[t + h, l] + integral[t, l]
    return (total / (h * w)).float()


def tile_weights(roi: torch.Tensor, size: tuple[int, int], step: Step = None) -> torch.Tensor:
    """Weight of each tile of :func:`tile` (same order): the share of ``roi`` it covers.

    ``roi`` is a ``1 x H x W`` mask in [0, 1]; an empty ROI gives equal weights.

    >>> roi = torch.zeros(1, 384, 128); roi[:, :192] = 1.0
    >>> tile_weights(roi, (192, 128)).tolist(), tile_weights(roi, (192, 128), (96, 128)).tolist()
    ([1.0, 0.0], [1.0, 0.5, 0.0])
    """
    shares = window_shares(roi[0], size, *_corners(roi.shape, size, step)).flatten()  # row by row, as tile() orders them
    return shares if float(shares.sum()) > 0 else torch.ones_like(shares)


def covering_tiles(
    image: torch.Tensor, size: tuple[int, int], roi: torch.Tensor | None = None, step: Step = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The tiles, ``step`` apart, that score ``image`` (``C x H x W``), with their weights when ``roi`` is given.

    Without ``roi`` every covering tile is returned with ``None`` (equal weights). With it, tiles
    that hold no ROI are dropped (their weight is 0, so scoring them is wasted work) and the rest
    come with their ROI shares (:func:`tile_weights`).

    >>> roi = torch.zeros(1, 384, 128); roi[:, :100] = 1.0
    >>> tiles, weights = covering_tiles(torch.zeros(1, 384, 128), (192, 128), roi)
    >>> tiles.shape[0], [round(w, 3) for w in weights.tolist()]
    (1, [0.521])
    """
    tiles = tile(image, size, step)
    if roi is None:
        return tiles, None
    weights = tile_weights(roi, size, step)
    kept = weights > 0
    return tiles[kept], weights[kept]


def weighted_tile_mean(scores: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor:
    """An image's score from its tiles' scores: their mean, weighted when ``weights`` is given.

    >>> weighted_tile_mean(torch.tensor([6.0, 8.0]), torch.tensor([1.0, 3.0])).item()
    7.5
    """
    if weights is None:
        return scores.mean()
    return (scores * weights).sum() / weights.sum()
