"""One entry point for any radiograph file: DICOM by content, else a grayscale raster image."""

from __future__ import annotations

from pathlib import Path

from cxrqa.io.dicom import DEFAULT_MODALITIES, Radiograph, is_dicom_file, read_dicom
from cxrqa.io.errors import UnusableImage
from cxrqa.io.raster import read_raster


def read_radiograph(
    path: str | Path,
    *,
    modalities: tuple[str, ...] | None = DEFAULT_MODALITIES,
    min_size: int = 256,
    voi: str = "header",
    allow_raster: bool = True,
) -> Radiograph:
    """Read ``path`` as DICOM when it has the Part 10 marker, otherwise as a PNG/TIFF/JPEG image.

    The file's content decides, never its extension (DICOM files often have none).
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
        raise UnusableImage(path, "unreadable", f"cannot open the file: {error}") from error
    if is_dicom_file(head):
        return read_dicom(path, modalities=modalities, min_size=min_size, voi=voi)
    if not allow_raster:
        raise UnusableImage(path, "not_dicom", "no DICOM Part 10 preamble and 'DICM' marker")
    return read_raster(path, min_size=min_size)
