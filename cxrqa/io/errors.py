"""The one exception every reader raises for a file that cannot become a model input.

A batch run catches :class:`UnusableImage`, writes ``file, reason`` to ``errors.csv`` and goes on
with the next file. ``reason`` is a short stable code that scripts can group by; ``detail`` is the
sentence a person reads.
"""

from __future__ import annotations

from pathlib import Path

#: Stable reason codes, with what each means.
REASONS: dict[str, str] = {
    "not_dicom": "not a DICOM Part 10 file (no 'DICM' marker) nor a supported grayscale image",
    "unreadable": "the file could not be opened or parsed",
    "no_pixel_data": "the dataset holds no Pixel Data (7FE0,0010)",
    "truncated_pixel_data": "the pixel data is shorter than Rows x Columns x Bits Allocated says",
    "colour": "colour image (RGB, YBR or PALETTE COLOR); radiographs are MONOCHROME1/2",
    "multi_frame": "multi-frame or 3-D data; a radiograph is one frame",
    "modality": "the modality is not a projection radiograph (CR, DX, ...)",
    "too_small": "the image is smaller than the minimum size on a side",
    "no_decoder": "no installed decoder handles the transfer syntax",
    "decode_failed": "the compressed pixel data could not be decoded (corrupt or truncated)",
    "bad_header": "an attribute the pixel pipeline needs is missing or invalid",
}


class UnusableImage(Exception):
    """A file that cannot be turned into a radiograph for the model.

    Parameters
    ----------
    path : str or Path
        The file.
    reason : str
        One of the codes in :data:`REASONS`.
    detail : str
        A human-readable sentence saying what is wrong, naming values where they help.

    Examples
    --------
    >>> error = UnusableImage("a.dcm", "too_small", "64 x 64 pixels, at least 256 needed")
    >>> str(error)
    'a.dcm: too_small: 64 x 64 pixels, at least 256 needed'
    """

    def __init__(self, path: str | Path, reason: str, detail: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown reason code {reason!r}; known: {', '.join(REASONS)}")
        self.path = str(path)
        self.reason = reason
        self.detail = " ".join(str(detail).split())  # one line, whatever the cause said
        super().__init__(f"{self.path}: {self.reason}: {self.detail}")

    def __reduce__(self):  # keep the three fields across process pools
        return (type(self), (self.path, self.reason, self.detail))
