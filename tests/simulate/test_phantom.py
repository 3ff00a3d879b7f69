"""The phantom renderer: its shortcuts give the bytes of the plain computation."""

import numpy as np
import pytest
from scipy import ndimage

from cxrqa.simulate.phantom import _blur_sparse, render_phantom


@pytest.mark.parametrize("sigma", [0.9, 1.8, 3.3])
@pytest.mark.parametrize("where", ["centre", "corner", "edges"])
def test_sparse_blur_equals_the_whole_image_filter(sigma, where):
    rng = np.random.default_rng(3)
    layer = np.zeros((120, 96), dtype=np.float32)
    rows, cols = {"centre": (slice(40, 70), slice(30, 60)), "corner": (slice(0, 8), slice(90, 96)), "edges": (slice(0, 120), slice(0, 2))}[where]
    shape = layer[rows, cols].shape
    layer[rows, cols] = np.where(rng.random(shape) < 0.2, rng.uniform(0.2, 1.0, shape), 0.0)  # sparse vessels
    assert layer.any()
    np.testing.assert_array_equal(_blur_sparse(layer, sigma), ndimage.gaussian_filter(layer, sigma))


def test_sparse_blur_of_an_empty_layer_is_zero():
    layer = np.zeros((32, 32), dtype=np.float32)
    blurred = _blur_sparse(layer, 2.0)
    assert blurred.dtype == layer.dtype and not blurred.any()


def test_a_seed_renders_the_same_phantom():
    first = render_phantom(256, 216, np.random.default_rng(11))
    again = render_phantom(256, 216, np.random.default_rng(11))
    assert np.array_equal(first.attenuation, again.attenuation) and np.array_equal(first.lung_mask, again.lung_mask)
    assert first.attenuation.dtype == np.float32 and first.lung_mask.any()
