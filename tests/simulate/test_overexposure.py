"""An overexposure burns out the same share of the body on any base film, whatever its attenuation scale."""

import numpy as np
import pytest

from cxrqa.simulate.degrade import OVEREXPOSURE_BURN_SHARE, Degradation, apply_degradations


def _overexposed(severity: float) -> Degradation:
    return Degradation(
        gray_level_kind="overexposure", sharpness_kind="focal_blur", gray_level_severity=severity, sharpness_severity=0.0,
        blur_sigma_px=0.6, motion_angle_deg=0.0, dose_factor=1.0 + 2.5 * severity, window_factor=1.0, gamma=1.0,
    )


def _burnt_share(scale: float, severity: float) -> float:
    """Share of the body displayed at the detector's saturation level (black, MONOCHROME2)."""
    rows, cols = np.mgrid[0:256, 0:256]
    body = (rows - 128) ** 2 / 120**2 + (cols - 128) ** 2 / 100**2 < 1
    attenuation = np.where(body, scale * (0.3 + 1.5 * rows / 256 + 0.4 * np.sin(cols / 9.0) ** 2), 0.0).astype(np.float32)
    display = apply_degradations(attenuation, body, _overexposed(severity), np.random.default_rng(0))
    return float((display[body] == display[body].min()).mean())


@pytest.mark.parametrize("severity", [0.2, 0.4, 0.6])
def test_the_burnt_share_follows_severity_on_thin_and_thick_bodies(severity):
    thin, thick = _burnt_share(1.0, severity), _burnt_share(2.5, severity)
    expected = OVEREXPOSURE_BURN_SHARE * severity
    assert thin == pytest.approx(expected, abs=0.03) and thick == pytest.approx(expected, abs=0.03)


def test_a_well_exposed_film_burns_out_none_of_the_body():
    assert _burnt_share(1.0, 0.0) < 0.01 and _burnt_share(2.5, 0.0) < 0.01
