"""Decode a projection radiograph from DICOM into display values in [0, 1], in the standard's order.

The grayscale pixel pipeline of DICOM (PS3.4 N.2, "Pixel Transformation Sequence") is applied
step by step, each step from the attribute the standard names for it (PS3.3 C.11):

1. **Stored values** from Pixel Data (7FE0,0010), decoded by pydicom's pixel plugins for the
   compressed transfer syntaxes (JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000, RLE; the
   ``pylibjpeg-*`` packages and Pillow), then reduced to Bits Stored (0028,0101) with the sign of
   Pixel Representation (0028,0103): unused high bits are masked off and signed values are
   sign-extended (PS3.5 8.1.1).
2. **Pixel padding**: stored values equal to Pixel Padding Value (0028,0120), or between it and
   Pixel Padding Range Limit (0028,0121), are marked invalid *before* any transformation, as PS3.3
   C.7.5.1.1.2 requires; they end up black (0) and the crop ignores them.
3. **Modality LUT** (PS3.3 C.11.1): a Modality LUT Sequence (0028,3000) if present, otherwise
   Rescale Slope/Intercept (0028,1053/1052); identity when neither is present.
4. **VOI LUT** (PS3.3 C.11.2): the first VOI LUT Sequence (0028,3010) item if present (as pydicom
   prefers), otherwise the first Window Center/Width (0028,1050/1051) pair with VOI LUT Function
   (0028,1056) ``LINEAR`` (default), ``LINEAR_EXACT`` or ``SIGMOID``, written here with an output
   range of [0, 1] (C.11.2.1.2-3). Without either (or with ``voi="auto"``), a robust full-range
   window: the 0.1th to 99.9th percentile of the valid pixels.
5. **MONOCHROME1 inversion**: MONOCHROME1 means the minimum value is white (PS3.3 C.7.6.3.1.2),
   so the result is ``1 - y``; afterwards every image reads "bright = attenuating" like
   MONOCHROME2. (pydicom never does this step itself.) Presentation LUT Shape is not applied on
   top: for DX and CR it only restates the photometric interpretation (``INVERSE`` for
   MONOCHROME1), and applying both would invert twice.

Imager Pixel Spacing (0018,1164), the spacing at the detector front plane that projection
radiographs carry, is kept in the metadata (Pixel Spacing (0028,0030) when it is absent); MONAI's
loaders drop it.

References
----------
DICOM PS3.3 2024: C.7.6.3 Image Pixel Module, C.8.9/C.8.11 CR and DX Image Modules, C.11.1
Modality LUT Module, C.11.2 VOI LUT Module. DICOM PS3.4 N.2 Pixel Transformation Sequence.
DICOM PS3.5 8 Encoding of Pixel Data, Annex A transfer syntaxes.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.multival import MultiValue
from pydicom.uid import UID

from cxrqa.io.codestream import codec_of_syntax, inspect_frame, rle_decoded_lengths
from cxrqa.io.errors import UnusableImage, describe_error, one_line

#: Modalities accepted by default: projection radiography (PS3.3 C.7.3.1.1.1; ``DR`` is a
#: retired code some vendors still write, ``RG`` is radiographic imaging).
DEFAULT_MODALITIES: tuple[str, ...] = ("CR", "DX", "DR", "RG")

#: Most pixels a file may claim by default: 6000 x 6000, above any chest detector (43 x 43 cm at
#: 0.1 mm is 4300 x 4300) and decodable within the default per-file memory limit.
DEFAULT_MAX_PIXELS = 36_000_000

_PIXEL_DATA_TAG_LE = b"\xe0\x7f\x10\x00"  # (7FE0,0010) in little endian, as Part 10 files encode it
_ITEM_TAG_LE = b"\xfe\xff\x00\xe0"  # (FFFE,E000), the first bytes of encapsulated Pixel Data
_BITS_ALLOCATED = (1, 8, 16, 32)
# Header bytes allowed on top of the pixel data before a file counts as too large to read whole.
_HEADER_ALLOWANCE = 64 << 20
# Zero bytes in a row where the dataset should begin; pydicom parses them as millions of
# empty Command elements (group 0000, never allowed in a file), in time linear in their length.
_MAX_LEADING_ZEROS = 256
# Empty elements of tag (0000,0000) tolerated elsewhere in the dataset, for the same reason.
_MAX_ZERO_TAGS = 64


@dataclass
class Radiograph:
    """A decoded radiograph.

    Attributes
    ----------
    image : numpy.ndarray
        ``float32`` array of shape (rows, columns) in [0, 1]; bright means attenuating (the
        MONOCHROME2 sense) whatever the file's photometric interpretation.
    valid : numpy.ndarray or None
        Boolean mask of the pixels that are not padding, or ``None`` when all are valid.
    meta : dict
        Header facts kept for the manifest (see :func:`read_dicom`).
    """

    image: np.ndarray
    valid: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _ImagePixel:
    """The Image Pixel attributes the pipeline relies on, each checked once (PS3.3 C.7.6.3)."""

    rows: int
    cols: int
    bits_allocated: int
    bits_stored: int
    signed: bool
    photometric: str
    syntax: UID


def is_dicom_file(head: bytes) -> bool:
    """Whether ``head`` (the first 132 bytes or more of a file) starts a DICOM Part 10 file.

    >>> is_dicom_file(b"\\0" * 128 + b"DICM")
    True
    >>> is_dicom_file(b"\\x89PNG\\r\\n")
    False
    """
    return len(head) >= 132 and head[128:132] == b"DICM"


def read_dicom(
    path: str | Path,
    *,
    modalities: tuple[str, ...] | None = DEFAULT_MODALITIES,
    min_size: int = 256,
    voi: str = "header",
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Radiograph:
    """Read one DICOM radiograph and run the grayscale pixel pipeline (see the module docstring).

    Everything a decoder would trust is checked against the data present before it runs: the
    Image Pixel attributes, the pixels claimed against ``max_pixels`` and against what the Pixel
    Data can hold, and, for compressed transfer syntaxes, the codec, size and end marker of the
    codestream itself (:mod:`cxrqa.io.codestream`).

    Parameters
    ----------
    path : str or Path
        A DICOM Part 10 file.
    modalities : tuple of str or None
        Accepted values of Modality (0008,0060); ``None`` accepts any.
    min_size : int
        Smallest accepted number of rows and of columns.
    voi : {"header", "auto"}
        ``"header"`` applies the file's VOI LUT or window; ``"auto"`` ignores them and windows the
        0.1th-99.9th percentile range of the modality values.
    max_pixels : int
        Most pixels (Rows x Columns) a file may claim; more is ``too_large``.

    Returns
    -------
    Radiograph
        ``meta`` holds ``source_file, modality, vendor, model, photometric_interpretation,
        bits_allocated, bits_stored, pixel_representation, transfer_syntax, rows, cols,
        pixel_spacing_row_mm, pixel_spacing_col_mm, spacing_source, modality_lut, voi_lut,
        view_position``.

    Raises
    ------
    UnusableImage
        With one of the reason codes of :data:`cxrqa.io.errors.REASONS`.
    """
    path = Path(path)
    if voi not in ("header", "auto"):
        raise ValueError(f"voi must be 'header' or 'auto', got {voi!r}")
    ds, data = _parse(path, max_file_bytes=max_pixels * 4 + _HEADER_ALLOWANCE)
    pixel = _check_header(path, ds, data, modalities=modalities, min_size=min_size, max_pixels=max_pixels)
    if data is None:
        raise UnusableImage(
            path, "too_large", f"the file is {os.path.getsize(path) / 2**20:.0f} MiB, more than "
            f"{max_pixels} pixels of 32 bits and a header can fill",
        )  # fmt: skip
    _check_pixel_data(path, ds, pixel)
    stored = _stored_values(path, ds, pixel)
    valid = _padding_mask(path, ds, stored)
    values, modality_lut = _modality_lut(path, ds, stored)
    display, voi_lut = _voi_lut(path, ds, values, valid, mode=voi)
    if pixel.photometric == "MONOCHROME1":
        np.subtract(1.0, display, out=display)
    if valid is not None:
        display[~valid] = 0.0
    np.clip(display, 0.0, 1.0, out=display)

    meta = _metadata(path, ds, pixel)
    meta.update(modality_lut=modality_lut, voi_lut=voi_lut)
    return Radiograph(image=display, valid=valid, meta=meta)


def read_header(path: str | Path) -> pydicom.Dataset:
    """The dataset of a DICOM file up to its Pixel Data: the header alone, no pixel byte read.

    The parse is guarded as :func:`read_dicom`'s is (runs of empty elements end it). Values are
    converted lazily by pydicom: read them with care, a malformed one raises on access.

    Raises
    ------
    UnusableImage
        ``unreadable`` when the file cannot be opened or parsed, ``not_dicom`` when it is not
        DICOM Part 10.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            if not is_dicom_file(handle.read(132)):
                raise UnusableImage(path, "not_dicom", "no DICOM Part 10 preamble and 'DICM' marker")
            return _read_dataset(path, handle, stop_before_pixels=True)
    except OSError as error:
        raise UnusableImage(path, "unreadable", f"cannot open the file: {error.strerror or error}") from error


