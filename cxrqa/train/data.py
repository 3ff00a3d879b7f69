"""Training data: preprocessed images, ROI masks, splits and the readers' MOS, in memory.

The preprocess stage writes 16-bit PNGs (``images/<image_id>.png``) and 8-bit ROI masks
(``rois/<image_id>.png``); the split stage writes ``splits.csv`` (``image_id, split``). The MOS per
image and dimension is the mean of the readers' scores in ``ratings.csv``. Images are read and
resized once to the network's input size (area averaging; a patch model keeps the full
resolution), standardised as the checkpoint will record it, and kept in memory as float32; reading
and standardisation are those of scoring (:func:`cxrqa.scoring.load_image`,
:func:`cxrqa.scoring.standardise`), so a model is scored on the inputs it was trained on.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from cxrqa.io.tables import mos_by_image, read_ratings, read_splits
from cxrqa.scoring import InputSpec, load_image

__all__ = ["ImageSet", "load_image_set"]


@dataclass
class ImageSet:
    """Images of some splits with their targets, ready for training or validation.

    Attributes
    ----------
    image_ids : list of str
    images : Tensor
        ``N x C x H x W`` float32, the network's inputs (:meth:`cxrqa.scoring.InputSpec.network_input`).
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

    def fingerprint(self) -> str:
        """SHA-256 (hexadecimal) of the ids, inputs, targets and ROI masks, byte for byte."""
        digest = hashlib.sha256("\n".join(self.image_ids).encode())
        for tensor in (self.images, self.targets, self.rois):
            if tensor is not None:
                digest.update(str(tuple(tensor.shape)).encode())
                digest.update(memoryview(tensor.detach().cpu().contiguous().numpy()).cast("B"))
        return digest.hexdigest()


def load_image_set(
    processed: str | Path,
    ratings_path: str | Path,
    dimension: str,
    splits: tuple[str, ...],
    spec: InputSpec,
) -> ImageSet:
    """Load the images of ``splits`` as ``spec`` makes network inputs, with their MOS for ``dimension``.

    A whole-image model's inputs (and the ROI masks) are at ``spec.input_size``; a patch model's
    at full resolution.

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
        loaded = pool.map(lambda i: spec.network_input(load_image(processed / "images" / f"{i}.png", spec.load_size)), chosen)
        images = torch.stack(list(loaded))
        roi_paths = [processed / "rois" / f"{i}.png" for i in chosen]
        rois = None
        if all(path.exists() for path in roi_paths):
            rois = torch.stack(list(pool.map(lambda path: load_image(path, spec.resize_to), roi_paths)))
    targets = torch.tensor(mos.loc[chosen, dimension].to_numpy(), dtype=torch.float32)
    return ImageSet(chosen, images.contiguous(), targets, rois)
