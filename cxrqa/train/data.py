"""Training data: preprocessed images, ROI masks, splits and the readers' MOS, in memory.

The preprocess stage writes 16-bit PNGs (``images/<image_id>.png``) and 8-bit ROI masks
(``rois/<image_id>.png``); the split stage writes ``splits.csv`` (``image_id, split``). The MOS per
image and dimension is the mean of the readers' scores in ``ratings.csv``. Images are resized once
to the network's input size (area averaging) and kept in memory as float32 in [-1, 1]: a fixed
affine map, not a per-image standardisation, because absolute gray levels are what the gray-level
dimension judges.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from scipy import ndimage

from cxrqa.io.tables import mos_by_image, read_ratings, read_splits

__all__ = ["ImageSet", "load_image", "load_image_set", "standardise"]


#: Gaussian SD (pixels) of the neighbourhood of the ``local`` standardisation.
LOCAL_SIGMA = 4.0


def standardise(image: torch.Tensor, mode: str = "fixed") -> torch.Tensor:
    """Map a display image in [0, 1] (``... x H x W``) to the network's input.

    ``fixed``: ``2 x - 1``, keeping absolute gray levels (what the gray-level dimension judges).
    ``per_image``: zero mean and unit standard deviation per image, so that structure, not the
    film's tone scale, drives the score.
    ``local``: local contrast normalisation, ``(x - mu) / (s + median(s))`` with ``mu`` and ``s``
    the mean and SD in a Gaussian neighbourhood of :data:`LOCAL_SIGMA` pixels (Kang et al. 2014
    normalise NR-IQA patches the same way). Edges then look alike whatever their contrast, window
    or tone curve, and what is left is their profile, which is what blur changes. Kang's constant
    that keeps flat areas from being amplified is here the image's median local SD, so the map is
    free of the display scale.

    References
    ----------
    .. [1] Kang L, Ye P, Li Y, Doermann D (2014) Convolutional neural networks for no-reference
       image quality assessment. CVPR, 1733-1740 (local normalisation of the input patches).

    >>> standardise(torch.tensor([0.0, 0.5, 1.0])).tolist()
    [-1.0, 0.0, 1.0]
    >>> [round(v, 4) for v in standardise(torch.tensor([0.2, 0.4]), "per_image").tolist()]
    [-1.0, 1.0]
    >>> flat = standardise(torch.full((1, 32, 32), 0.3), "local")
    >>> bool(flat.abs().max() < 1e-6)
    True
    """
    if mode == "fixed":
        return image * 2.0 - 1.0
    if mode == "per_image":
        return (image - image.mean()) / image.std(correction=0).clamp_min(1e-6)
    if mode == "local":
        values = image.double().numpy()
        sigma = (0,) * (values.ndim - 2) + (LOCAL_SIGMA, LOCAL_SIGMA)
        mean = ndimage.gaussian_filter(values, sigma, mode="reflect")
        sd = np.sqrt(np.clip(ndimage.gaussian_filter(values * values, sigma, mode="reflect") - mean * mean, 0.0, None))
        floor = np.maximum(np.median(sd, axis=(-2, -1), keepdims=True), 1e-6)  # per 2-D image
        return torch.from_numpy(((values - mean) / (sd + floor)).astype(np.float32))
    raise ValueError(f"unknown standardisation {mode!r}; use 'fixed', 'per_image' or 'local'")


def load_image(path: str | Path, size: tuple[int, int] | None = None) -> torch.Tensor:
    """A preprocessed 16-bit PNG as a ``1 x H x W`` float tensor in [0, 1], optionally resized."""
    with Image.open(path) as handle:
        array = np.asarray(handle)
    scale = 65535.0 if array.dtype == np.uint16 or array.max() > 255 else 255.0
    tensor = torch.from_numpy(array.astype(np.float32) / scale)[None]
    if size is not None and tuple(tensor.shape[-2:]) != tuple(size):
        tensor = F.interpolate(tensor[None], size=tuple(size), mode="area")[0]
    return tensor


@dataclass
class ImageSet:
    """Images of some splits with their targets, ready for training or validation.

    Attributes
    ----------
    image_ids : list of str
    images : Tensor
        ``N x 1 x H x W`` float32 in [-1, 1].
    targets : Tensor
        ``N`` MOS of the chosen dimension.
    rois : Tensor or None
        ``N x 1 x H x W`` float32 ROI masks in [0, 1], when every image has one.
    """

    image_ids: list[str]
    images: torch.Tensor
    targets: torch.Tensor
    rois: torch.Tensor | None

    def __len__(self) -> int:
        return len(self.image_ids)


def load_image_set(
    processed: str | Path,
    ratings_path: str | Path,
    dimension: str,
    splits: tuple[str, ...],
    size: tuple[int, int] | None,
    standardisation: str = "fixed",
) -> ImageSet:
    """Load the images of ``splits`` (resized to ``size`` unless ``None``) with their MOS for ``dimension``.

    Raises
    ------
    ValueError
        When a split is empty or an image has no rating for the dimension.
    """
    processed = Path(processed)
    table = read_splits(processed / "splits.csv")
    chosen = table[table["split"].isin(splits)]["image_id"].tolist()
    if not chosen:
        raise ValueError(f"{processed / 'splits.csv'}: no image in split(s) {', '.join(splits)}")
    mos = mos_by_image(read_ratings(ratings_path))
    if dimension not in mos.columns:
        raise ValueError(f"{ratings_path}: no ratings for dimension '{dimension}'")
    missing = [image_id for image_id in chosen if image_id not in mos.index or np.isnan(mos.at[image_id, dimension])]
    if missing:
        raise ValueError(f"{ratings_path}: no {dimension} rating for {len(missing)} image(s), e.g. {missing[0]}")
    # PNG decoding releases the GIL: a few threads load a thousand images several times faster.
    with ThreadPoolExecutor(max_workers=4) as pool:
        loaded = pool.map(lambda i: standardise(load_image(processed / "images" / f"{i}.png", size), standardisation), chosen)
        images = torch.stack(list(loaded))
        roi_paths = [processed / "rois" / f"{i}.png" for i in chosen]
        rois = None
        if all(path.exists() for path in roi_paths):
            rois = torch.stack(list(pool.map(lambda path: load_image(path, size), roi_paths)))
    targets = torch.tensor(mos.loc[chosen, dimension].to_numpy(), dtype=torch.float32)
    return ImageSet(chosen, images.contiguous(), targets, rois)
