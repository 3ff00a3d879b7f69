"""Real radiographs as anatomy bases, and their geometric and anatomical variation.

By default the only real radiograph is ``RG1_UNCR.dcm`` from the PyPI package ``pydicom-data``
(a 15-bit MONOCHROME1 CR chest film, read with :func:`pydicom.data.get_testdata_file`, which
finds it inside the installed package without any download). A user may instead point
``simulate.base_images`` at a folder of real images (PNG, JPEG, TIFF or DICOM).

Each base is turned into an attenuation-like map (0 = air, larger = denser, the scale of
:mod:`cxrqa.simulate.phantom`) and varied per case by a random affine transform (rotation,
scale, aspect, shift), a smooth elastic displacement and a smooth soft-tissue gain field.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
from PIL import Image
from scipy import ndimage

from cxrqa.simulate.resample import resize

__all__ = ["IMAGE_SUFFIXES", "load_base", "load_builtin_base", "list_base_files", "vary_base"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".dcm", ".dicom")
#: Attenuation assigned to the 99.5th percentile of a base image (dense mediastinum).
_TOP_ATTENUATION = 2.4


def _to_attenuation(display: np.ndarray) -> np.ndarray:
    """Map display values (bright = dense) to the phantom's attenuation scale by percentiles."""
    display = display.astype(np.float32)
    low, high = np.percentile(display[::4, ::4], (1.0, 99.5))
    if high <= low:
        raise ValueError("image has no contrast")
    return np.clip((display - low) / (high - low), 0.0, 1.2) * _TOP_ATTENUATION


def _read_dicom_display(path: Path) -> np.ndarray:
    dataset = pydicom.dcmread(path)
    if "PixelData" not in dataset:
        raise ValueError("no pixel data")
    pixels = pydicom.pixels.apply_modality_lut(dataset.pixel_array, dataset).astype(np.float32)
    if pixels.ndim != 2:
        raise ValueError(f"expected one grayscale frame, got shape {pixels.shape}")
    if dataset.get("PhotometricInterpretation") == "MONOCHROME1":
        pixels = pixels.max() - pixels
    return pixels


def load_base(path: str | Path, max_side: int = 1200) -> np.ndarray:
    """Read one real image as an attenuation-like map, downsampled to at most ``max_side``.

    Raises
    ------
    ValueError
        When the file cannot be read as a single grayscale image with contrast.
    """
    path = Path(path)
    try:
        if path.suffix.lower() in (".dcm", ".dicom"):
            display = _read_dicom_display(path)
        else:
            with Image.open(path) as image:
                display = np.asarray(image.convert("F"))
    except (OSError, pydicom.errors.InvalidDicomError, AttributeError, KeyError) as error:
        raise ValueError(f"{path}: unreadable image ({error})") from error
    if min(display.shape) < 128:
        raise ValueError(f"{path}: image is too small ({display.shape})")
    scale = max_side / max(display.shape)
    if scale < 1.0:
        display = resize(display, round(display.shape[0] * scale), round(display.shape[1] * scale))
    return _to_attenuation(display)


def load_builtin_base() -> np.ndarray:
    """``RG1_UNCR.dcm`` from pydicom-data as an attenuation-like map."""
    from pydicom.data import get_testdata_file

    path = get_testdata_file("RG1_UNCR.dcm")
    if path is None:  # pragma: no cover - pydicom-data is a declared dependency
        raise FileNotFoundError("RG1_UNCR.dcm not found: install the package pydicom-data")
    return load_base(path)


def list_base_files(folder: str | Path) -> list[Path]:
    """Image files in ``folder`` (sorted, non-recursive), or a clear error when there are none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"simulate.base_images: '{folder}' is not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(
            f"simulate.base_images: no image file ({', '.join(IMAGE_SUFFIXES)}) in '{folder}'"
        )
    return files


def vary_base(base: np.ndarray, rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """A new case from a real base: affine + elastic warp and a soft-tissue gain field.

    Parameters
    ----------
    base : ndarray
        Attenuation-like map from :func:`load_base`.
    rows, cols : int
        Output size.
    rng : numpy.random.Generator
        Source of the variation.

    Returns
    -------
    ndarray of float32, shape (rows, cols)
    """
    angle = np.deg2rad(rng.uniform(-4.0, 4.0))
    scale = rng.uniform(0.93, 1.07)
    aspect = rng.uniform(0.93, 1.07)
    shift = rng.uniform(-0.03, 0.03, size=2)
    # Output pixel grid in base coordinates, centred, with the base fitted to the output.
    fit = max(base.shape[0] / rows, base.shape[1] / cols)
    rr, cc = np.meshgrid(
        np.arange(rows, dtype=np.float32) - rows / 2,
        np.arange(cols, dtype=np.float32) - cols / 2,
        indexing="ij",
    )
    # Smooth elastic displacement (a 4 x 4 control grid, cubic interpolation): posture and
    # body-habitus variation, not local wobble.
    displacement = [
        resize(rng.normal(0.0, 0.012 * rows, (4, 4)), rows, cols, cubic=True) for _ in range(2)
    ]
    rr = rr + displacement[0].astype(np.float32)
    cc = cc + displacement[1].astype(np.float32)
    cos, sin = np.cos(angle), np.sin(angle)
    src_r = (cos * rr - sin * cc) * fit / scale + base.shape[0] / 2 + shift[0] * base.shape[0]
    src_c = (sin * rr + cos * cc) * fit / (scale * aspect) + base.shape[1] / 2 + shift[1] * base.shape[1]
    warped = ndimage.map_coordinates(base, [src_r, src_c], order=1, mode="nearest")
    gain = resize(rng.normal(1.0, 0.06, (4, 4)), rows, cols, cubic=True)
    return np.clip(warped * gain, 0.0, None).astype(np.float32)
