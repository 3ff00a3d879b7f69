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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.multival import MultiValue
from pydicom.uid import UID

from cxrqa.io.errors import UnusableImage

#: Modalities accepted by default: projection radiography (PS3.3 C.7.3.1.1.1; ``DR`` is a
#: retired code some vendors still write, ``RG`` is radiographic imaging).
DEFAULT_MODALITIES: tuple[str, ...] = ("CR", "DX", "DR", "RG")

_PIXEL_DATA_TAG_LE = b"\xe0\x7f\x10\x00"  # (7FE0,0010) in little endian, as Part 10 files encode it


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
) -> Radiograph:
    """Read one DICOM radiograph and run the grayscale pixel pipeline (see the module docstring).

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
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnusableImage(path, "unreadable", f"cannot open the file: {error}") from error
    if not is_dicom_file(data[:132]):
        raise UnusableImage(path, "not_dicom", "no DICOM Part 10 preamble and 'DICM' marker")
    try:
        ds = pydicom.dcmread(io.BytesIO(data))
    except Exception as error:  # pydicom raises InvalidDicomError, EOFError, ValueError, ...
        raise UnusableImage(path, "unreadable", f"DICOM parse error: {error}") from error

    _check_header(path, ds, data, modalities=modalities, min_size=min_size)
    stored = _stored_values(path, ds)
    valid = _padding_mask(ds, stored)
    values, modality_lut = _modality_lut(ds, stored)
    display, voi_lut = _voi_lut(ds, values, valid, mode=voi)
    photometric = str(ds.PhotometricInterpretation).strip()
    if photometric == "MONOCHROME1":
        np.subtract(1.0, display, out=display)
    if valid is not None:
        display[~valid] = 0.0
    np.clip(display, 0.0, 1.0, out=display)

    meta = _metadata(path, ds)
    meta.update(modality_lut=modality_lut, voi_lut=voi_lut)
    return Radiograph(image=display, valid=valid, meta=meta)


def _check_header(
    path: Path, ds: pydicom.Dataset, data: bytes, *, modalities: tuple[str, ...] | None, min_size: int
) -> None:
    """Reject, cheaply and before decoding, what can never be a radiograph for the model."""
    if "PixelData" not in ds:
        if "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
            raise UnusableImage(path, "no_pixel_data", "only Float/Double Float Pixel Data (a parametric map)")
        if data.find(_PIXEL_DATA_TAG_LE, 132) >= 0:
            raise UnusableImage(
                path, "truncated_pixel_data", "the file ends inside the Pixel Data element"
            )
        raise UnusableImage(path, "no_pixel_data", "the dataset has no Pixel Data (7FE0,0010) element")
    for keyword in ("Rows", "Columns", "BitsAllocated", "PhotometricInterpretation"):
        if ds.get(keyword) in (None, ""):
            raise UnusableImage(path, "bad_header", f"{keyword} is missing")
    photometric = str(ds.PhotometricInterpretation).strip()
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    if photometric not in ("MONOCHROME1", "MONOCHROME2") or samples != 1:
        raise UnusableImage(
            path, "colour", f"Photometric Interpretation {photometric} with {samples} samples per pixel"
        )
    frames = _number_of_frames(ds)
    if frames != 1:
        raise UnusableImage(path, "multi_frame", f"{frames} frames (a volume or a cine); one is needed")
    modality = str(ds.get("Modality", "") or "").strip().upper()
    if modalities is not None and modality not in {m.upper() for m in modalities}:
        raise UnusableImage(
            path,
            "modality",
            f"Modality '{modality or '(none)'}' is not a projection radiograph "
            f"(accepted: {', '.join(modalities)})",
        )
    rows, cols = int(ds.Rows), int(ds.Columns)
    if min(rows, cols) < min_size:
        raise UnusableImage(
            path, "too_small", f"{rows} x {cols} pixels, at least {min_size} needed on each side"
        )
    syntax = UID(ds.file_meta.get("TransferSyntaxUID", pydicom.uid.ImplicitVRLittleEndian))
    if syntax.is_compressed:
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
    else:
        expected = rows * cols * int(ds.BitsAllocated) // 8
        if len(ds.PixelData) < expected:
            raise UnusableImage(
                path,
                "truncated_pixel_data",
                f"{len(ds.PixelData)} bytes of pixel data, {expected} expected for "
                f"{rows} x {cols} x {ds.BitsAllocated} bits",
            )


def _number_of_frames(ds: pydicom.Dataset) -> int:
    value = ds.get("NumberOfFrames", 1)
    try:
        return int(value) if value not in (None, "") else 1
    except (TypeError, ValueError):
        return -1


def _syntax_name(syntax: UID) -> str:
    return f"{syntax.name} ({syntax})" if syntax.name != str(syntax) else str(syntax)


def _stored_values(path: Path, ds: pydicom.Dataset) -> np.ndarray:
    """Decode Pixel Data to stored values, honouring Bits Stored and Pixel Representation."""
    try:
        array = ds.pixel_array
    except Exception as error:  # decoders raise ValueError, RuntimeError, OSError, ...
        syntax = UID(ds.file_meta.TransferSyntaxUID)
        reason = "decode_failed" if syntax.is_compressed else "truncated_pixel_data"
        raise UnusableImage(path, reason, f"{type(error).__name__}: {error}") from error
    if array.ndim != 2:
        raise UnusableImage(path, "multi_frame", f"decoded pixel data has shape {array.shape}")
    if array.dtype.kind not in "iu":
        raise UnusableImage(path, "bad_header", f"pixel data of type {array.dtype} is not integer")
    bits_stored = int(ds.get("BitsStored", array.dtype.itemsize * 8) or array.dtype.itemsize * 8)
    signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
    return to_stored_values(array, bits_stored, signed)


def to_stored_values(array: np.ndarray, bits_stored: int, signed: bool) -> np.ndarray:
    """Keep the low ``bits_stored`` bits of each value, sign-extended when ``signed``.

    Pixel cells may hold more bits than are stored (PS3.5 8.1.1); the high bits may carry overlay
    or garbage and must be ignored. Idempotent, so values a decoder already cleaned pass unchanged.

    >>> to_stored_values(np.array([0x8FFF, 0x0123], dtype=np.uint16), 12, False).tolist()
    [4095, 291]
    >>> to_stored_values(np.array([0x0FFF, 0x0800, 0x07FF], dtype=np.uint16), 12, True).tolist()
    [-1, -2048, 2047]
    """
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


def _padding_mask(ds: pydicom.Dataset, stored: np.ndarray) -> np.ndarray | None:
    """Pixels that are not padding (PS3.3 C.7.5.1.1.2), or ``None`` when there is no padding."""
    value = ds.get("PixelPaddingValue")
    if value is None:
        return None
    limit = ds.get("PixelPaddingRangeLimit")
    lo, hi = (int(value), int(limit)) if limit is not None else (int(value), int(value))
    lo, hi = min(lo, hi), max(lo, hi)
    padding = (stored >= lo) & (stored <= hi)
    if not padding.any():
        return None
    if padding.all():
        raise UnusableImage(ds.filename or "", "bad_header", "every pixel equals the Pixel Padding Value")
    return ~padding


def _modality_lut(ds: pydicom.Dataset, stored: np.ndarray) -> tuple[np.ndarray, str]:
    """Apply the Modality LUT (PS3.3 C.11.1); returns float32 values and a description."""
    sequence = ds.get("ModalityLUTSequence")
    if sequence:
        item = sequence[0]
        lut, first = _lut_table(item)
        index = np.clip(stored.astype(np.int64) - first, 0, len(lut) - 1)
        return lut[index].astype(np.float32), "lut"
    slope = float(ds.get("RescaleSlope", 1.0) or 1.0)
    intercept = float(ds.get("RescaleIntercept", 0.0) or 0.0)
    values = stored.astype(np.float32)
    if slope != 1.0:
        values *= np.float32(slope)
    if intercept != 0.0:
        values += np.float32(intercept)
    return values, f"rescale slope={slope:g} intercept={intercept:g}"


def _lut_table(item: pydicom.Dataset) -> tuple[np.ndarray, int]:
    """The entries and first mapped value of a Modality or VOI LUT item (PS3.3 C.11.1.1.1)."""
    entries, first, bits = (int(v) for v in item.LUTDescriptor)
    entries = entries or 65536
    raw = item.LUTData
    if isinstance(raw, (bytes, bytearray)):
        dtype = np.uint8 if bits <= 8 and len(raw) == entries else np.uint16
        lut = np.frombuffer(raw, dtype=dtype)
    else:
        lut = np.asarray(raw if isinstance(raw, (list, tuple, MultiValue)) else [raw])
    return lut[:entries].astype(np.float64), first


def _voi_lut(
    ds: pydicom.Dataset, values: np.ndarray, valid: np.ndarray | None, *, mode: str
) -> tuple[np.ndarray, str]:
    """Apply the VOI LUT (PS3.3 C.11.2) with output range [0, 1]; returns values and a description."""
    if mode == "header":
        sequence = ds.get("VOILUTSequence")
        if sequence:
            item = sequence[0]
            lut, first = _lut_table(item)
            bits = int(item.LUTDescriptor[2])
            top = float(2**bits - 1) if lut.max() <= 2**bits - 1 else float(lut.max())
            index = np.clip(np.floor(values).astype(np.int64) - first, 0, len(lut) - 1)
            return (lut[index] / top).astype(np.float32), "voi-lut"
        centre, width = _first(ds.get("WindowCenter")), _first(ds.get("WindowWidth"))
        function = str(ds.get("VOILUTFunction", "LINEAR") or "LINEAR").strip().upper()
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


def _first(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple, MultiValue)):
        if not len(value):
            return None
        value = value[0]
    return float(value)


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
        out = np.float32(1.0) / (np.float32(1.0) + np.exp(np.float32(-4.0 / width) * (values - np.float32(centre))))
        return out.astype(np.float32, copy=False)
    else:
        raise ValueError(f"unknown VOI LUT function {function!r}")
    return np.clip(out, 0.0, 1.0, out=out)


def _spacing(ds: pydicom.Dataset) -> tuple[float | None, float | None, str]:
    for keyword in ("ImagerPixelSpacing", "PixelSpacing"):
        value = ds.get(keyword)
        try:
            row, col = (float(v) for v in value)
        except (TypeError, ValueError):
            continue
        if row > 0 and col > 0:
            return row, col, keyword
    return None, None, ""


def _metadata(path: Path, ds: pydicom.Dataset) -> dict[str, Any]:
    row, col, source = _spacing(ds)
    syntax = UID(ds.file_meta.get("TransferSyntaxUID", pydicom.uid.ImplicitVRLittleEndian))
    return {
        "source_file": str(path),
        "modality": str(ds.get("Modality", "") or ""),
        "vendor": str(ds.get("Manufacturer", "") or ""),
        "model": str(ds.get("ManufacturerModelName", "") or ""),
        "photometric_interpretation": str(ds.PhotometricInterpretation).strip(),
        "bits_allocated": int(ds.BitsAllocated),
        "bits_stored": int(ds.get("BitsStored", ds.BitsAllocated) or ds.BitsAllocated),
        "pixel_representation": int(ds.get("PixelRepresentation", 0) or 0),
        "transfer_syntax": str(syntax),
        "rows": int(ds.Rows),
        "cols": int(ds.Columns),
        "pixel_spacing_row_mm": row,
        "pixel_spacing_col_mm": col,
        "spacing_source": source,
        "view_position": str(ds.get("ViewPosition", "") or ""),
    }
