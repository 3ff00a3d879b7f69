"""The detail channel: how much fine structure and noise each region of a film holds at full resolution.

A whole-image model sees a film resized to its input size (192 x 128 by default) by area
averaging, which averages away the quantum noise that tells an underexposed film from a good one
and the missing texture of burnt-out or clipped regions. :func:`detail_map` keeps that
information in a second input channel at the model's size: the local root-mean-square of the
film's high-pass residual, measured at full resolution and area-averaged over each input pixel,
on a log scale (flat, saturated regions have none; noisy regions much). It is the
local-variance measure classical noise estimators start from (Immerkaer 1996 uses a Laplacian
residual; a 3 x 3 mean residual is used here), kept as a map rather than a single number.

References
----------
.. [1] Immerkaer J (1996) Fast noise variance estimation. Computer Vision and Image Understanding
   64:300-302.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["DETAIL_FLOOR", "detail_map"]

#: RMS residual (display units) added before the logarithm: flat regions map to log10 of it.
DETAIL_FLOOR = 1e-4
#: ``(log10(rms) + _LOG_CENTRE) / _LOG_SCALE`` maps the range of films (flat 1e-4 to heavy noise
#: 3e-2) to about -1 to 1, the range of the display channel.
_LOG_CENTRE = 2.5
_LOG_SCALE = 1.5


def detail_map(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """The detail channel of a preprocessed image, at the model's input size.

    Parameters
    ----------
    image : Tensor
        ``1 x H x W`` display values in [0, 1] at full resolution (:func:`cxrqa.scoring.as_image`).
    size : tuple of int
        ``(h, w)`` of the map, at most ``(H, W)``.

    Returns
    -------
    Tensor
        ``1 x h x w`` float32: ``(log10(r + DETAIL_FLOOR) + 2.5) / 1.5`` with ``r`` the RMS, over
        each output pixel's area, of the image minus its 3 x 3 mean.

    Examples
    --------
    >>> flat = detail_map(torch.full((1, 64, 64), 0.5), (16, 16))
    >>> round(float(flat.max()), 3)  # log10(1e-4) = -4
    -1.0
    >>> noisy = detail_map(torch.rand(1, 64, 64, generator=torch.Generator().manual_seed(0)), (16, 16))
    >>> bool(noisy.min() > 0.5)
    True
    """
    if image.ndim != 3 or image.shape[0] != 1:
        raise ValueError(f"expected a 1 x H x W image, got shape {tuple(image.shape)}")
    batch = image[None].float()
    local_mean = F.avg_pool2d(F.pad(batch, (1, 1, 1, 1), mode="reflect"), 3, stride=1)
    energy = F.interpolate((batch - local_mean) ** 2, size=tuple(size), mode="area")
    return ((energy.sqrt() + DETAIL_FLOOR).log10() + _LOG_CENTRE)[0] / _LOG_SCALE
