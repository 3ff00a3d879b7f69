"""Random training patches of full-resolution images, optionally guided by the lung ROI.

A model trained on ``h x w`` patches of full-resolution images (``train.<dimension>.input: patch``)
is scored on the tiles that cover the whole image (:mod:`cxrqa.scoring.tiles`); this module draws
its training patches. This keeps the SiPNets' global max pooling over the same extent in training
and scoring (Kang et al. 2014 and Bosse et al. 2018 train and score the same way).

ROI-guided patches (``train.<dimension>.patch_sampling: roi``): sharpness is judged on the fine
structure of the lungs (vessels, rib and diaphragm edges), while a patch of clipped mediastinum
or of the air beside the chest carries almost no blur cue, only label noise. A training patch is
then drawn with probability proportional to the share of the lung ROI it covers (on a grid of
:data:`POSITION_STRIDE` pixels; :func:`cxrqa.scoring.window_shares`), and an image's score is the
mean of its tiles' scores weighted by the same share (:func:`cxrqa.scoring.tile_weights`), so
training and scoring look at the same places; an image whose ROI is empty falls back to uniform
positions and weights. Bosse et al. (2018) weight patches by a learned map; this uses the ROI the
pipeline already has.

References
----------
.. [1] Kang L, Ye P, Li Y, Doermann D (2014) Convolutional neural networks for no-reference image
   quality assessment. CVPR, 1733-1740.
.. [2] Bosse S et al. (2018) Deep neural networks for no-reference and full-reference image quality
   assessment. IEEE Trans Image Process 27:206-219.
"""

from __future__ import annotations

import torch

from cxrqa.scoring import window_shares

__all__ = ["POSITION_STRIDE", "position_weights", "random_patches"]

#: Grid (pixels) of the candidate top-left corners of ROI-guided training patches.
POSITION_STRIDE = 8


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
    weights = torch.stack([window_shares(mask, size, *corners) for mask in rois[:, 0]])
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
    index: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One random ``h x w`` patch per image of an ``N x C x H x W`` batch (and of its ROI masks).

    Parameters
    ----------
    images : Tensor
        ``N x C x H x W`` batch, or the whole training set when ``index`` picks the batch.
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
        uniform. One row per patch, in the order of ``index`` when it is given.
    index : Tensor, optional
        Rows of ``images`` (and ``rois``) to cut one patch each from, repeats allowed; the patches
        are cut from the set directly, without first copying the whole images of the batch.

    Returns
    -------
    patches, roi_patches : Tensor, Tensor or None
        New tensors (never views of ``images``), ``n x C x h x w`` and ``n x 1 x h x w``.
    """
    rows = range(images.shape[0]) if index is None else index.tolist()
    n, (height, width) = len(rows), images.shape[-2:]
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
    patches = torch.stack([images[i, :, t : t + h, l : l + w] for i, t, l in zip(rows, tops, lefts)])
    roi_patches = None
    if rois is not None:
        roi_patches = torch.stack([rois[i, :, t : t + h, l : l + w] for i, t, l in zip(rows, tops, lefts)])
    return patches, roi_patches
