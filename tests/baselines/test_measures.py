"""Classical measures move the right way with blur, noise, contrast and clipping."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from cxrqa.baselines import measures as m
from cxrqa.baselines.features import feature_names, image_features

BLURS = (0.0, 1.0, 2.0, 4.0)


def _blurred(image, sigma):
    return image if sigma == 0 else ndimage.gaussian_filter(image, sigma)


def _strictly(values, direction):
    steps = np.diff(values)
    return bool(np.all(steps > 0)) if direction == "up" else bool(np.all(steps < 0))


@pytest.mark.parametrize(
    ("measure", "direction"),
    [
        (m.laplacian_variance, "down"),
        (m.crete_blur, "up"),
        (m.edge_width, "up"),
    ],
)
@pytest.mark.parametrize("use_mask", [False, True])
def test_sharpness_measures_follow_blur(pattern, lung_mask, measure, direction, use_mask):
    mask = lung_mask if use_mask else None
    values = [measure(_blurred(pattern, s), mask) for s in BLURS]
    assert _strictly(values, direction), values


def test_cpbd_drops_with_blur(pattern):
    values = [m.cpbd(_blurred(pattern, s)) for s in BLURS]
    assert values[0] > 0.5 and values[-1] < 0.1, values
    assert all(a >= b for a, b in zip(values, values[1:])), values


@pytest.mark.parametrize("estimator", [m.immerkaer_sigma, m.wavelet_sigma])
def test_noise_estimates_rise_with_noise_and_match_on_flat_images(pattern, estimator):
    rng = np.random.default_rng(1)
    values = [estimator(pattern + rng.normal(0, s, pattern.shape)) for s in (0.0, 0.01, 0.03, 0.1)]
    assert _strictly(values, "up"), values
    flat = 0.5 + rng.normal(0, 0.02, (256, 256))
    assert estimator(flat) == pytest.approx(0.02, rel=0.05)


def test_wavelet_sigma_matches_pywavelets_haar_band():
    import pywt
    from skimage.restoration import estimate_sigma

    image = 0.5 + np.random.default_rng(2).normal(0, 0.03, (128, 96))
    haar = np.median(np.abs(pywt.dwtn(image, "db1")["dd"])) / 0.6744897501960817
    assert m.wavelet_sigma(image) == pytest.approx(haar, rel=1e-9)
    # and it estimates the same noise as scikit-image's db2 version, to sampling error
    assert m.wavelet_sigma(image) == pytest.approx(estimate_sigma(image), rel=0.06)


def test_noise_inside_mask_only(pattern, lung_mask):
    noisy = pattern.copy()
    rng = np.random.default_rng(3)
    noisy[lung_mask] += rng.normal(0, 0.05, lung_mask.sum())
    inside, outside = m.immerkaer_sigma(noisy, lung_mask), m.immerkaer_sigma(noisy, ~lung_mask)
    assert inside > 0.04 and outside < 0.02


def test_gray_level_measures_follow_contrast_and_clipping(pattern):
    low = 0.5 + 0.3 * (pattern - 0.5)
    assert m.rms_contrast(low) == pytest.approx(0.3 * m.rms_contrast(pattern))
    assert m.entropy(low) < m.entropy(pattern)
    p = m.percentiles(low, q=(1, 99))
    q = m.percentiles(pattern, q=(1, 99))
    assert p["p99"] - p["p1"] == pytest.approx(0.3 * (q["p99"] - q["p1"]))
    bright = np.clip(pattern + 0.3, 0, 1)
    assert m.clipped_fraction(bright)[1] > 0.05 and m.clipped_fraction(pattern) == (0.0, 0.0)
    assert m.histogram_spread(bright) != pytest.approx(m.histogram_spread(pattern))


def test_small_masks_give_nan_and_bad_inputs_raise(pattern):
    tiny = np.zeros(pattern.shape, dtype=bool)
    tiny[:2, :2] = True
    assert np.isnan(m.laplacian_variance(pattern, tiny)) and np.isnan(m.crete_blur(pattern, tiny))
    with pytest.raises(ValueError, match="mask shape"):
        m.entropy(pattern, np.ones((3, 3), bool))
    with pytest.raises(ValueError, match="2-D"):
        m.rms_contrast(np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="NaN"):
        m.rms_contrast(np.full((8, 8), np.nan))


def test_image_features_columns_and_roi(pattern, lung_mask):
    values = image_features(pattern, lung_mask)
    assert list(values) == feature_names(brisque=False)
    assert np.isfinite(list(values.values())).all()
    assert values["mean_roi"] == pytest.approx(pattern[lung_mask].mean())
    assert values["mean_image"] == pytest.approx(pattern.mean())


def test_table_edge_columns_match_the_single_measures(pattern, lung_mask):
    values = image_features(pattern, lung_mask)
    assert values["edge_width_roi"] == m.edge_width(pattern, lung_mask)
    assert values["cpbd_image"] == m.cpbd(pattern)


@pytest.mark.parametrize("blur", [0.0, 2.0])
def test_canny_edges_are_scikit_images_canny_at_every_threshold_pair(pattern, blur):
    """The shared-step Canny gives ``skimage.feature.canny``'s edges for each threshold pair: at
    percentiles of a gradient magnitude (as the edge widths choose them), at and one rounding step
    above pixels' own gradients in Canny (where a threshold test decides), and at a pair so high
    that no edge survives."""
    from skimage.feature import canny
    from skimage.feature._canny import _preprocess

    image = _blurred(pattern, blur)
    magnitude = np.hypot(ndimage.sobel(image, axis=0), ndimage.sobel(image, axis=1))
    pairs = [np.percentile(magnitude, q) for q in ([70.0, 90.0], [40.0, 95.0], [85.0, 99.0])]
    smoothed, _ = _preprocess(image, None, 1.5, "constant", 0.0)
    own = np.hypot(ndimage.sobel(smoothed, axis=0), ndimage.sobel(smoothed, axis=1))
    for value in np.percentile(own, [60.0, 75.0, 90.0], method="nearest"):
        pairs += [(value, 1.5 * value), (np.nextafter(value, np.inf), 1.5 * value), (np.nextafter(value, 0.0), value)]
    pairs += [(10.0, 20.0)]
    shared = m.canny_edges(image, 1.5, pairs)
    for (low, high), edges in zip(pairs, shared):
        expected = canny(image, sigma=1.5, low_threshold=low, high_threshold=high)
        assert edges.dtype == bool and np.array_equal(edges, expected), (low, high)
    assert shared[0].any() and not shared[-1].any()


def test_canny_edges_without_scikit_images_private_steps_fall_back_to_canny(pattern, monkeypatch):
    import sys

    from skimage.feature import canny

    monkeypatch.setitem(sys.modules, "skimage.feature._canny_cy", None)  # the import then fails
    edges = m.canny_edges(pattern, 1.5, [(0.05, 0.1)])
    assert np.array_equal(edges[0], canny(pattern, sigma=1.5, low_threshold=0.05, high_threshold=0.1))
