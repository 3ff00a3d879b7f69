"""Input standardisations: what each keeps and what each removes."""

import numpy as np
import pytest
import torch
from scipy import ndimage

from cxrqa.scoring import standardise


@pytest.fixture
def structured():
    """A smooth 'anatomy' with fine structure on top, as a 1 x 128 x 96 display image."""
    rng = np.random.default_rng(0)
    anatomy = ndimage.gaussian_filter(rng.random((128, 96)), 12)
    detail = ndimage.gaussian_filter(rng.random((128, 96)), 1.0)
    image = 0.2 + 0.5 * (anatomy - anatomy.min()) / np.ptp(anatomy) + 0.05 * detail
    return torch.from_numpy(image.astype(np.float32))[None]


def test_per_image_is_zero_mean_unit_sd(structured):
    z = standardise(structured, "per_image")
    assert abs(float(z.mean())) < 1e-5 and float(z.std(correction=0)) == pytest.approx(1.0, abs=1e-4)


def test_local_ignores_window_level_and_width(structured):
    # A display window (gain and offset) changes nothing: only the structure's profile is left.
    reference = standardise(structured, "local")
    windowed = standardise(0.1 + 0.4 * structured, "local")
    assert torch.allclose(reference, windowed, atol=1e-4)
    assert not torch.allclose(standardise(structured, "fixed"), standardise(0.1 + 0.4 * structured, "fixed"), atol=1e-2)


def _fine_to_total(z: torch.Tensor) -> float:
    """Share of an input's variation that lies in its finest scale (Laplacian SD over SD)."""
    values = z.numpy()[0]
    return float(ndimage.laplace(values).std() / values.std())


def test_local_keeps_the_blur_cue_whatever_the_contrast(structured):
    # Blur moves the normalised detail to coarser scales, shown at full or half contrast alike.
    blurred = torch.from_numpy(ndimage.gaussian_filter(structured.numpy(), (0, 2.0, 2.0)))
    sharp = _fine_to_total(standardise(structured, "local"))
    assert _fine_to_total(standardise(0.5 * blurred, "local")) < 0.5 * sharp
    assert _fine_to_total(standardise(0.5 * structured, "local")) == pytest.approx(sharp, rel=1e-4)


def test_local_keeps_batch_dimensions_apart():
    images = torch.rand(2, 1, 40, 40)
    together = standardise(images, "local")
    assert torch.allclose(together[0], standardise(images[0], "local"), atol=1e-5)


def test_unknown_standardisation_is_refused():
    with pytest.raises(ValueError, match="unknown standardisation 'zscore'"):
        standardise(torch.zeros(1, 8, 8), "zscore")
