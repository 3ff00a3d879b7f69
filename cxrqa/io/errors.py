"""The one exception every reader raises for a file that cannot become a model input.

A batch run catches :class:`UnusableImage`, writes ``file, reason`` to ``errors.csv`` and goes on
with the next file; :class:`OutputError` instead stops the batch, since no later file could be
written either. ``reason`` is a short stable code that scripts can group by; ``detail`` is the
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
    "encoding_mismatch": "the pixel data is not encoded as the header says (another codec, size or layout)",
    "too_large": "more pixels or bytes than the limits allow, or than the data present can hold",
    "blank_image": "the image shows one value almost everywhere after the pixel pipeline (nothing to assess)",
    "not_a_file": "a folder entry that is not a regular file (FIFO, socket, device, broken link)",
    "hidden": "a hidden file or folder (name starting with '.'); not read",
    "timeout": "reading the file took longer than the per-file time limit",
    "out_of_memory": "reading the file needed more memory than the per-file limit",
    "crashed": "the worker process died while reading the file (a decoder crash)",
    "internal_error": "a bug in cxrqa or a library it uses, not a fault of the file: please report it",
}


def one_line(text: object, limit: int | None = None) -> str:
    """``text`` as one printable line: whitespace runs become one space, control characters
    (which header values and exception messages may hold, and which break a CSV row) ``?``.

    >>> one_line("bad\\r\\nvalue\\x00 here")
    'bad value? here'
    """
    line = " ".join(str(text).split())
    if not line.isprintable():
        line = "".join(ch if ch.isprintable() else "?" for ch in line)
    return line if limit is None or len(line) <= limit else line[:limit] + "..."


def describe_error(error: BaseException, limit: int = 200) -> str:
    """``Type: message`` of an exception, on one printable line of at most about ``limit`` characters.

    >>> describe_error(KeyError("state_dict"))
    "KeyError: 'state_dict'"
    >>> describe_error(RuntimeError("Error(s) in loading:\\n\\tMissing key(s): fc6.weight"))
    'RuntimeError: Error(s) in loading: Missing key(s): fc6.weight'
    """
    message = one_line(error, limit)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


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
        self.detail = one_line(detail)
        super().__init__(f"{self.path}: {self.reason}: {self.detail}")

    def __reduce__(self):  # keep the three fields across process pools
        return (type(self), (self.path, self.reason, self.detail))


class OutputError(ValueError):
    """The output folder cannot be written (not a folder, read-only, disk full): a fault of the run,
    never recorded against an input file."""
