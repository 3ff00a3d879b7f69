"""BRISQUE runs offline with the model shipped in the ``brisque`` wheel and ranks distortions."""

from __future__ import annotations

import os

import numpy as np
import pytest
from scipy import ndimage

pytest.importorskip("brisque")
pytest.importorskip("cv2")

from cxrqa.baselines.brisque import BrisqueScorer, brisque_available  # noqa: E402


def test_model_files_ship_in_the_package():
    from brisque.models import MODEL_PATH

    assert brisque_available()
    assert os.path.getsize(os.path.join(MODEL_PATH, "svm.txt")) > 100_000
    assert os.path.isfile(os.path.join(MODEL_PATH, "normalize.pickle"))


def test_brisque_rises_with_blur_and_noise(pattern):
    scorer = BrisqueScorer()
    blur = [scorer(ndimage.gaussian_filter(pattern, s) if s else pattern) for s in (0, 1.5, 3)]
    assert blur[0] < blur[1] < blur[2], blur
    rng = np.random.default_rng(0)
    noise = [scorer(np.clip(pattern + rng.normal(0, s, pattern.shape), 0, 1)) for s in (0.0, 0.05, 0.15)]
    assert noise[0] < noise[1] < noise[2], noise
    assert len(scorer.features(pattern)) == 36


def test_brisque_rejects_colour_input(pattern):
    with pytest.raises(ValueError, match="2-D"):
        BrisqueScorer()(np.stack([pattern] * 3, axis=-1))


def test_separable_mscn_matches_the_package_2d_convolution(pattern):
    """The two 1-D passes give the package's coefficients, and so its features and score."""
    import brisque.brisque as module

    from cxrqa.baselines.brisque import separable_mscn

    package = module.BRISQUE(url=False)
    rng = np.random.default_rng(1)
    for image in (pattern, rng.random((37, 52))):
        expected = package.calculate_mscn_coefficients(image, 7, 7 / 6)
        np.testing.assert_allclose(separable_mscn(image, 7, 7 / 6), expected, rtol=0, atol=1e-9)
    ours = BrisqueScorer()
    original = [float(np.ravel(v)[0]) for v in package.calculate_brisque_features(pattern, kernel_size=7, sigma=7 / 6)]
    np.testing.assert_allclose(ours.features(pattern)[:18], original, rtol=1e-9)
    with pytest.raises(ValueError, match="odd"):
        separable_mscn(pattern, 6)


def test_aggd_fit_gives_the_package_fit_bit_for_bit(pattern):
    """Our one-pass AGGD fit returns the package's values, the same bits, for each of the five
    coefficient maps the features are fitted on (MSCN and its four pair products), on a smooth
    pattern, on noise, and on a clipped image whose flat regions give exact zeros."""
    import brisque.brisque as module

    from cxrqa.baselines.brisque import aggd_fit, separable_mscn

    package = module.BRISQUE(url=False)
    rng = np.random.default_rng(2)
    clipped = np.clip(pattern * 1.8 - 0.4, 0.0, 1.0)
    for image in (pattern, rng.random((37, 52)), clipped):
        for name, values in package.calculate_pair_product_coefficients(separable_mscn(image)).items():
            expected, ours = package.asymmetric_generalized_gaussian_fit(values), aggd_fit(values)
            for a, b in zip(expected, ours):
                assert np.asarray(a).shape == np.asarray(b).shape, name
                assert np.array_equal(np.asarray(a), np.asarray(b)), (name, a, b)