def _parse(path: Path, *, max_file_bytes: int) -> tuple[pydicom.Dataset, bytes | None]:
    """Parse the file; the bytes are returned too, or ``None`` when the file is too large to read.

    A file larger than ``max_file_bytes`` is parsed up to its Pixel Data only, so that its header
    can still give the better reason (a multi-frame cine, a CT) before it is called too large.
    """
    try:
        size = os.path.getsize(path)
        if size > max_file_bytes:
            with path.open("rb") as handle:
                head = handle.read(132)
                if not is_dicom_file(head):
                    raise UnusableImage(path, "not_dicom", "no DICOM Part 10 preamble and 'DICM' marker")
                return _read_dataset(path, handle, stop_before_pixels=True), None
        data = path.read_bytes()
    except OSError as error:
        raise UnusableImage(path, "unreadable", f"cannot open the file: {error.strerror or error}") from error
    if not is_dicom_file(data[:132]):
        raise UnusableImage(path, "not_dicom", "no DICOM Part 10 preamble and 'DICM' marker")
    _check_dataset_start(path, data)
    return _read_dataset(path, io.BytesIO(data)), data


def _check_dataset_start(path: Path, data: bytes) -> None:
    """Refuse a run of zero bytes where the dataset should begin (see ``_MAX_LEADING_ZEROS``)."""
    start = _dataset_offset(data)
    window = data[start : start + _MAX_LEADING_ZEROS + 1]
    if len(window) > _MAX_LEADING_ZEROS and not window.lstrip(b"\0"):
        zeros = len(data) - start - len(data[start:].lstrip(b"\0"))
        raise UnusableImage(path, "unreadable", f"{zeros} zero bytes where the dataset should begin")


