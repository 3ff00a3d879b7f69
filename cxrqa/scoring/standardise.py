"""Standardisation: how a preprocessed display image in [0, 1] becomes the network's input.

Training and scoring call the same :func:`standardise` with the mode the checkpoint records
(:attr:`cxrqa.scoring.InputSpec.standardisation`), so a model sees at scoring time exactly the
values it was trained on.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage

__all__ = ["LOCAL_SIGMA", "STANDARDISATIONS", "standardise"]

#: The standardisation modes :func:`standardise` knows.
STANDARDISATIONS = ("fixed", "per_image", "local")

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

    Parameters
    ----------
    image : Tensor
        ``... x H x W`` float values in [0, 1] (:func:`cxrqa.scoring.as_image`).
    mode : {"fixed", "per_image", "local"}
        One of :data:`STANDARDISATIONS`.

    Returns
    -------
    Tensor
        Float32, the shape of ``image``.

    Raises
    ------
    ValueError
        When ``mode`` is not one of :data:`STANDARDISATIONS`.

    References
    ----------
    .. [1] Kang L, Ye P, Li Y, Doermann D (2014) Convolutional neural networks for no-reference
       image quality assessment. CVPR, 1733-1740 (local normalisation of the input patches).

    Examples
    --------
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
    raise ValueError(f"unknown standardisation {mode!r}; use {', '.join(repr(m) for m in STANDARDISATIONS)}")
