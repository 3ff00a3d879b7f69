"""BRISQUE scores with the model that the PyPI package ``brisque`` ships in its wheel.

``brisque`` (0.2.0) carries its LIVE-trained support vector regressor (``models/svm.txt``) and
feature scaling (``models/normalize.pickle``) inside the package, so scoring needs no download.
Its ``BRISQUE.score`` breaks on NumPy 2 (it calls ``float()`` on one-element arrays) and wants RGB
input; :class:`BrisqueScorer` therefore calls the package's own feature and SVR steps on a
grayscale image and only flattens the features in between. One step is replaced: the package
smooths with its 7 x 7 Gaussian window by a 2-D convolution, which was 60 % of a score; the window
is the outer product of a 1-D Gaussian with itself, so :func:`separable_mscn` applies it as two
1-D passes with the same zero padding, the same coefficients up to float round-off (a test keeps
them within 1e-9 of the package's) in a tenth of the time. Its asymmetric generalised Gaussian fit
is replaced by :func:`aggd_fit`, the same arithmetic with each sum taken once instead of twice
(the same bits, a test checks). Scores run from about 0 (natural, undistorted) upwards (about
100 = heavily distorted): higher is worse.

References
----------
.. [1] Mittal A, Moorthy AK, Bovik AC (2012). No-reference image quality assessment in the
   spatial domain. *IEEE Trans Image Process* 21(12):4695-4708.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
from scipy import ndimage, optimize, special

__all__ = ["BrisqueScorer", "aggd_fit", "brisque_available", "separable_mscn"]

#: The constant the package adds to the local deviation (its ``C``, one 8-bit gray level).
MSCN_CONSTANT = 1.0 / 255.0


def brisque_available() -> bool:
    """Whether the ``brisque`` package and its shipped model files can be loaded."""
    try:
        _load_package()
    except (ImportError, FileNotFoundError):
        return False
    return True


def _load_package():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy.ndimage.filters deprecation inside brisque
        import brisque.brisque as module
        from brisque.models import MODEL_PATH
    for name in ("svm.txt", "normalize.pickle"):
        if not os.path.isfile(os.path.join(MODEL_PATH, name)):
            raise FileNotFoundError(f"brisque package lacks its model file {name} in {MODEL_PATH}")
    return module


def separable_mscn(image: np.ndarray, kernel_size: int = 7, sigma: float = 7 / 6) -> np.ndarray:
    """Mean-subtracted contrast-normalised (MSCN) coefficients, as ``brisque`` defines them.

    ``(I - mu) / (s + C)`` with ``mu`` and ``s`` the local mean and deviation in a normalised
    ``kernel_size`` x ``kernel_size`` Gaussian window of SD ``sigma`` (zeros beyond the border, the
    package's ``convolve2d(..., 'same')``) and ``C`` = 1/255; the window is applied as two 1-D
    passes. The package's own signature, so it can stand in for its
    ``calculate_mscn_coefficients``.

    Raises
    ------
    ValueError
        For an even ``kernel_size`` (the package's window is then off-centre).

    References
    ----------
    .. [1] Mittal A, Moorthy AK, Bovik AC (2012). No-reference image quality assessment in the
       spatial domain. *IEEE Trans Image Process* 21(12):4695-4708, Eq. 1-3.

    Examples
    --------
    >>> flat = separable_mscn(np.full((16, 16), 0.5))
    >>> bool(np.abs(flat[4:-4, 4:-4]).max() < 1e-12)
    True
    """
    if kernel_size % 2 == 0:
        raise ValueError(f"the MSCN window needs an odd size, got {kernel_size}")
    offsets = np.arange(kernel_size) - kernel_size // 2
    window = np.exp(-(offsets**2) / (2 * sigma**2))
    window /= window.sum()

    def smooth(values: np.ndarray) -> np.ndarray:
        rows = ndimage.correlate1d(values, window, axis=0, mode="constant", cval=0.0)
        return ndimage.correlate1d(rows, window, axis=1, mode="constant", cval=0.0)

    image = np.asarray(image, dtype=np.float64)
    mean = smooth(image)
    deviation = np.sqrt(np.abs(mean**2 - smooth(image**2)))
    return (image - mean) / (deviation + MSCN_CONSTANT)


def aggd_fit(values: np.ndarray) -> tuple:
    """Moment-matching fit of an asymmetric generalised Gaussian (AGGD), as ``brisque`` computes it.

    The shape ``alpha`` solves ``phi(alpha) = R_hat`` (``phi(a) = G(2/a)^2 / (G(1/a) G(3/a))``,
    ``R_hat`` the generalised Gaussian ratio corrected by ``gamma = sigma_l / sigma_r``), with
    ``sigma_l`` and ``sigma_r`` the root mean squares of the negative and the non-negative values.
    The package's own ``asymmetric_generalized_gaussian_fit`` takes each of these sums twice; this
    takes it once, in the same order and the same operations, so its bits are the package's. It keeps
    the package's signature and return values (``sigma_l``, ``sigma_r`` and the mean as one-element
    arrays), so it can stand in for it.

    Returns
    -------
    alpha, mean, sigma_l, sigma_r

    References
    ----------
    .. [1] Lasmar NE, Stitou Y, Berthoumieu Y (2009). Multiscale skewed heavy tailed model for
       texture analysis. *Proc ICIP*, 2281-2284.
    .. [2] Mittal A, Moorthy AK, Bovik AC (2012). No-reference image quality assessment in the
       spatial domain. *IEEE Trans Image Process* 21(12):4695-4708, Eq. 7-10.

    Examples
    --------
    >>> alpha, mean, left, right = aggd_fit(np.random.default_rng(0).normal(0, 1, 100_000))
    >>> round(float(alpha), 1), round(float(left[0]), 2), round(float(right[0]), 2)
    (2.0, 1.0, 1.0)
    """
    squares = values**2
    left, right = squares[values < 0], squares[values >= 0]
    left_mean, right_mean = np.sum(left) / left.shape, np.sum(right) / right.shape
    r_hat = (np.sum(np.abs(values)) / values.size) ** 2 / (np.sum(squares) / values.size)
    sigma_l, sigma_r = np.sqrt(left_mean), np.sqrt(right_mean)
    gamma = sigma_l / sigma_r
    big_r_hat = r_hat * ((gamma**3 + 1) * (gamma + 1)) / ((gamma**2 + 1) ** 2)

    def phi(alpha):
        return special.gamma(2 / alpha) ** 2 / (special.gamma(1 / alpha) * special.gamma(3 / alpha))

    alpha = optimize.root(lambda z: phi(z) - big_r_hat, [0.2]).x[0]
    constant = np.sqrt(special.gamma(1 / alpha) / special.gamma(3 / alpha))
    mean = (sigma_r - sigma_l) * constant * (special.gamma(2 / alpha) / special.gamma(1 / alpha))
    return alpha, mean, sigma_l, sigma_r


class BrisqueScorer:
    """BRISQUE score of grayscale images in [0, 1] with the shipped LIVE model.

    Raises
    ------
    ImportError
        When ``brisque`` (or OpenCV, which it needs) is not installed.

    Examples
    --------
    >>> from scipy import ndimage
    >>> scorer = BrisqueScorer()
    >>> rng = np.random.default_rng(0)
    >>> texture = ndimage.gaussian_filter(rng.random((128, 128)), 1.0)
    >>> texture = (texture - texture.min()) / np.ptp(texture)
    >>> scorer(texture) < scorer(ndimage.gaussian_filter(texture, 3))
    True
    """

    def __init__(self) -> None:
        module = _load_package()
        import cv2

        cv2.setNumThreads(1)
        self._cv2 = cv2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._model = module.BRISQUE(url=False)
        # the package's feature step then calls these two in place of its own
        self._model.calculate_mscn_coefficients = separable_mscn
        self._model.asymmetric_generalized_gaussian_fit = aggd_fit

    def features(self, image) -> np.ndarray:
        """The 36 BRISQUE features (18 at full scale, 18 at half scale) as float64."""
        image = np.asarray(image, dtype=np.float64)
        if image.ndim != 2:
            raise ValueError(f"BRISQUE needs a 2-D grayscale image, got shape {image.shape}")
        if min(image.shape) < 16:
            raise ValueError(f"BRISQUE needs at least 16 x 16 pixels, got {image.shape}")
        half = self._cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=self._cv2.INTER_CUBIC)
        parts = [self._model.calculate_brisque_features(x, kernel_size=7, sigma=7 / 6) for x in (image, half)]
        return np.array([float(np.asarray(v, dtype=np.float64).ravel()[0]) for v in np.concatenate(parts)])

    def __call__(self, image) -> float:
        """BRISQUE score (higher = worse) of one image with display values in [0, 1]."""
        features = self.features(image)
        if not np.isfinite(features).all():
            return float("nan")
        return float(self._model.calculate_image_quality_score(features))
