"""The sharpness degradations are matched by their MTF50, as the simulator's docstring promises.

The simulated readers score sharpness from the equivalent Gaussian sigma alone, whichever kind of
blur was drawn; that is only fair if every kind at a given sigma takes away as much detail as the
Gaussian does. The MTF is measured the way it is for any system, shift-variant or anisotropic
ones included: the radial average of the power transfer of white noise.
"""

from functools import lru_cache

import numpy as np
import pytest

from cxrqa.simulate.degrade import SHARPNESS_DEGRADATIONS, Degradation, blur

SIZE = 384


def _degradation(kind: str, sigma: float) -> Degradation:
    return Degradation(
        gray_level_kind="gamma", sharpness_kind=kind, gray_level_severity=0.0, sharpness_severity=0.5,
        blur_sigma_px=sigma, motion_angle_deg=35.0, dose_factor=1.0, window_factor=1.0, gamma=1.0,
    )


@lru_cache(maxsize=None)  # the same (kind, sigma) serves several tests
def orientation_averaged_mtf50(kind: str, sigma: float, repeats: int = 3) -> float:
    """Frequency (cycles/px) where the radially averaged MTF of ``kind`` at ``sigma`` is 0.5."""
    rng = np.random.default_rng(7)
    window = np.hanning(SIZE - 128)
    window = window[:, None] * window[None]
    inner = slice(64, SIZE - 64)  # away from the borders the blur pads
    passed = given = 0.0
    for _ in range(repeats):
        noise = rng.standard_normal((SIZE, SIZE)).astype(np.float32)
        blurred = blur(noise, _degradation(kind, sigma))
        given = given + np.abs(np.fft.fft2(noise[inner, inner] * window)) ** 2
        passed = passed + np.abs(np.fft.fft2(blurred[inner, inner] * window)) ** 2
    mtf = np.sqrt(passed / given)
    freq = np.fft.fftfreq(SIZE - 128)
    radius = np.hypot(freq[:, None], freq[None]).ravel()
    edges = np.linspace(0.0, 0.5, 101)
    which = np.digitize(radius, edges)
    profile = np.array([mtf.ravel()[which == i].mean() for i in range(1, len(edges))])
    centres = (edges[:-1] + edges[1:]) / 2
    first_below = int(np.argmax(profile < 0.5))
    return float(np.interp(0.5, profile[first_below::-1], centres[first_below::-1]))


def test_the_measurement_recovers_a_gaussians_mtf50():
    # Gaussian MTF exp(-2 pi^2 sigma^2 f^2) halves at sqrt(2 ln 2) / (2 pi sigma).
    assert orientation_averaged_mtf50("focal_blur", 3.0) == pytest.approx(np.sqrt(2 * np.log(2)) / (2 * np.pi * 3.0), rel=0.02)


@pytest.mark.parametrize("sigma", [1.5, 3.0, 6.0])
@pytest.mark.parametrize("kind", [k for k in SHARPNESS_DEGRADATIONS if k != "focal_blur"])
def test_every_kind_of_blur_matches_the_gaussian_of_its_sigma(kind, sigma):
    gaussian = orientation_averaged_mtf50("focal_blur", sigma)
    assert orientation_averaged_mtf50(kind, sigma) == pytest.approx(gaussian, rel=0.08)


def test_more_sigma_is_blurrier_for_every_kind():
    for kind in SHARPNESS_DEGRADATIONS:
        values = [orientation_averaged_mtf50(kind, sigma) for sigma in (1.5, 3.0, 6.0)]
        assert values[0] > values[1] > values[2], kind