def _dataset_offset(data: bytes) -> int:
    """Where the dataset begins: after the File Meta elements (group 0002, always explicit VR
    little endian, PS3.10 7.1), walked one by one since the group length may be absent."""
    position = 132
    while position + 8 <= len(data) and data[position : position + 2] == b"\x02\x00":
        if data[position + 4 : position + 6] in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN"):
            position += 12 + int.from_bytes(data[position + 8 : position + 12], "little")
        else:
            position += 8 + int.from_bytes(data[position + 6 : position + 8], "little")
    return position


class _TooManyEmptyElements(Exception):
    pass


def _read_dataset(path: Path, handle, *, stop_before_pixels: bool = False) -> pydicom.Dataset:
    """pydicom's parse of an open file, guarded against runs of empty (0000,0000) elements.

    Zero bytes after the Pixel Data are padding (some writers fill to a block size): the parse
    ends there. Elsewhere, more than ``_MAX_ZERO_TAGS`` of them make the file unreadable.
    """
    from pydicom.filereader import read_partial

    zero_tags, after_pixels = 0, False

    def stop_when(tag, vr, length) -> bool:
        nonlocal zero_tags, after_pixels
        if tag == 0:
            zero_tags += 1
            if after_pixels:
                return True
            if zero_tags > _MAX_ZERO_TAGS:
                raise _TooManyEmptyElements
        if tag == 0x7FE00010:
            after_pixels = True
            return stop_before_pixels
        return False

    handle.seek(0)
    try:
        return read_partial(handle, stop_when=stop_when)
    except _TooManyEmptyElements:
        raise UnusableImage(
            path, "unreadable", f"more than {_MAX_ZERO_TAGS} empty (0000,0000) elements: zero bytes inside the dataset"
        ) from None
    except MemoryError:
        raise
    except Exception as error:  # pydicom raises InvalidDicomError, EOFError, ValueError, struct.error, ...
        raise UnusableImage(path, "unreadable", f"DICOM parse error: {describe_error(error)}") from error


def _attribute(path: Path, ds: pydicom.Dataset, keyword: str) -> Any:
    """``ds.get(keyword)``, with a value pydicom cannot convert reported as a bad header."""
    try:
        return ds.get(keyword)
    except MemoryError:
        raise
    except Exception as error:  # pydicom converts values lazily and raises on malformed bytes
        raise UnusableImage(path, "bad_header", f"{keyword} cannot be read ({describe_error(error)})") from error


def _integer(path: Path, ds: pydicom.Dataset, keyword: str, *, default: int | None = None) -> int:
    """A single-valued integer attribute (US, IS): missing, multi-valued or fractional is a bad header."""
    value = _attribute(path, ds, keyword)
    if value is None or value == "":
        if default is not None:
            return default
        raise UnusableImage(path, "bad_header", f"{keyword} is missing")
    if isinstance(value, (list, tuple, MultiValue)):
        raise UnusableImage(path, "bad_header", f"{keyword} has {len(value)} values, one is allowed")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UnusableImage(path, "bad_header", f"{keyword} {str(value)[:32]!r} is not a number") from None
    if not math.isfinite(number) or number != int(number):
        raise UnusableImage(path, "bad_header", f"{keyword} {str(value)[:32]!r} is not a whole number")
    return int(number)


