"""What a compressed frame really is, read from its first bytes before any decoder runs.

A decoder trusts its input: handed a JPEG 2000 codestream under a JPEG label, a frame cut short,
or a frame far larger than the header claims, the plugins behind pydicom guess, fill the gap with
grey, allocate what the stream asks for, or panic. :func:`inspect_frame` reads the few header bytes
that say which codec wrote a frame, its size and whether it is complete, so that
:func:`check_frame` can compare them with the DICOM header first:

* JPEG (ISO/IEC 10918-1 Annex B) and JPEG-LS (ISO/IEC 14495-1 Annex C): Start Of Image ``FFD8``,
  a Start Of Frame marker (``SOF0``/``SOF1`` sequential, ``SOF3`` lossless, ``SOF55`` = ``FFF7``
  JPEG-LS) with precision, height, width and components, and the End Of Image ``FFD9``.
* JPEG 2000 (ISO/IEC 15444-1 Annex A): ``SOC`` ``FF4F`` then ``SIZ`` ``FF51`` with the image area
  and the components, and ``EOC`` ``FFD9`` at the end; a JP2 file wrapper, which some writers put
  in DICOM, is looked through to its codestream.
* RLE Lossless (DICOM PS3.5 Annex G): a 64-byte header of the segment count (1-15) and their
  offsets. An RLE replicate run is two bytes for at most 128 output bytes, so a segment of ``L``
  bytes decodes to at most ``64 L`` bytes: the pixels a frame can hold are bounded at once. Each
  segment must then decode to exactly one byte per pixel (PS3.5 G.2), which
  :func:`rle_decoded_lengths` measures segment by segment.

Encapsulated frames may end with a padding byte (PS3.5 A.4; writers use ``00`` or ``FF``), so
trailing ``00`` and ``FF`` bytes are ignored when the end marker is looked for.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["FrameInfo", "inspect_frame", "codec_of_syntax", "rle_decoded_lengths", "CODEC_SYNTAXES"]

#: The codec each compressed transfer syntax UID stands for (DICOM PS3.5 Annex A.4).
CODEC_SYNTAXES: dict[str, str] = {
    "1.2.840.10008.1.2.4.50": "jpeg",  # JPEG Baseline (Process 1)
    "1.2.840.10008.1.2.4.51": "jpeg",  # JPEG Extended (Process 2 and 4)
    "1.2.840.10008.1.2.4.57": "jpeg-lossless",  # JPEG Lossless, Non-Hierarchical (Process 14)
    "1.2.840.10008.1.2.4.70": "jpeg-lossless",  # JPEG Lossless, First-Order Prediction (Process 14 SV1)
    "1.2.840.10008.1.2.4.80": "jpeg-ls",  # JPEG-LS Lossless
    "1.2.840.10008.1.2.4.81": "jpeg-ls",  # JPEG-LS Near-Lossless
    "1.2.840.10008.1.2.4.90": "jpeg2000",  # JPEG 2000 Lossless Only
    "1.2.840.10008.1.2.4.91": "jpeg2000",  # JPEG 2000
    "1.2.840.10008.1.2.4.201": "jpeg2000",  # High-Throughput JPEG 2000 Lossless Only
    "1.2.840.10008.1.2.4.202": "jpeg2000",  # High-Throughput JPEG 2000 with RPCL Lossless Only
    "1.2.840.10008.1.2.4.203": "jpeg2000",  # High-Throughput JPEG 2000
    "1.2.840.10008.1.2.5": "rle",  # RLE Lossless
}

# Start Of Frame markers by the JPEG codec they belong to (ISO/IEC 10918-1 Table B.1; 14495-1 C.2.2).
_SOF_CODEC = {0xC0: "jpeg", 0xC1: "jpeg", 0xC3: "jpeg-lossless", 0xF7: "jpeg-ls"}
_ALL_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7}
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_RLE_RATIO = 64  # most output bytes per input byte of an RLE segment


@dataclass(frozen=True)
class FrameInfo:
    """What the first bytes of a compressed frame say.

    Attributes
    ----------
    codec : str
        ``jpeg``, ``jpeg-lossless``, ``jpeg-ls``, ``jpeg2000``, ``rle`` or ``unknown``.
    rows, columns, components, precision : int or None
        From the SOF or SIZ marker segment; ``None`` where the codec does not record them.
    complete : bool
        Whether the frame ends with its end marker (JPEG family) or its RLE segments lie within it.
    max_pixels : int or None
        For RLE, the most pixels per segment its shortest segment can decode to.
    segments : int or None
        For RLE, the number of segments the header declares.
    """

    codec: str
    rows: int | None = None
    columns: int | None = None
    components: int | None = None
    precision: int | None = None
    complete: bool = True
    max_pixels: int | None = None
    segments: int | None = None


def codec_of_syntax(syntax: str) -> str | None:
    """The codec of a compressed transfer syntax UID, ``None`` for the others.

    >>> codec_of_syntax("1.2.840.10008.1.2.4.90"), codec_of_syntax("1.2.840.10008.1.2.1")
    ('jpeg2000', None)
    """
    return CODEC_SYNTAXES.get(str(syntax))


def inspect_frame(frame: bytes, expected_codec: str) -> FrameInfo:
    """Read a compressed frame's header: codec, size, completeness.

    Parameters
    ----------
    frame : bytes
        One frame of encapsulated Pixel Data.
    expected_codec : str
        The codec the transfer syntax names; RLE has no signature, so its header is read only
        when RLE is expected.

    Examples
    --------
    >>> sof = bytes.fromhex("ffd8ffc0000b08010002000101001100")
    >>> inspect_frame(sof + bytes.fromhex("ffd9"), "jpeg")
    FrameInfo(codec='jpeg', rows=256, columns=512, components=1, precision=8, complete=True, max_pixels=None, segments=None)
    >>> inspect_frame(sof + b"\\x12\\x34", "jpeg").complete
    False
    >>> inspect_frame(b"\\x00" * 10, "jpeg").codec
    'unknown'
    """
    if frame.startswith(b"\xff\xd8"):
        return _inspect_jpeg(frame)
    if frame.startswith(b"\xff\x4f\xff\x51") or frame.startswith(_JP2_SIGNATURE):
        return _inspect_jpeg2000(frame)
    if expected_codec == "rle":
        return _inspect_rle(frame)
    return FrameInfo("unknown")


def _ends_with_eoi(frame: bytes) -> bool:
    return frame.rstrip(b"\x00\xff").endswith(b"\xff\xd9")


def _inspect_jpeg(frame: bytes) -> FrameInfo:
    """Walk the marker segments from SOI to the first SOF (ISO/IEC 10918-1 B.1.1.4)."""
    position = 2
    while position + 4 <= len(frame):
        if frame[position] != 0xFF:
            break
        marker = frame[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            position += 2
            continue
        (length,) = struct.unpack_from(">H", frame, position + 2)
        if marker in _ALL_SOF and position + 10 <= len(frame):
            precision = frame[position + 4]
            rows, columns = struct.unpack_from(">HH", frame, position + 5)
            components = frame[position + 9]
            return FrameInfo(
                _SOF_CODEC.get(marker, "jpeg-other"), rows, columns, components, precision, _ends_with_eoi(frame)
            )
        if length < 2:
            break
        position += 2 + length
    return FrameInfo("jpeg-other", complete=_ends_with_eoi(frame))


def _inspect_jpeg2000(frame: bytes) -> FrameInfo:
    """Read the SIZ marker segment (ISO/IEC 15444-1 A.5.1), looking through a JP2 wrapper."""
    start = frame.find(b"\xff\x4f\xff\x51")
    if start < 0 or start + 43 > len(frame):
        return FrameInfo("jpeg2000", complete=False)
    xsiz, ysiz, x0, y0 = struct.unpack_from(">IIII", frame, start + 8)
    (components,) = struct.unpack_from(">H", frame, start + 40)
    precision = (frame[start + 42] & 0x7F) + 1
    return FrameInfo("jpeg2000", ysiz - y0, xsiz - x0, components, precision, _ends_with_eoi(frame))


def _inspect_rle(frame: bytes) -> FrameInfo:
    """Read the RLE header (PS3.5 G.5): segment count and offsets, each segment's length."""
    if len(frame) < 64:
        return FrameInfo("unknown", complete=False)
    count, *offsets = struct.unpack_from("<16I", frame, 0)
    if not 1 <= count <= 15:
        return FrameInfo("unknown")
    starts = offsets[:count]
    ends = starts[1:] + [len(frame)]
    if starts[0] != 64 or any(b <= a for a, b in zip(starts, ends)) or ends[-1] > len(frame):
        return FrameInfo("rle", complete=False, segments=count)
    shortest = min(b - a for a, b in zip(starts, ends))
    return FrameInfo("rle", complete=True, max_pixels=_RLE_RATIO * shortest, segments=count)


