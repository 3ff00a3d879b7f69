"""Random training patches and the tiling that scores a whole image with a patch-trained model.

A model trained on ``h x w`` patches of full-resolution images (``train.input: patch``) sees, at
inference, the whole image cut into ``h x w`` tiles that cover it (the last row and column of
tiles overlap their neighbours when the image is not a multiple of the tile size); the image's
score is the mean of its tiles' scores. This keeps the SiPNets' global max pooling over the same
extent in training and scoring (Kang et al. 2014 and Bosse et al. 2018 score images the same way).

References
----------
.. [1] Kang L, Ye P, Li Y, Doermann D (2014) Convolutional neural networks for no-reference image
   quality assessment. CVPR, 1733-1740.
.. [2] Bosse S et al. (2018) Deep neural networks for no-reference and full-reference image quality
   assessment. IEEE Trans Image Process 27:206-219.
"""

from __future__ import annotations

import torch

__all__ = ["random_patches", "tile", "tile_starts"]


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


def random_patches(
    images: torch.Tensor, size: tuple[int, int], generator: torch.Generator, rois: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One random ``h x w`` patch per image of an ``N x C x H x W`` batch (and of its ROI masks)."""
    n, _, height, width = images.shape
    h, w = size
    if h > height or w > width:
        raise ValueError(f"patch {h}x{w} is larger than the images ({height}x{width})")
    tops = torch.randint(0, height - h + 1, (n,), generator=generator).tolist()
    lefts = torch.randint(0, width - w + 1, (n,), generator=generator).tolist()
    patches = torch.stack([images[i, :, t : t + h, l : l + w] for i, (t, l) in enumerate(zip(tops, lefts))])
    roi_patches = None
    if rois is not None:
        roi_patches = torch.stack([rois[i, :, t : t + h, l : l + w] for i, (t, l) in enumerate(zip(tops, lefts))])
    return patches, roi_patches