def _decimal(path: Path, ds: pydicom.Dataset, keyword: str) -> float | None:
    """The first value of a decimal attribute (DS, FD), ``None`` when absent; it must be finite."""
    value = _attribute(path, ds, keyword)
    if isinstance(value, (list, tuple, MultiValue)):
        value = value[0] if len(value) else None
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UnusableImage(path, "bad_header", f"{keyword} {str(value)[:32]!r} is not a number") from None
    with np.errstate(over="ignore"):
        fits = math.isfinite(number) and math.isfinite(np.float32(number))
    if not fits:
        raise UnusableImage(path, "bad_header", f"{keyword} {value} is not a finite 32-bit number")
    return number


def _check_header(
    path: Path,
    ds: pydicom.Dataset,
    data: bytes | None,
    *,
    modalities: tuple[str, ...] | None,
    min_size: int,
    max_pixels: int,
) -> _ImagePixel:
    """Reject, cheaply and before decoding, what can never be a radiograph for the model."""
    syntax = _transfer_syntax(path, ds)  # first: a wrong one also explains a dataset misparsed
    if data is not None and "PixelData" not in ds:  # a file read only to its Pixel Data has one
        if "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
            raise UnusableImage(path, "no_pixel_data", "only Float/Double Float Pixel Data (a parametric map)")
        if data is not None and _ends_inside_pixel_data(data, ds):
            raise UnusableImage(
                path, "truncated_pixel_data", "the file ends inside the Pixel Data element"
            )
        raise UnusableImage(path, "no_pixel_data", "the dataset has no Pixel Data (7FE0,0010) element")
    for keyword in ("Rows", "Columns", "BitsAllocated", "PhotometricInterpretation"):
        if _attribute(path, ds, keyword) in (None, ""):
            raise UnusableImage(path, "bad_header", f"{keyword} is missing")
    photometric = str(ds.PhotometricInterpretation).strip()
    samples = _integer(path, ds, "SamplesPerPixel")
    if samples < 1:
        raise UnusableImage(path, "bad_header", f"Samples per Pixel {samples}")
    if photometric not in ("MONOCHROME1", "MONOCHROME2") or samples != 1:
        raise UnusableImage(
            path, "colour", f"Photometric Interpretation {photometric[:32]} with {samples} samples per pixel"
        )
    frames = _integer(path, ds, "NumberOfFrames", default=1)
    if frames < 1:
        raise UnusableImage(path, "bad_header", f"Number of Frames {frames}")
    if frames != 1:
        raise UnusableImage(path, "multi_frame", f"{frames} frames (a volume or a cine); one is needed")
    modality = str(_attribute(path, ds, "Modality") or "").strip().upper()
    if modalities is not None and modality not in {m.upper() for m in modalities}:
        raise UnusableImage(
            path,
            "modality",
            f"Modality '{modality[:16] or '(none)'}' is not a projection radiograph "
            f"(accepted: {', '.join(modalities)})",
        )
    rows, cols = _integer(path, ds, "Rows"), _integer(path, ds, "Columns")
    if rows < 1 or cols < 1:
        raise UnusableImage(path, "bad_header", f"{rows} x {cols} pixels")
    if min(rows, cols) < min_size:
        raise UnusableImage(
            path, "too_small", f"{rows} x {cols} pixels, at least {min_size} needed on each side"
        )
    if rows * cols > max_pixels:
        raise UnusableImage(
            path, "too_large", f"claims {rows} x {cols} pixels, more than the limit of {max_pixels}"
        )
    bits_allocated = _integer(path, ds, "BitsAllocated")
    if bits_allocated not in _BITS_ALLOCATED:
        raise UnusableImage(path, "bad_header", f"Bits Allocated {bits_allocated} (1, 8, 16 or 32 allowed)")
    bits_stored = _integer(path, ds, "BitsStored")
    if not 1 <= bits_stored <= bits_allocated:
        raise UnusableImage(path, "bad_header", f"Bits Stored {bits_stored} with Bits Allocated {bits_allocated}")
    representation = _integer(path, ds, "PixelRepresentation")
    if representation not in (0, 1):
        raise UnusableImage(path, "bad_header", f"Pixel Representation {representation} (0 or 1 allowed)")
    return _ImagePixel(rows, cols, bits_allocated, bits_stored, representation == 1, photometric, syntax)