def rle_decoded_lengths(frame: bytes) -> tuple[int, ...] | None:
    """The bytes each RLE segment of ``frame`` decodes to, or ``None`` when one cannot be decoded.

    Segments are decoded one by one with pylibjpeg-rle's ``decode_segment``, which needs no image
    size and so cannot be misled by a wrong one (its frame decoder panics, or silently drops the
    excess, when the header's size is smaller than the data). Call it after the 64x bound of
    :func:`inspect_frame` has been checked: a segment of ``L`` bytes then allocates at most
    ``64 L``.

    >>> frame = (1).to_bytes(4, "little") + (64).to_bytes(4, "little") + bytes(56)
    >>> rle_decoded_lengths(frame + bytes([2, 7, 8, 9, 0xFE, 5]))  # 3 literal, 3 replicated
    (6,)
    >>> rle_decoded_lengths(frame + bytes([9, 1])) is None  # a literal run cut short
    True
    """
    from rle.utils import decode_segment

    count, *offsets = struct.unpack_from("<16I", frame, 0)
    starts = offsets[:count]
    ends = starts[1:] + [len(frame)]
    lengths = []
    for start, end in zip(starts, ends):
        try:
            lengths.append(len(decode_segment(frame[start:end])))
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except BaseException:  # ValueError for a cut run, a Rust panic for an empty segment
            return None
    return tuple(lengths)
