"""Preprocessed images as the network's float tensors, from a PNG file or from memory.

The preprocess stage writes each image as a 16-bit grayscale PNG (``images/<image_id>.png``, the
display values in [0, 1] times 65535) and its lung ROI as an 8-bit mask (``rois/<image_id>.png``,
0 or 255). :func:`as_image` turns such values, or display values already in [0, 1], into a
``1 x H x W`` float32 tensor in [0, 1], resized by area averaging when a size is asked for;
:func:`load_image` is the same for a file. Reading a PNG and passing its array to :func:`as_image`
gives the same tensor, bit for bit, as :func:`load_image`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

__all__ = ["as_image", "load_image", "roi_path_of"]


def as_image(values: Any, size: tuple[int, int] | None = None) -> torch.Tensor:
    """A preprocessed image (or ROI mask) as a ``1 x H x W`` float32 tensor in [0, 1].

    Parameters
    ----------
    values : array-like or Tensor
        ``H x W`` or ``1 x H x W``. Integer values are PNG values: divided by 65535 when the
        array is ``uint16`` or holds a value above 255, else by 255 (8-bit images and ROI masks).
        Floating-point values are display values already in [0, 1] and are kept as they are;
        booleans (a ROI mask) become 0 and 1.
    size : tuple of int, optional
        ``(H, W)`` to resize to by area averaging (what a whole-image model is trained on);
        ``None`` keeps the full resolution.

    Returns
    -------
    Tensor
        ``1 x H x W`` float32.

    Raises
    ------
    ValueError
        When the shape is not ``H x W`` or ``1 x H x W``, or floating-point values are not finite
        or lie outside [0, 1].

    Examples
    --------
    >>> as_image(np.array([[0, 65535]], np.uint16)).tolist()
    [[[0.0, 1.0]]]
    >>> as_image(np.array([[0, 255]], np.uint8)).tolist()
    [[[0.0, 1.0]]]
    >>> as_image(np.full((4, 4), 0.25), size=(2, 2)).shape
    torch.Size([1, 2, 2])
    """
    array = values.numpy() if isinstance(values, torch.Tensor) else np.asarray(values)
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2:
        raise ValueError(f"expected an H x W or 1 x H x W image, got shape {array.shape}")
    if array.dtype == np.bool_:
        array = array.astype(np.float32)
    elif np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all() or array.min() < 0.0 or array.max() > 1.0:
            raise ValueError("a floating-point image must hold finite display values in [0, 1]")
        array = array.astype(np.float32)
    else:
        scale = 65535.0 if array.dtype == np.uint16 or array.max() > 255 else 255.0
        array = array.astype(np.float32) / scale
    tensor = torch.from_numpy(array)[None]
    if size is not None and tuple(tensor.shape[-2:]) != tuple(size):
        tensor = F.interpolate(tensor[None], size=tuple(size), mode="area")[0]
    return tensor


def load_image(path: str | Path, size: tuple[int, int] | None = None) -> torch.Tensor:
    """A preprocessed PNG (16-bit image or 8-bit ROI mask) as :func:`as_image` returns it.

    Parameters
    ----------
    path : str or Path
        The PNG file.
    size : tuple of int, optional
        ``(H, W)`` to resize to by area averaging; ``None`` keeps the full resolution.
    """
    with Image.open(path) as handle:
        array = np.asarray(handle)
    return as_image(array, size)


def roi_path_of(image_path: str | Path) -> Path:
    """The ROI mask the preprocess stage wrote beside a preprocessed image.

    >>> roi_path_of("data/processed/images/CXR0001.png").as_posix()
    'data/processed/rois/CXR0001.png'
    """
    image_path = Path(image_path)
    return image_path.parent.parent / "rois" / image_path.name
