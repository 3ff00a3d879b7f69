"""Random training patches and the tiling that scores a whole image with a patch-trained model.

A model trained on ``h x w`` patches of full-resolution images (``train.input: patch``) sees, at
inference, the whole image cut into ``h x w`` tiles that cover it (the last row and column of
tiles overlap their neighbours when the image is not a multiple of the tile size); the image's
score is the mean of its tiles' scores. This keeps the SiPNets' global max pooling over the same
extent in training and scoring (Kang et al. 2014 and Bosse et al. 2018 score images the same way).

ROI-guided patches (``train.patch_sampling: roi``): sharpness is judged on the fine structure of
the lungs (vessels, rib and diaphragm edges), while a patch of clipped mediastinum or of the air
beside the chest carries almost no blur cue, only label noise. A training patch is then drawn
with probability proportional to the share of the lung ROI it covers (on a grid of
:data:`POSITION_STRIDE` pixels), and an image's score is the mean of its tiles' scores weighted
by the same share (:func:`tile_weights`), so training and scoring look at the same places; an
image whose ROI is empty falls back to uniform positions and weights. Bosse et al. (2018) weight
patches by a learned map; this uses the ROI the pipeline already has.

References
----------
.. [1] Kang L, Ye P, Li Y, Doermann D (2014) Convolutional neural networks for no-reference image
   quality assessment. CVPR, 1733-1740.
.. [2] Bosse S et al. (2018) Deep neural networks for no-reference and full-reference image quality
   assessment. IEEE Trans Image Process 27:206-219.
"""

from __future__ import annotations

import torch

__all__ = ["POSITION_STRIDE", "covering_tiles", "position_weights", "random_patches", "tile", "tile_starts", "tile_weights", "weighted_tile_mean"]

#: Grid (pixels) of the candidate top-left corners of ROI-guided training patches.
POSITION_STRIDE = 8


def tile_starts(length: int, size: int) -> list[int]:
    """Start offsets of tiles of ``size`` that cover ``length`` (last one flush with the end).

    >>> tile_starts(768, 192), tile_starts(500, 192)
    ([0, 192, 384, 576], [0, 192, 308])
    """
    if size > length:
        raise ValueError(f"tile size {size} is larger than the image side {length}")
    starts = list(range(0, length - size + 1, size))
    if starts[-1] + size < length:
        starts.append(length - size)
    return starts