def _transfer_syntax(path: Path, ds: pydicom.Dataset) -> UID:
    """The file's Transfer Syntax UID, checked to be one that an installed decoder reads."""
    value = ds.file_meta.get("TransferSyntaxUID", pydicom.uid.ImplicitVRLittleEndian)
    syntax = UID(str(value).strip("\0 "))
    if not syntax.is_valid:
        raise UnusableImage(path, "bad_header", f"Transfer Syntax UID {str(value)[:64]!r} is not a valid UID")
    try:
        compressed = syntax.is_compressed
    except ValueError:
        raise UnusableImage(
            path, "no_decoder", f"{_syntax_name(syntax)} is not a transfer syntax DICOM defines (private or wrong)"
        ) from None
    if compressed:
        from pydicom.pixels import get_decoder

        try:
            decoder = get_decoder(syntax)
        except NotImplementedError:
            raise UnusableImage(
                path, "no_decoder", f"no pixel data decoder exists for transfer syntax {_syntax_name(syntax)}"
            ) from None
        if not decoder.is_available:
            missing = "; ".join(decoder.missing_dependencies) or "no plugin available"
            raise UnusableImage(
                path,
                "no_decoder",
                f"transfer syntax {_syntax_name(syntax)} needs a decoder that is not installed ({missing})",
            )
    return syntax


def _ends_inside_pixel_data(data: bytes, ds: pydicom.Dataset) -> bool:
    """Whether the file was cut inside its Pixel Data element.

    The tag's bytes alone prove nothing: an icon image sequence holds a complete Pixel Data of
    its own, and a private value may hold those bytes by chance. What counts is what follows
    the last element pydicom parsed: the start of a Pixel Data element (or of its tag) that the
    file ends in. When that element's end is unknown (a sequence of undefined length), the last
    copy of the tag must start an element header announcing more bytes than the file holds.
    """
    before = [tag for tag in ds.keys() if tag < 0x7FE00010]
    if before:
        raw = ds.get_item(max(before))
        tell, length = getattr(raw, "value_tell", None), getattr(raw, "length", None)
        if tell is not None and length is not None and length != 0xFFFFFFFF:
            rest = data[tell + length : tell + length + 4]
            return bool(rest) and _PIXEL_DATA_TAG_LE.startswith(rest)
    position = data.rfind(_PIXEL_DATA_TAG_LE, 132)
    if position < 0:
        return False
    header = data[position + 4 : position + 12]
    if header[:2] in (b"OB", b"OW", b"UN") and header[2:4] == b"\0\0":
        length, start = int.from_bytes(header[4:8], "little"), position + 12
    elif ds.file_meta.get("TransferSyntaxUID") == pydicom.uid.ImplicitVRLittleEndian and len(header) >= 4:
        length, start = int.from_bytes(header[:4], "little"), position + 8
    else:
        return len(header) < 8
    return length == 0xFFFFFFFF or start + length > len(data)


def _check_pixel_data(path: Path, ds: pydicom.Dataset, pixel: _ImagePixel) -> None:
    """The Pixel Data must hold what the header claims, encoded as the transfer syntax says."""
    try:
        element = ds["PixelData"]
        value = element.value
    except MemoryError:
        raise
    except Exception as error:  # converted lazily: a corrupt VR or length surfaces only now
        raise UnusableImage(path, "unreadable", f"DICOM parse error in Pixel Data: {describe_error(error)}") from error
    if not value:
        raise UnusableImage(path, "no_pixel_data", "the Pixel Data element is empty")
    codec = codec_of_syntax(pixel.syntax)
    encapsulated = element.is_undefined_length or value[:4] == _ITEM_TAG_LE
    if codec is None:
        if encapsulated:
            raise UnusableImage(
                path, "encoding_mismatch",
                f"the Pixel Data is encapsulated (compressed) but the transfer syntax {_syntax_name(pixel.syntax)} is not",
            )  # fmt: skip
        expected = (pixel.rows * pixel.cols * pixel.bits_allocated + 7) // 8
        if len(value) < expected:
            raise UnusableImage(
                path,
                "truncated_pixel_data",
                f"{len(value)} bytes of pixel data, {expected} expected for "
                f"{pixel.rows} x {pixel.cols} x {pixel.bits_allocated} bits",
            )
        if len(value) > expected + expected % 2:  # one padding byte evens an odd length (PS3.5 7.1.1)
            raise UnusableImage(
                path, "encoding_mismatch",
                f"{len(value)} bytes of pixel data, {expected} for {pixel.rows} x {pixel.cols} x "
                f"{pixel.bits_allocated} bits: the header's size does not describe the data",
            )  # fmt: skip
        return
    if not encapsulated:
        raise UnusableImage(
            path, "encoding_mismatch",
            f"the transfer syntax {_syntax_name(pixel.syntax)} is compressed but the Pixel Data is not encapsulated",
        )  # fmt: skip
    try:
        from pydicom.encaps import generate_frames

        frame = next(generate_frames(value, number_of_frames=1))
    except MemoryError:
        raise
    except Exception as error:
        raise UnusableImage(path, "decode_failed", f"malformed encapsulated Pixel Data ({describe_error(error)})") from error
    _check_frame(path, frame, codec, pixel)


