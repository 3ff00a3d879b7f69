"""One entry point for any radiograph file: DICOM by content, else a grayscale raster image."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cxrqa.io.dicom import DEFAULT_MAX_PIXELS, DEFAULT_MODALITIES, Radiograph, is_dicom_file, read_dicom
from cxrqa.io.errors import UnusableImage
from cxrqa.io.raster import read_raster

#: Share of the valid pixels that may show one single display value; a film beyond it is blank.
BLANK_SHARE = 0.98


def read_radiograph(
    path: str | Path,
    *,
    modalities: tuple[str, ...] | None = DEFAULT_MODALITIES,
    min_size: int = 256,
    voi: str = "header",
    allow_raster: bool = True,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Radiograph:
    """Read ``path`` as DICOM when it has the Part 10 marker, otherwise as a PNG/TIFF/JPEG image.

    The file's content decides, never its extension (DICOM files often have none). Whatever the
    route, an image that shows one value almost everywhere (:func:`check_not_blank`) is refused:
    a broken window, rescale or raster, not a film to assess.
    See :func:`cxrqa.io.dicom.read_dicom` and :func:`cxrqa.io.raster.read_raster`.

    Raises
    ------
    UnusableImage
        For every file that cannot be used; ``not_dicom`` when ``allow_raster`` is false and the
        file is not DICOM.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(132)
    except OSError as error:
        raise UnusableImage(path, "unreadable", f"cannot open the file: {error.strerror or error}") from error
    if is_dicom_file(head):
        radiograph = read_dicom(path, modalities=modalities, min_size=min_size, voi=voi, max_pixels=max_pixels)
    elif not allow_raster:
        raise UnusableImage(path, "not_dicom", "no DICOM Part 10 preamble and 'DICM' marker")
    else:
        radiograph = read_raster(path, min_size=min_size, max_pixels=max_pixels)
    check_not_blank(path, radiograph)
    return radiograph


def check_not_blank(path: str | Path, radiograph: Radiograph) -> None:
    """Refuse an image whose 1st and 99th percentiles of valid display values coincide.

    Then at least :data:`BLANK_SHARE` of the pixels show one value (to within 1/4096): a
    constant black, white or grey image, or a film burnt out by a broken window or rescale.

    Raises
    ------
    UnusableImage
        ``blank_image``.
    """
    image, valid = radiograph.image, radiograph.valid
    sample = image[::4, ::4] if valid is None else image[::4, ::4][valid[::4, ::4]]
    if not sample.size:
        raise UnusableImage(path, "blank_image", "no valid pixel")
    tail = (1.0 - BLANK_SHARE) / 2
    lo, hi = np.quantile(sample, [tail, 1.0 - tail])
    if hi - lo < 1.0 / 4096:
        raise UnusableImage(
            path, "blank_image",
            f"{BLANK_SHARE:.0%} of the pixels show the display value {float(lo):.3f} "
            f"(window {radiograph.meta.get('voi_lut', '?')}, {radiograph.meta.get('modality_lut', '?')})",
        )  # fmt: skip
