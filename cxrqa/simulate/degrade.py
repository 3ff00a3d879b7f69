"""Degradations of known severity, one family per quality dimension.

An image's latent quality per dimension, ``q`` in [1, 10], fixes a severity ``s = (10 - q) / 9``
that drives one degradation chosen per image from each family:

gray-level
    ``underexposure`` (quantum noise from a lower photon count), ``overexposure`` (detector
    saturation that burns out the lungs: a share of the body that grows with severity),
    ``low_contrast`` (a window too wide, a flat image),
    ``high_contrast`` (a window too narrow, clipping lungs and mediastinum) and ``gamma`` (a
    wrong tone curve, too dark or too light).
sharpness
    ``focal_blur`` (Gaussian point-spread of a large focal spot or a thick scintillator),
    ``motion`` (linear patient motion in a random direction) and ``oversmoothing`` (a coarse
    effective sampling, as from binning or heavy noise reduction).

Within a family the parameters are matched through an equivalent Gaussian blur sigma (sharpness,
by the spatial frequency where the MTF falls to 50 %) or an equivalent loss of usable contrast
(gray-level), so that equal severities look about equally bad whichever member is drawn. For
sharpness the match is of the orientation-averaged MTF50 (a motion blur is anisotropic, a coarse
sampling is not shift-invariant, so the MTF is measured as the radial average of the
noise-power transfer) and holds within 8 % for sigma from 1.5 to 8 pixels
(``tests/simulate/test_degrade.py``). The constants were fitted that way: a coarse-sampling
factor of :data:`OVERSMOOTHING_FACTOR` sigma (the box alone would need 2.8 sigma, but the linear
reconstruction halves the MTF50 again) and a motion length of :data:`MOTION_LENGTH_FACTOR` times
the blur beyond the fixed base blur the motion path keeps.

References
----------
.. [1] European Commission (1996) European guidelines on quality criteria for diagnostic
   radiographic images, EUR 16260 (the criteria the paper's categories follow).
.. [2] Samei E, Flynn MJ, Reimann DA (1998) A method for measuring the presampled MTF of digital
   radiographic systems using an edge test device. Med Phys 25:102-113 (MTF50 as blur summary).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

from cxrqa.simulate.resample import resize

__all__ = [
    "GRAY_LEVEL_DEGRADATIONS",
    "SHARPNESS_DEGRADATIONS",
    "Degradation",
    "apply_degradations",
    "blur",
    "severity_from_quality",
]

GRAY_LEVEL_DEGRADATIONS = ("underexposure", "overexposure", "low_contrast", "high_contrast", "gamma")
SHARPNESS_DEGRADATIONS = ("focal_blur", "motion", "oversmoothing")

#: Coarse-sampling box of over-smoothing, in units of the equivalent Gaussian sigma (MTF50 match).
OVERSMOOTHING_FACTOR = 1.5
#: Motion length per pixel of equivalent Gaussian sigma beyond :data:`_MOTION_BASE_SIGMA` (MTF50 match).
MOTION_LENGTH_FACTOR = 4.7
#: Gaussian blur (pixels) of a flawless film: the focal spot and detector every kind keeps.
_BASE_SIGMA = 0.6
#: Gaussian (pixels) that anti-aliases the rasterised motion line.
_MOTION_KERNEL_SIGMA = 0.5
#: The motion path's fixed blur: the base blur and the kernel's anti-aliasing together.
_MOTION_BASE_SIGMA = float(np.hypot(_BASE_SIGMA, _MOTION_KERNEL_SIGMA))

#: Share of the body an overexposure of severity 1 burns out (saturates), thinnest tissue first.
OVEREXPOSURE_BURN_SHARE = 0.6
#: Photon count per pixel behind air for a well-exposed film; sets the noise at severity 0.
_FULL_DOSE_COUNTS = 60000.0
#: Attenuation scale between the phantom's units and the detector's log signal.
_MU = 1.6


@dataclass(frozen=True)
class Degradation:
    """What was done to one image, recorded in ``truth.csv``.

    Attributes
    ----------
    gray_level_kind, sharpness_kind : str
        Members of :data:`GRAY_LEVEL_DEGRADATIONS` and :data:`SHARPNESS_DEGRADATIONS`.
    gray_level_severity, sharpness_severity : float
        Severities in [0, 1].
    blur_sigma_px : float
        Equivalent Gaussian sigma of the sharpness degradation, in output pixels.
    motion_angle_deg : float
        Direction of motion blur (only meaningful for ``motion``).
    dose_factor : float
        Photon count relative to a well-exposed film.
    window_factor : float
        Display window width relative to the ideal one.
    gamma : float
        Exponent of the display tone curve.
    """

    gray_level_kind: str
    sharpness_kind: str
    gray_level_severity: float
    sharpness_severity: float
    blur_sigma_px: float
    motion_angle_deg: float
    dose_factor: float
    window_factor: float
    gamma: float


def severity_from_quality(quality: float) -> float:
    """Map a latent quality in [1, 10] to a severity in [0, 1] (10 is flawless).

    >>> severity_from_quality(10.0), severity_from_quality(1.0)
    (0.0, 1.0)
    """
    if not 1.0 <= quality <= 10.0:
        raise ValueError(f"latent quality must lie in [1, 10], got {quality}")
    return (10.0 - quality) / 9.0


def draw_degradation(
    gray_level_quality: float,
    sharpness_quality: float,
    rng: np.random.Generator,
    *,
    gray_level_kind: str | None = None,
    sharpness_kind: str | None = None,
) -> Degradation:
    """Choose the degradation kinds and their parameters for one image.

    Parameters
    ----------
    gray_level_quality, sharpness_quality : float
        Latent qualities in [1, 10]; they fix the severities.
    rng : numpy.random.Generator
        Source of the kinds, the tone-curve direction and the motion angle.
    gray_level_kind, sharpness_kind : str, optional
        Force a kind (a member of :data:`GRAY_LEVEL_DEGRADATIONS` or
        :data:`SHARPNESS_DEGRADATIONS`), as a planted fault does. The kinds are drawn all the
        same and then replaced, so ``None`` gives exactly the draws of an unforced call and a
        forced kind leaves the other fields' draws (motion angle, the other kind) as they were.

    Returns
    -------
    Degradation
    """
    s_gray = severity_from_quality(gray_level_quality)
    s_sharp = severity_from_quality(sharpness_quality)
    drawn_gray = str(rng.choice(GRAY_LEVEL_DEGRADATIONS, p=(0.3, 0.15, 0.2, 0.15, 0.2)))
    drawn_sharp = str(rng.choice(SHARPNESS_DEGRADATIONS, p=(0.45, 0.3, 0.25)))
    gray_kind = drawn_gray if gray_level_kind is None else _member(gray_level_kind, GRAY_LEVEL_DEGRADATIONS)
    sharp_kind = drawn_sharp if sharpness_kind is None else _member(sharpness_kind, SHARPNESS_DEGRADATIONS)
    # The tone-curve direction is drawn where an unforced call draws it (after the kinds, only for
    # a drawn gamma), so that forcing a kind never shifts the motion angle's draw.
    gamma_sign = rng.choice((-1.0, 1.0)) if drawn_gray == "gamma" else None
    motion_angle = float(rng.uniform(0.0, 180.0))
    if gray_kind == "gamma" and gamma_sign is None:
        gamma_sign = rng.choice((-1.0, 1.0))
    # Sharpness: sigma 0.6 px for a flawless film, about 3 px at q = 7, about 9 px at q = 3.
    sigma = _BASE_SIGMA + 11.0 * s_sharp**1.25
    # Gray level: a mild residual deviation even at severity 0 keeps films from being identical.
    dose = 1.0
    window = 1.0
    gamma = 1.0
    if gray_kind == "underexposure":
        dose = 10.0 ** (-4.2 * s_gray)
    elif gray_kind == "overexposure":
        dose = 1.0 + 2.5 * s_gray
    elif gray_kind == "low_contrast":
        window = 1.0 + 5.0 * s_gray
    elif gray_kind == "high_contrast":
        window = 1.0 / (1.0 + 4.0 * s_gray)
    else:
        gamma = float(np.exp(gamma_sign * 2.2 * s_gray))
    return Degradation(
        gray_level_kind=gray_kind,
        sharpness_kind=sharp_kind,
        gray_level_severity=float(s_gray),
        sharpness_severity=float(s_sharp),
        blur_sigma_px=float(sigma),
        motion_angle_deg=motion_angle,
        dose_factor=float(dose),
        window_factor=float(window),
        gamma=float(gamma),
    )


def _member(kind: str, kinds: tuple[str, ...]) -> str:
    if kind not in kinds:
        raise ValueError(f"unknown degradation kind {kind!r}; known: {', '.join(kinds)}")
    return kind


def _motion_kernel(length: float, angle_deg: float) -> np.ndarray:
    """Normalised line kernel of ``length`` pixels at ``angle_deg``, anti-aliased."""
    size = int(np.ceil(length)) | 1
    kernel = np.zeros((size, size), dtype=np.float32)
    centre = size // 2
    steps = max(int(length * 4), 2)
    t = np.linspace(-length / 2, length / 2, steps)
    angle = np.deg2rad(angle_deg)
    rr = centre + t * np.sin(angle)
    cc = centre + t * np.cos(angle)
    np.add.at(kernel, (np.clip(np.round(rr).astype(int), 0, size - 1), np.clip(np.round(cc).astype(int), 0, size - 1)), 1.0)
    kernel = ndimage.gaussian_filter(kernel, _MOTION_KERNEL_SIGMA)
    return kernel / kernel.sum()


def blur(attenuation: np.ndarray, degradation: Degradation) -> np.ndarray:
    """The sharpness degradation of ``degradation`` applied to a projected attenuation map."""
    sigma = degradation.blur_sigma_px
    if degradation.sharpness_kind == "focal_blur" or sigma < 0.8:
        return ndimage.gaussian_filter(attenuation, sigma)
    if degradation.sharpness_kind == "motion":
        # A line of length L halves the MTF near 0.6 / L cycles/px along it and not at all across
        # it; the length is set so that the orientation-averaged MTF50 is the Gaussian's.
        base = ndimage.gaussian_filter(attenuation, _BASE_SIGMA)
        length = MOTION_LENGTH_FACTOR * float(np.sqrt(max(sigma**2 - _MOTION_BASE_SIGMA**2, 0.0)))
        kernel = _motion_kernel(length, degradation.motion_angle_deg)
        pad = kernel.shape[0] // 2
        padded = np.pad(base, pad, mode="edge")
        return signal.fftconvolve(padded, kernel, mode="valid").astype(np.float32)
    # Over-smoothing: coarse sampling (a box of OVERSMOOTHING_FACTOR sigma) then linear reconstruction.
    factor = max(OVERSMOOTHING_FACTOR * sigma, 1.0)
    rows, cols = attenuation.shape
    box = ndimage.uniform_filter(attenuation, int(round(factor)))
    small = resize(box, max(int(rows / factor), 8), max(int(cols / factor), 8))
    return ndimage.gaussian_filter(resize(small, rows, cols), _BASE_SIGMA)


def _thinned(values: np.ndarray, at_most: int = 200_000) -> np.ndarray:
    """Every k-th of ``values``, k the smallest step leaving about ``at_most`` of them: the
    quantiles of a film's body pixels from a regular sample, at a fraction of the sorting cost."""
    return values[:: max(values.size // at_most, 1)]


def _saturation(attenuation: np.ndarray, body_mask: np.ndarray, degradation: Degradation) -> float:
    """The detector's saturation level in counts for this film.

    At full dose only direct exposure (attenuation below 0.15) saturates. An overexposed film
    also burns out the thinnest :data:`OVEREXPOSURE_BURN_SHARE` x severity of the body (the lungs
    first): the share, not an attenuation, is fixed, so that equal severities burn out as much of
    a phantom as of a real base film, whose attenuation scales differ.
    """
    saturation = _FULL_DOSE_COUNTS * np.exp(-_MU * 0.15)
    severity = degradation.gray_level_severity
    if degradation.gray_level_kind != "overexposure" or severity <= 0.0:
        return float(saturation)
    burnt_below = np.quantile(_thinned(attenuation[body_mask]), OVEREXPOSURE_BURN_SHARE * severity)
    return float(min(saturation, _FULL_DOSE_COUNTS * degradation.dose_factor * np.exp(-_MU * burnt_below)))


def apply_degradations(
    attenuation: np.ndarray,
    body_mask: np.ndarray,
    degradation: Degradation,
    rng: np.random.Generator,
) -> np.ndarray:
    """Turn a clean attenuation map into a degraded display image in [0, 1].

    Order of the physics: the sharpness degradation blurs the projected anatomy (focal spot and
    motion act before detection), the detector counts photons with Poisson noise and saturates,
    the log signal is windowed and passed through a tone curve.

    Parameters
    ----------
    attenuation : ndarray
        Projected attenuation, 0 for air.
    body_mask : ndarray of bool
        Pixels inside the patient, where the display window is chosen.
    degradation : Degradation
        Parameters of both degradations.
    rng : numpy.random.Generator
        Source of the quantum noise.

    Returns
    -------
    ndarray of float32
        Display values, 0 = black (air), 1 = white (dense bone), MONOCHROME2 sense.
    """
    blurred = blur(attenuation.astype(np.float32, copy=False), degradation)
    counts = _FULL_DOSE_COUNTS * degradation.dose_factor * np.exp(-_MU * blurred)
    noisy = counts + np.sqrt(counts) * rng.standard_normal(counts.shape, dtype=np.float32)
    noisy = np.clip(noisy, 1.0, _saturation(blurred, body_mask, degradation))
    signal = -np.log(noisy / (_FULL_DOSE_COUNTS * degradation.dose_factor)) / _MU
    low, high = np.percentile(_thinned(signal[body_mask]), (0.5, 99.7))
    centre, width = (low + high) / 2, (high - low) * degradation.window_factor
    display = np.clip((signal - (centre - width / 2)) / width, 0.0, 1.0)
    if degradation.gamma != 1.0:
        display = display**degradation.gamma
    return display.astype(np.float32)
