"""Synthetic radiograph-like images for the baseline tests: a textured pattern with edges."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage


def make_pattern(shape=(192, 128), seed: int = 0) -> np.ndarray:
    """Smooth background, a bright 'mediastinum' band, 'rib' stripes and fine texture, in [0.1, 0.9]."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    image = 0.35 + 0.1 * np.sin(rows / 17.0)
    image = image + 0.25 * (np.abs(cols - shape[1] / 2) < shape[1] / 10)
    image = image + 0.12 * ((rows // 12) % 2)
    image = image + 0.08 * ndimage.gaussian_filter(rng.standard_normal(shape), 1.0)
    return np.clip(image, 0.1, 0.9)


@pytest.fixture
def pattern() -> np.ndarray:
    return make_pattern()


@pytest.fixture
def lung_mask() -> np.ndarray:
    """Two rectangular 'lungs' either side of the central band."""
    mask = np.zeros((192, 128), dtype=bool)
    mask[30:170, 10:50] = True
    mask[30:170, 78:118] = True
    return mask