def _check_frame(path: Path, frame: bytes, codec: str, pixel: _ImagePixel) -> None:
    """Compare a compressed frame's own header with the DICOM header (:mod:`cxrqa.io.codestream`)."""
    info = inspect_frame(frame, codec)
    syntax = _syntax_name(pixel.syntax)
    if info.codec != codec:
        found = "data of no known codec" if info.codec == "unknown" else f"{info.codec} data"
        raise UnusableImage(path, "encoding_mismatch", f"{found} (first bytes {frame[:4].hex()}) under the transfer syntax {syntax}")
    if info.rows and info.columns and (info.rows, info.columns) != (pixel.rows, pixel.cols):
        raise UnusableImage(
            path, "encoding_mismatch",
            f"the {codec} codestream is {info.rows} x {info.columns} pixels, the header says {pixel.rows} x {pixel.cols}",
        )  # fmt: skip
    if info.components not in (None, 1):
        raise UnusableImage(path, "encoding_mismatch", f"the {codec} codestream has {info.components} components, the header says 1")
    if info.precision is not None and info.precision > pixel.bits_allocated:
        raise UnusableImage(
            path, "encoding_mismatch", f"the {codec} codestream has {info.precision}-bit samples in {pixel.bits_allocated}-bit cells"
        )
    if info.segments is not None and info.segments != (pixel.bits_allocated + 7) // 8:
        raise UnusableImage(
            path, "encoding_mismatch", f"{info.segments} RLE segments for {pixel.bits_allocated}-bit pixels"
        )
    if not info.complete:
        what = "its segments run past the end of the frame" if codec == "rle" else "it has no end-of-image marker"
        raise UnusableImage(path, "decode_failed", f"the {codec} data is cut short: {what}")
    if codec == "rle":
        _check_rle_lengths(path, frame, info, pixel)


def _check_rle_lengths(path: Path, frame: bytes, info, pixel: _ImagePixel) -> None:
    """Each RLE segment must decode to one byte per pixel the header claims (PS3.5 G.2)."""
    pixels = pixel.rows * pixel.cols
    if pixels > info.max_pixels:
        raise UnusableImage(
            path, "too_large",
            f"claims {pixel.rows} x {pixel.cols} pixels; its {len(frame)} bytes of RLE data hold at most {info.max_pixels}",
        )  # fmt: skip
    lengths = rle_decoded_lengths(frame)
    if lengths is None:
        raise UnusableImage(path, "decode_failed", "an RLE segment cannot be decoded (cut short or corrupt)")
    wrong = [length for length in lengths if length not in (pixels, pixels + 1)]
    if wrong:
        raise UnusableImage(
            path, "encoding_mismatch",
            f"an RLE segment decodes to {wrong[0]} bytes, "
            f"the header's {pixel.rows} x {pixel.cols} pixels need {pixels}",
        )  # fmt: skip


def _syntax_name(syntax: UID) -> str:
    return f"{syntax.name} ({syntax})" if syntax.name != str(syntax) else str(syntax)


def _stored_values(path: Path, ds: pydicom.Dataset, pixel: _ImagePixel) -> np.ndarray:
    """Decode Pixel Data to stored values, honouring Bits Stored and Pixel Representation.

    Any failure of a decoder, a Rust plugin's panic (a ``BaseException``) included, is the file's
    fault and becomes ``decode_failed`` (``truncated_pixel_data`` for uncompressed data); only a
    ``MemoryError`` is left to the caller, which owns the memory limit.
    """
    try:
        array = ds.pixel_array
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as error:  # decoders raise ValueError, RuntimeError, OSError, panics, ...
        reason = "decode_failed" if pixel.syntax.is_compressed else "truncated_pixel_data"
        raise UnusableImage(path, reason, describe_error(error)) from error
    if array.shape != (pixel.rows, pixel.cols):
        raise UnusableImage(
            path, "encoding_mismatch", f"decoded pixel data has shape {array.shape}, the header says {pixel.rows} x {pixel.cols}"
        )
    if array.dtype.kind not in "iu":
        raise UnusableImage(path, "bad_header", f"pixel data of type {array.dtype} is not integer")
    return to_stored_values(array, pixel.bits_stored, pixel.signed)


