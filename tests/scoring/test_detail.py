"""The detail channel: noise and burnt-out regions that resizing averages away."""

import numpy as np
import pytest
import torch

from cxrqa.scoring import detail_map


def _film(noise_sd: float, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:256, 0:192]
    anatomy = 0.5 + 0.2 * np.sin(rows / 40.0) * np.cos(cols / 30.0)  # smooth: little 3 x 3 residual
    return torch.from_numpy(np.clip(anatomy + rng.normal(0, noise_sd, anatomy.shape), 0, 1).astype(np.float32))[None]


def test_more_noise_means_more_detail_at_the_model_size():
    quiet, noisy = detail_map(_film(0.005), (64, 48)), detail_map(_film(0.03), (64, 48))
    # the noise SD rises 6x: the log RMS by about log10(6) / 1.5 = 0.52 at every input pixel
    assert float((noisy - quiet).mean()) == pytest.approx(np.log10(6) / 1.5, abs=0.05)
    assert float((noisy - quiet).min()) > 0.4


def test_a_saturated_region_has_no_detail():
    film = _film(0.02)
    film[:, :128] = 0.0  # burnt out (saturated) upper half
    detail = detail_map(film, (64, 48))
    assert torch.allclose(detail[:, :30], torch.tensor(-1.0), atol=1e-3)  # log10(DETAIL_FLOOR) = -4 -> -1
    assert float(detail[:, 34:].min()) > 0.3


def test_rejects_a_batch_or_a_colour_image():
    with pytest.raises(ValueError, match="1 x H x W"):
        detail_map(torch.zeros(2, 64, 64), (16, 16))
