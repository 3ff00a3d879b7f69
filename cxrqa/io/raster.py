"""Read a grayscale raster image (PNG, TIFF, JPEG) as a radiograph in [0, 1].

For radiographs that reach us already rendered for display, such as the NIH ChestX-ray14 PNGs:
there is no pixel pipeline to apply, the values are display values. 8-bit images are divided by
255, 16-bit ones by 65535, 32-bit integer and float ones by their largest value. RGB(A) files
whose colour channels are all equal (some NIH PNGs are stored so) are accepted as grayscale; real
colour is rejected. NaN or infinite pixels of a float image are marked invalid, like DICOM padding.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from cxrqa.io.dicom import DEFAULT_MAX_PIXELS, Radiograph
from cxrqa.io.errors import UnusableImage

_FULL_SCALE = {"1": 1.0, "L": 255.0, "LA": 255.0, "P": None, "I;16": 65535.0, "I;16B": 65535.0}


def read_raster(path: str | Path, *, min_size: int = 256, max_pixels: int = DEFAULT_MAX_PIXELS) -> Radiograph:
    """Read a grayscale PNG, TIFF or JPEG file.

    Parameters
    ----------
    path : str or Path
        The image file.
    min_size : int
        Smallest accepted number of rows and of columns.
    max_pixels : int
        Most pixels the image may have; checked from its header before it is decoded.

    Raises
    ------
    UnusableImage
        ``not_dicom`` when Pillow does not recognise the file, ``decode_failed`` when it cannot
        decode it, ``too_large``, ``colour``, ``multi_frame`` or ``too_small`` otherwise.
    """
    path = Path(path)
    try:
        image = Image.open(path)
    except Image.DecompressionBombError as error:
        raise UnusableImage(path, "too_large", str(error)) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UnusableImage(
            path, "not_dicom", f"neither a DICOM Part 10 file nor a readable image ({error})"
        ) from error
    width, height = image.size
    if width * height > max_pixels:
        raise UnusableImage(path, "too_large", f"claims {height} x {width} pixels, more than the limit of {max_pixels}")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise UnusableImage(path, "decode_failed", f"{image.format} image cannot be decoded ({error})") from error
    if getattr(image, "n_frames", 1) > 1:
        raise UnusableImage(path, "multi_frame", f"{image.n_frames} frames in one image file")
    mode = image.mode
    valid = None
    if mode in ("RGB", "RGBA"):
        rgb = np.asarray(image.convert("RGB"))
        if not (np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2])):
            raise UnusableImage(path, "colour", f"{mode} image with unequal colour channels")
        array, scale, bits = rgb[..., 0], 255.0, 8
    elif mode == "P" or mode not in _FULL_SCALE and mode not in ("I", "F"):
        raise UnusableImage(path, "colour", f"image mode {mode} is not grayscale")
    elif mode in ("I", "F"):
        array = np.asarray(image)
        finite = np.isfinite(array) if mode == "F" else None
        if finite is not None and not finite.any():
            raise UnusableImage(path, "blank_image", "no finite pixel value")
        top = float(array.max() if finite is None else array[finite].max())
        scale, bits = (65535.0 if top <= 65535 and mode == "I" else max(top, 1.0)), 16
        if finite is not None and not finite.all():
            valid, array = finite, np.where(finite, array, 0.0)
    else:
        array = np.asarray(image.convert("L") if mode in ("1", "LA") else image)
        scale, bits = _FULL_SCALE[mode], 8 if mode in ("1", "L", "LA") else 16
        if mode in ("1", "LA"):
            scale = 255.0
    rows, cols = array.shape[:2]
    if min(rows, cols) < min_size:
        raise UnusableImage(path, "too_small", f"{rows} x {cols} pixels, at least {min_size} needed on each side")
    values = np.clip(array.astype(np.float32) / np.float32(scale), 0.0, 1.0)
    meta = {
        "source_file": str(path),
        "modality": "",
        "vendor": "",
        "model": "",
        "photometric_interpretation": "MONOCHROME2",
        "bits_allocated": bits,
        "bits_stored": bits,
        "pixel_representation": 0,
        "transfer_syntax": f"{image.format or 'raster'}",
        "rows": int(rows),
        "cols": int(cols),
        "pixel_spacing_row_mm": None,
        "pixel_spacing_col_mm": None,
        "spacing_source": "",
        "view_position": "",
        "modality_lut": "none",
        "voi_lut": "none (display values)",
    }
    return Radiograph(image=values, valid=valid, meta=meta)