def to_stored_values(array: np.ndarray, bits_stored: int, signed: bool) -> np.ndarray:
    """Keep the low ``bits_stored`` bits of each value, sign-extended when ``signed``.

    Pixel cells may hold more bits than are stored (PS3.5 8.1.1); the high bits may carry overlay
    or garbage and must be ignored. Idempotent, so values a decoder already cleaned pass unchanged.

    >>> to_stored_values(np.array([0x8FFF, 0x0123], dtype=np.uint16), 12, False).tolist()
    [4095, 291]
    >>> to_stored_values(np.array([0x0FFF, 0x0800, 0x07FF], dtype=np.uint16), 12, True).tolist()
    [-1, -2048, 2047]
    >>> to_stored_values(np.array([-2, 300], dtype=">i2"), 16, True).tolist()
    [-2, 300]
    """
    if not array.dtype.isnative:  # big-endian data read as is: compare and mask in native order
        array = array.astype(array.dtype.newbyteorder("="))
    width = array.dtype.itemsize * 8
    if not 1 <= bits_stored <= width:
        bits_stored = width
    unsigned = array if array.dtype.kind == "u" else array.view(np.dtype(f"u{array.dtype.itemsize}"))
    if signed:
        if bits_stored == width:
            return unsigned.view(np.dtype(f"i{array.dtype.itemsize}"))
        sign = 1 << (bits_stored - 1)
        low = (unsigned & ((1 << bits_stored) - 1)).astype(np.int32)
        return (low ^ sign) - sign
    if bits_stored < width:
        if not unsigned.flags.writeable:
            unsigned = unsigned.copy()
        np.bitwise_and(unsigned, (1 << bits_stored) - 1, out=unsigned)
    return unsigned


def _padding_mask(path: Path, ds: pydicom.Dataset, stored: np.ndarray) -> np.ndarray | None:
    """Pixels that are not padding (PS3.3 C.7.5.1.1.2), or ``None`` when there is no padding."""
    if _attribute(path, ds, "PixelPaddingValue") is None:
        return None
    lo = _integer(path, ds, "PixelPaddingValue")
    hi = _integer(path, ds, "PixelPaddingRangeLimit", default=lo)
    lo, hi = min(lo, hi), max(lo, hi)
    padding = (stored >= lo) & (stored <= hi)
    if not padding.any():
        return None
    if padding.all():
        raise UnusableImage(path, "bad_header", "every pixel equals the Pixel Padding Value")
    return ~padding


def _modality_lut(path: Path, ds: pydicom.Dataset, stored: np.ndarray) -> tuple[np.ndarray, str]:
    """Apply the Modality LUT (PS3.3 C.11.1); returns float32 values and a description."""
    sequence = _attribute(path, ds, "ModalityLUTSequence")
    if sequence:
        lut, first = _lut_table(path, sequence[0], "Modality LUT")
        index = np.clip(stored.astype(np.int64) - first, 0, len(lut) - 1)
        return lut[index].astype(np.float32), "lut"
    slope = _decimal(path, ds, "RescaleSlope") or 1.0
    intercept = _decimal(path, ds, "RescaleIntercept") or 0.0
    largest = float(2 ** (8 * stored.dtype.itemsize))  # bounds any stored value's magnitude
    if not abs(slope) * largest + abs(intercept) < np.finfo(np.float32).max:
        raise UnusableImage(
            path, "bad_header", f"Rescale Slope {slope:g} and Intercept {intercept:g} overflow 32-bit values"
        )
    values = stored.astype(np.float32)
    if slope != 1.0:
        values *= np.float32(slope)
    if intercept != 0.0:
        values += np.float32(intercept)
    return values, f"rescale slope={slope:g} intercept={intercept:g}"


def _lut_table(path: Path, item: pydicom.Dataset, name: str) -> tuple[np.ndarray, int]:
    """The entries and first mapped value of a Modality or VOI LUT item (PS3.3 C.11.1.1.1)."""
    descriptor = _attribute(path, item, "LUTDescriptor")
    raw = _attribute(path, item, "LUTData")
    try:
        entries, first, bits = (int(v) for v in descriptor)
    except (TypeError, ValueError):
        raise UnusableImage(path, "bad_header", f"{name} Descriptor {str(descriptor)[:40]} is not three numbers") from None
    if not 0 <= entries <= 65535 or not 1 <= bits <= 16 or raw is None:
        raise UnusableImage(path, "bad_header", f"{name} Descriptor {entries}, {first}, {bits} or its LUT Data is invalid")
    entries = entries or 65536
    if isinstance(raw, (bytes, bytearray)):
        dtype = np.uint8 if bits <= 8 and len(raw) == entries else np.uint16
        lut = np.frombuffer(raw[: len(raw) - len(raw) % np.dtype(dtype).itemsize], dtype=dtype)
    else:
        lut = np.asarray(raw if isinstance(raw, (list, tuple, MultiValue)) else [raw])
    if len(lut) < entries or lut.dtype.kind not in "iuf":
        raise UnusableImage(path, "bad_header", f"{name} Data holds {len(lut)} entries, the descriptor says {entries}")
    return lut[:entries].astype(np.float64), first