def tile(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Cut a ``C x H x W`` image into the ``T x C x h x w`` tiles that cover it.

    >>> tile(torch.zeros(1, 768, 512), (192, 128)).shape
    torch.Size([16, 1, 192, 128])
    """
    h, w = size
    return torch.stack(
        [image[:, top : top + h, left : left + w] for top in tile_starts(image.shape[-2], h) for left in tile_starts(image.shape[-1], w)]
    )


def _window_shares(roi: torch.Tensor, size: tuple[int, int], tops, lefts) -> torch.Tensor:
    """Share of ``roi`` (``H x W`` in [0, 1]) inside the ``h x w`` windows at ``tops x lefts``.

    One integral image serves every window; returns ``len(tops) x len(lefts)``.
    """
    h, w = size
    integral = torch.nn.functional.pad(roi.double().cumsum(0).cumsum(1), (1, 0, 1, 0))
    t = torch.as_tensor(list(tops))[:, None]
    l = torch.as_tensor(list(lefts))[None, :]
    total = integral[t + h, l + w] - integral[t, l + w] - integral[t + h, l] + integral[t, l]
    return (total / (h * w)).float()


def position_weights(rois: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Sampling weights of ROI-guided patch corners, ``N x Gh x Gw`` on a :data:`POSITION_STRIDE` grid.

    Each weight is the share of the ROI (``N x 1 x H x W`` in [0, 1]) that the ``h x w`` patch with
    that top-left corner covers; an image whose ROI is empty gets equal weights (uniform corners).
    Computed once per training set and passed to :func:`random_patches`.

    >>> roi = torch.zeros(1, 1, 64, 32); roi[..., 32:, :] = 1.0
    >>> position_weights(roi, (32, 32))[0, :, 0].tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    h, w = size
    height, width = rois.shape[-2:]
    corners = range(0, height - h + 1, POSITION_STRIDE), range(0, width - w + 1, POSITION_STRIDE)
    weights = torch.stack([_window_shares(mask, size, *corners) for mask in rois[:, 0]])
    empty = weights.flatten(1).sum(dim=1) == 0
    weights[empty] = 1.0
    return weights


def random_patches(
    images: torch.Tensor,
    size: tuple[int, int],
    generator: torch.Generator,
    rois: torch.Tensor | None = None,
    *,
    weights: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One random ``h x w`` patch per image of an ``N x C x H x W`` batch (and of its ROI masks).

    Parameters
    ----------
    images : Tensor
        ``N x C x H x W`` batch.
    size : tuple of int
        Patch ``(h, w)``.
    generator : torch.Generator
        Source of the positions (seeded, checkpointed by the training loop).
    rois : Tensor, optional
        ``N x 1 x H x W`` masks cut at the same positions (for the ROI loss term).
    weights : Tensor, optional
        ``N x Gh x Gw`` corner weights from :func:`position_weights`; when given, a patch's
        top-left corner is drawn on the :data:`POSITION_STRIDE` grid with probability
        proportional to its weight (the ROI share the patch covers). Without it, positions are
        uniform.
    """
    n, _, height, width = images.shape
    h, w = size
    if h > height or w > width:
        raise ValueError(f"patch {h}x{w} is larger than the images ({height}x{width})")
    if weights is None:
        tops = torch.randint(0, height - h + 1, (n,), generator=generator).tolist()
        lefts = torch.randint(0, width - w + 1, (n,), generator=generator).tolist()
    else:
        chosen = torch.multinomial(weights.flatten(1), 1, generator=generator)[:, 0]
        tops = (chosen // weights.shape[2] * POSITION_STRIDE).tolist()
        lefts = (chosen % weights.shape[2] * POSITION_STRIDE).tolist()
    patches = torch.stack([images[i, :, t : t + h, l : l + w] for i, (t, l) in enumerate(zip(tops, lefts))])
    roi_patches = None
    if rois is not None:
        roi_patches = torch.stack([rois[i, :, t : t + h, l : l + w] for i, (t, l) in enumerate(zip(tops, lefts))])
    return patches, roi_patches


def tile_weights(roi: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Weight of each tile of :func:`tile` (same order): the share of ``roi`` it covers.

    ``roi`` is a ``1 x H x W`` mask in [0, 1]; an empty ROI gives equal weights.

    >>> roi = torch.zeros(1, 384, 128); roi[:, :192] = 1.0
    >>> tile_weights(roi, (192, 128)).tolist()
    [1.0, 0.0]
    """
    corners = tile_starts(roi.shape[-2], size[0]), tile_starts(roi.shape[-1], size[1])
    shares = _window_shares(roi[0], size, *corners).flatten()  # row by row, as tile() orders them
    return shares if float(shares.sum()) > 0 else torch.ones_like(shares)


def covering_tiles(
    image: torch.Tensor, size: tuple[int, int], roi: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The tiles that score ``image`` (``C x H x W``), with their weights when ``roi`` is given.

    Without ``roi`` every covering tile is returned with ``None`` (equal weights). With it, tiles
    that hold no ROI are dropped (their weight is 0, so scoring them is wasted work) and the rest
    come with their ROI shares (:func:`tile_weights`).

    >>> roi = torch.zeros(1, 384, 128); roi[:, :100] = 1.0
    >>> tiles, weights = covering_tiles(torch.zeros(1, 384, 128), (192, 128), roi)
    >>> tiles.shape[0], [round(w, 3) for w in weights.tolist()]
    (1, [0.521])
    """
    tiles = tile(image, size)
    if roi is None:
        return tiles, None
    weights = tile_weights(roi, size)
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