def _voi_lut(
    path: Path, ds: pydicom.Dataset, values: np.ndarray, valid: np.ndarray | None, *, mode: str
) -> tuple[np.ndarray, str]:
    """Apply the VOI LUT (PS3.3 C.11.2) with output range [0, 1]; returns values and a description."""
    if mode == "header":
        sequence = _attribute(path, ds, "VOILUTSequence")
        if sequence:
            lut, first = _lut_table(path, sequence[0], "VOI LUT")
            bits = int(sequence[0].LUTDescriptor[2])
            top = float(2**bits - 1) if lut.max() <= 2**bits - 1 else float(lut.max())
            index = np.clip(np.floor(values).astype(np.int64) - first, 0, len(lut) - 1)
            return (lut[index] / max(top, 1.0)).astype(np.float32), "voi-lut"
        centre, width = _decimal(path, ds, "WindowCenter"), _decimal(path, ds, "WindowWidth")
        function = str(_attribute(path, ds, "VOILUTFunction") or "LINEAR").strip().upper()
        if centre is not None and width is not None:
            if function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
                function = "LINEAR"
            if width > (1.0 if function == "LINEAR" else 0.0):
                out = window(values, centre, width, function)
                return out, f"window {function} c={centre:g} w={width:g}"
    sample = values[::4, ::4] if valid is None else values[::4, ::4][valid[::4, ::4]]
    lo, hi = np.percentile(sample, [0.1, 99.9]) if sample.size else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    out = (values - np.float32(lo)) * np.float32(1.0 / (hi - lo))
    return out, f"auto p0.1={lo:g} p99.9={hi:g}"


def window(values: np.ndarray, centre: float, width: float, function: str = "LINEAR") -> np.ndarray:
    """Window ``values`` into [0, 1] as PS3.3 C.11.2.1.2 (LINEAR, LINEAR_EXACT) and C.11.2.1.3 (SIGMOID).

    ``LINEAR`` is the standard's legacy form with its half-pixel offsets: below
    ``c - 0.5 - (w - 1) / 2`` is 0, above ``c - 0.5 + (w - 1) / 2`` is 1, linear in between.

    >>> window(np.array([0.0, 1023.5, 2047.0]), 1024, 2048).round(3).tolist()
    [0.0, 0.5, 1.0]
    >>> window(np.array([0.0, 1024.0, 2048.0]), 1024, 2048, "LINEAR_EXACT").tolist()
    [0.0, 0.5, 1.0]
    >>> float(window(np.array([1024.0]), 1024, 2048, "SIGMOID")[0])
    0.5
    """
    values = np.asarray(values, dtype=np.float32)
    if function == "LINEAR":
        out = (values - np.float32(centre - 0.5)) * np.float32(1.0 / (width - 1.0)) + np.float32(0.5)
    elif function == "LINEAR_EXACT":
        out = (values - np.float32(centre)) * np.float32(1.0 / width) + np.float32(0.5)
    elif function == "SIGMOID":
        with np.errstate(over="ignore"):  # exp overflows to inf far from the centre: the output is 0 there
            out = np.float32(1.0) / (np.float32(1.0) + np.exp(np.float32(-4.0 / width) * (values - np.float32(centre))))
        return out.astype(np.float32, copy=False)
    else:
        raise ValueError(f"unknown VOI LUT function {function!r}")
    return np.clip(out, 0.0, 1.0, out=out)


def _spacing(ds: pydicom.Dataset) -> tuple[float | None, float | None, str]:
    for keyword in ("ImagerPixelSpacing", "PixelSpacing"):
        try:
            row, col = (float(v) for v in ds.get(keyword))
        except Exception:  # absent, one value, not numbers: spacing is optional
            continue
        if 0 < row < math.inf and 0 < col < math.inf:
            return row, col, keyword
    return None, None, ""


def _metadata(path: Path, ds: pydicom.Dataset, pixel: _ImagePixel) -> dict[str, Any]:
    row, col, source = _spacing(ds)
    return {
        "source_file": str(path),
        "modality": _text(ds, "Modality"),
        "vendor": _text(ds, "Manufacturer"),
        "model": _text(ds, "ManufacturerModelName"),
        "photometric_interpretation": pixel.photometric,
        "bits_allocated": pixel.bits_allocated,
        "bits_stored": pixel.bits_stored,
        "pixel_representation": int(pixel.signed),
        "transfer_syntax": str(pixel.syntax),
        "rows": pixel.rows,
        "cols": pixel.cols,
        "pixel_spacing_row_mm": row,
        "pixel_spacing_col_mm": col,
        "spacing_source": source,
        "view_position": _text(ds, "ViewPosition"),
    }


def _text(ds: pydicom.Dataset, keyword: str) -> str:
    """A descriptive string attribute, ``""`` when absent or unreadable (it only labels the film);
    control characters, which would break a CSV row, become ``?``."""
    try:
        text = str(ds.get(keyword, "") or "")
    except Exception:
        return ""
    return text if text.isprintable() else one_line(text)
