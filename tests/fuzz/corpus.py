"""A generator of hostile archives: valid seed films and thousands of mutations of them.

Each file of the corpus comes with what the reader must make of it (:class:`Case.expect`):

``same:<seed>``
    Accepted, and decoded to exactly the pixels of the seed it was re-encoded from (another
    lossless transfer syntax, big endian, an icon sequence or a private value added, an odd
    name, a symbolic link...). This is what catches byte-swapped or shifted decodes.
``accept``
    Accepted (the seeds themselves, lossy re-encodings).
``reject:<reason>|<reason>``
    Refused with one of these reason codes (truncated JPEG, JPEG 2000 under a JPEG label, RLE
    under an uncompressed label, NaN windows, 65535 x 65535 claims, broken headers...).
``any``
    Either, with any named reason (random byte flips and cuts): only the global rules apply.

The global rules, checked by ``tests/fuzz/test_fuzz.py`` on every file whatever its
expectation: exactly one line per case (manifest or errors), never ``internal_error``, and no
accepted image that is blank (constant) after preprocessing.

Seeds are small (at least 64 px a side, the fuzz run's ``min_size``) so that ten thousand files
read in minutes: procedural chests in the storage formats of the simulator's vendors
(MONOCHROME1/2, 8-16 bits, signed or not, rescale, window, VOI and Modality LUT sequences,
padding) and, for the codecs pydicom cannot encode (JPEG lossless, JPEG-LS), the compressed test
files of ``pydicom-data`` relabelled as DX.
"""

from __future__ import annotations

import copy
import io
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.filewriter import dcmwrite
from pydicom.sequence import Sequence
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLosslessSV1,
    RLELossless,
    UID,
)

from tests.preprocess.conftest import new_dataset

#: Marker written into every seed's patient attributes; it must never reach any output.
PATIENT_MARKER = "FUZZ^PATIENT^SECRET"


@dataclass(frozen=True)
class Case:
    """One path of the corpus, relative to its root, with what reading it must give."""

    path: str
    expect: str
    kind: str


def chest(rows: int, cols: int, seed: int) -> np.ndarray:
    """A crude PA chest in [0, 1] (bright = attenuating): body, two lungs, spine, noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:rows, :cols] / np.array([rows, cols])[:, None, None]
    image = np.where(np.abs(xx - 0.5) < 0.42, 0.75, 0.05)
    for centre in (0.3, 0.7):
        lung = ((xx - centre) / 0.14) ** 2 + ((yy - 0.45) / 0.3) ** 2 < 1
        image = np.where(lung, 0.3 + 0.1 * np.sin(40 * yy), image)
    image = np.where(np.abs(xx - 0.5) < 0.04, 0.9, image)
    return np.clip(image + rng.normal(0, 0.03, image.shape), 0, 1)


def _dataset(pixels: np.ndarray, *, bits_stored: int, signed: bool, photometric: str, **attributes) -> Dataset:
    ds = new_dataset()
    ds.PatientName = PATIENT_MARKER
    ds.PatientID = "FUZZ-ID-SECRET"
    ds.Modality = "DX"
    ds.Manufacturer = "Fuzz"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = pixels.dtype.itemsize * 8
    ds.BitsStored, ds.HighBit = bits_stored, bits_stored - 1
    ds.PixelRepresentation = int(signed)
    for key, value in attributes.items():
        setattr(ds, key, value)
    ds.PixelData = pixels.tobytes()
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
    return ds


def seed_datasets() -> dict[str, Dataset]:
    """The uncompressed seeds, one per way the simulator's vendors store a film."""
    shape = (160, 128)
    seeds = {
        "u12_mono2_window": _dataset(
            np.rint(chest(*shape, 1) * 4095).astype(np.uint16), bits_stored=12, signed=False,
            photometric="MONOCHROME2", WindowCenter=2048, WindowWidth=4096, RescaleSlope=1, RescaleIntercept=0,
        ),
        "s12_mono1_rescale": _dataset(
            (2047 - np.rint(chest(*shape, 2) * 4095)).astype(np.int16), bits_stored=12, signed=True,
            photometric="MONOCHROME1", RescaleSlope=0.5, RescaleIntercept=100, WindowCenter=100, WindowWidth=2048,
        ),
        "u8_auto": _dataset(np.rint(chest(*shape, 3) * 255).astype(np.uint8), bits_stored=8, signed=False, photometric="MONOCHROME2"),
        "u16_sigmoid": _dataset(
            np.rint(chest(*shape, 4) * 60000).astype(np.uint16), bits_stored=16, signed=False,
            photometric="MONOCHROME2", WindowCenter=30000, WindowWidth=40000, VOILUTFunction="SIGMOID",
        ),
        "u10_padding": _dataset(
            _padded(np.rint(chest(*shape, 5) * 1000).astype(np.uint16), 1023), bits_stored=10, signed=False,
            photometric="MONOCHROME2", PixelPaddingValue=1023,
        ),
    }
    lut = copy.deepcopy(seeds["u12_mono2_window"])
    item = Dataset()
    item.LUTDescriptor = [4096, 0, 16]
    item.LUTData = (np.sqrt(np.arange(4096) / 4095) * 65535).astype(np.uint16).tobytes()
    item["LUTData"].VR = "OW"
    item.ModalityLUTType = "US"
    lut.ModalityLUTSequence = Sequence([item])
    del lut.RescaleSlope, lut.RescaleIntercept, lut.WindowCenter, lut.WindowWidth
    seeds["u12_modality_lut"] = lut
    return seeds


def _padded(pixels: np.ndarray, value: int) -> np.ndarray:
    pixels = pixels.copy()
    pixels[:, :6] = value
    return pixels


def testdata_seeds() -> dict[str, bytes]:
    """pydicom-data's compressed grayscale files relabelled as DX (codecs pydicom cannot encode)."""
    from pydicom.data import get_testdata_file

    seeds = {}
    for key, name in (
        ("jpeg_lossless_16", "JPEG-LL.dcm"),
        ("jpeg_lossless_8", "JPGLosslessP14SV1_1s_1f_8b.dcm"),
        ("jpeg_ls_16", "MR_small_jpeg_ls_lossless.dcm"),
    ):
        path = get_testdata_file(name)
        if path is None:
            continue
        ds = pydicom.dcmread(path)
        ds.Modality = "DX"
        ds.PatientName = PATIENT_MARKER
        for keyword in ("NumberOfFrames", "FrameIncrementPointer"):
            if keyword in ds:
                delattr(ds, keyword)
        seeds[key] = _to_bytes(ds)
    return seeds


def _to_bytes(ds: Dataset, *, syntax: UID | None = None) -> bytes:
    buffer = io.BytesIO()
    if syntax is None:
        ds.save_as(buffer, enforce_file_format=True)
    else:
        ds.file_meta.TransferSyntaxUID = syntax
        little, implicit = syntax != ExplicitVRBigEndian, syntax == ImplicitVRLittleEndian
        ds.preamble = b"\0" * 128
        dcmwrite(buffer, ds, little_endian=little, implicit_vr=implicit, force_encoding=True)
    return buffer.getvalue()


def _reencoded(ds: Dataset, syntax: UID) -> bytes:
    """``ds`` written losslessly in another transfer syntax."""
    ds = copy.deepcopy(ds)
    if syntax == ExplicitVRBigEndian:
        array = np.frombuffer(ds.PixelData, dtype=f"<{'i' if ds.PixelRepresentation else 'u'}{ds.BitsAllocated // 8}")
        ds.PixelData = array.astype(array.dtype.newbyteorder(">")).tobytes()
        return _to_bytes(ds, syntax=syntax)
    if syntax in (ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian):
        ds.file_meta.TransferSyntaxUID = syntax
        return _to_bytes(ds)
    ds.compress(syntax)
    return _to_bytes(ds)


def _jpeg_baseline(ds: Dataset, syntax: UID = JPEGBaseline8Bit) -> bytes:
    """An 8-bit seed as JPEG Baseline through Pillow (lossy); under the JPEG Extended label too,
    which admits 8-bit sequential streams (no encoder of 12-bit JPEG is at hand)."""
    ds = copy.deepcopy(ds)
    array = np.frombuffer(ds.PixelData, dtype=np.uint8).reshape(ds.Rows, ds.Columns)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=90)
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.file_meta.TransferSyntaxUID = syntax
    return _to_bytes(ds)


# --- mutations: each takes (dataset bytes, rng) and returns (bytes or None, expectation) ----------

Mutation = Callable[[bytes, random.Random], tuple[bytes | None, str]]


def _edit(data: bytes, change: Callable[[Dataset], None]) -> bytes:
    ds = pydicom.dcmread(io.BytesIO(data))
    change(ds)
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return buffer.getvalue()


def _set(**values) -> Callable[[Dataset], None]:
    def change(ds: Dataset) -> None:
        for keyword, value in values.items():
            if value is None:
                if keyword in ds:
                    delattr(ds, keyword)
            else:
                setattr(ds, keyword, value)

    return change


def _has_modality_lut(data: bytes) -> bool:
    """A Modality LUT Sequence overrides Rescale Slope/Intercept: rescale mutations do not apply."""
    return "ModalityLUTSequence" in pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)


def _header(values: dict, expect: str) -> Mutation:
    """Set header values; rescale changes do not apply to a film with a Modality LUT Sequence."""

    def mutate(data: bytes, rng: random.Random) -> tuple[bytes | None, str]:
        if any(k.startswith("Rescale") for k in values) and _has_modality_lut(data):
            return None, ""
        return _edit(data, _set(**values)), expect

    return mutate


def _raw_element(tag: int, vr: str, value) -> Callable[[Dataset], None]:
    def change(ds: Dataset) -> None:
        ds.add_new(tag, vr, value)

    return change


HEADER_MUTATIONS: dict[str, Mutation] = {
    "rows_huge": _header({"Rows": 65535, "Columns": 65535}, "reject:too_large"),
    "rows_more": _header({"Rows": 200}, "reject:truncated_pixel_data|encoding_mismatch|decode_failed"),
    "cols_fewer": _header({"Columns": 100}, "reject:encoding_mismatch|decode_failed"),
    "rows_zero": _header({"Rows": 0}, "reject:bad_header|too_small"),
    "bits_allocated_12": _header({"BitsAllocated": 12}, "reject:bad_header"),
    "bits_allocated_0": _header({"BitsAllocated": 0}, "reject:bad_header"),
    "bits_allocated_missing": _header({"BitsAllocated": None}, "reject:bad_header"),
    "bits_stored_0": _header({"BitsStored": 0}, "reject:bad_header"),
    "bits_stored_over": _header({"BitsStored": 40}, "reject:bad_header"),
    "bits_stored_missing": _header({"BitsStored": None}, "reject:bad_header"),
    "pixel_representation_2": _header({"PixelRepresentation": 2}, "reject:bad_header"),
    "pixel_representation_missing": _header({"PixelRepresentation": None}, "reject:bad_header"),
    "samples_0": _header({"SamplesPerPixel": 0}, "reject:bad_header"),
    "samples_missing": _header({"SamplesPerPixel": None}, "reject:bad_header"),
    "samples_3": _header({"SamplesPerPixel": 3}, "reject:colour"),
    "rgb": _header({"PhotometricInterpretation": "RGB"}, "reject:colour"),
    "photometric_missing": _header({"PhotometricInterpretation": None}, "reject:bad_header"),
    "frames_fraction": _header({"NumberOfFrames": "1.5"}, "reject:bad_header"),
    "frames_zero": _header({"NumberOfFrames": "0"}, "reject:bad_header"),
    "frames_two": _header({"NumberOfFrames": "2"}, "reject:multi_frame"),
    "modality_ct": _header({"Modality": "CT"}, "reject:modality"),
    "window_nan": _header({"WindowCenter": "NaN", "WindowWidth": 400}, "reject:bad_header"),
    "window_inf": _header({"WindowCenter": 100, "WindowWidth": "inf"}, "reject:bad_header"),
    "window_overflow": _header({"WindowCenter": "1e39", "WindowWidth": 400}, "reject:bad_header"),
    "window_huge": _header({"WindowCenter": 0, "WindowWidth": "1e30"}, "reject:blank_image"),
    "window_far": _header({"WindowCenter": "-1e9", "WindowWidth": 10}, "reject:blank_image"),
    "window_text": lambda data, rng: (_patched(data, "WindowCenter", "abc.de"), "reject:bad_header"),
    "slope_nan": _header({"RescaleSlope": "NaN"}, "reject:bad_header"),
    "slope_inf": _header({"RescaleSlope": "-inf"}, "reject:bad_header"),
    "slope_overflow": _header({"RescaleSlope": "1e37", "RescaleIntercept": 0}, "reject:bad_header"),
    "intercept_huge": _header({"RescaleIntercept": "1e30", "WindowCenter": 0, "WindowWidth": 100}, "reject:blank_image"),
    "slope_text": lambda data, rng: (_patched(data, "RescaleSlope", "x1,2.3"), "reject:bad_header"),
    "syntax_garbage": lambda data, rng: (_patched_syntax(data, b"1.2.840.10008.1.2.X\0"), "reject:bad_header"),
    "syntax_unknown": lambda data, rng: (_relabel(data, "1.2.3.4.5.6"), "reject:no_decoder"),
    "padding_multi": lambda data, rng: (_edit(data, _raw_element(0x00280120, "US", [0, 1])), "reject:bad_header"),
    "lut_descriptor_bad": lambda data, rng: (_edit(data, _bad_voi_lut), "reject:bad_header"),
    "no_pixel_data": _header({"PixelData": None}, "reject:no_pixel_data"),
    "empty_pixel_data": lambda data, rng: (_edit(data, _empty_pixel_data), "reject:no_pixel_data"),
    "icon_only": lambda data, rng: (_edit(data, lambda ds: (_add_icon(ds), delattr(ds, "PixelData"))), "reject:no_pixel_data"),
    "private_tag_bytes_only": lambda data, rng: (
        _edit(data, lambda ds: (_add_private(ds), delattr(ds, "PixelData"))), "reject:no_pixel_data"
    ),
}

#: Mutations that keep the film and its pixels: the result must decode to the seed's pixels.
KEEPING_MUTATIONS: dict[str, Mutation] = {
    "icon_added": lambda data, rng: (_edit(data, _add_icon), "same"),
    "private_tag_bytes": lambda data, rng: (_edit(data, _add_private), "same"),
    "patient_fields_odd": _header({"PatientName": "Ünïcødé^" + PATIENT_MARKER, "PatientBirthDate": "19000101"}, "same"),
    "view_missing": _header({"ViewPosition": None}, "same"),
    "zeros_appended": lambda data, rng: (_zeros_appended(data, rng)[0], "same"),
}


_PLACEHOLDER = "-7.7e7"


def _patched(data: bytes, keyword: str, text: str) -> bytes | None:
    """``data`` with ``keyword`` set to ``text``, a value pydicom refuses to write: a placeholder of
    the same length is written, then its bytes are replaced."""
    if len(text) != len(_PLACEHOLDER) or (keyword.startswith("Rescale") and _has_modality_lut(data)):
        return None
    written = _edit(data, _set(**{keyword: _PLACEHOLDER}))
    position = written.find(_PLACEHOLDER.encode(), 132)
    if position < 0:  # a deflated dataset: its bytes are not the values
        return None
    return written[:position] + text.encode() + written[position + len(text) :]


def _patched_syntax(data: bytes, uid: bytes) -> bytes | None:
    """``data`` with its Transfer Syntax UID bytes replaced by ``uid``: Explicit VR Little Endian
    files only, whose UID has the length of the ones used, so that the group length stays right."""
    ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    current = str(ds.file_meta.TransferSyntaxUID).encode()
    current += b"\0" * (len(current) % 2)
    if ds.file_meta.TransferSyntaxUID != ExplicitVRLittleEndian or len(current) != len(uid):
        return None
    position = data.find(current, 132)
    return data[:position] + uid + data[position + len(uid) :]


def _relabel(data: bytes, syntax: str) -> bytes:
    ds = pydicom.dcmread(io.BytesIO(data))
    ds.file_meta.TransferSyntaxUID = syntax
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return buffer.getvalue()


def _bad_voi_lut(ds: Dataset) -> None:
    item = Dataset()
    item.LUTDescriptor = [4096, 0, 99]
    item.LUTData = b"\x00\x01" * 16
    item["LUTData"].VR = "OW"
    ds.VOILUTSequence = Sequence([item])


def _empty_pixel_data(ds: Dataset) -> None:
    ds.PixelData = b""
    ds["PixelData"].is_undefined_length = False


def _add_icon(ds: Dataset) -> None:
    icon = Dataset()
    icon.Rows = icon.Columns = 8
    icon.SamplesPerPixel = 1
    icon.PhotometricInterpretation = "MONOCHROME2"
    icon.BitsAllocated = icon.BitsStored = 8
    icon.HighBit = 7
    icon.PixelRepresentation = 0
    icon.PixelData = bytes(range(64))
    ds.IconImageSequence = Sequence([icon])


def _add_private(ds: Dataset) -> None:
    block = ds.private_block(0x0029, "FUZZ VENDOR", create=True)
    block.add_new(0x10, "OB", b"\x00\xe0\x7f\x10\x00OW\x00\x00\xff\xff\xff\x7f" * 8)


def _truncated_jpeg(data: bytes, rng: random.Random) -> tuple[bytes | None, str]:
    """The compressed frame cut short and re-encapsulated (a valid container, a broken stream)."""
    ds = pydicom.dcmread(io.BytesIO(data))
    if not ds.file_meta.TransferSyntaxUID.is_compressed or ds.file_meta.TransferSyntaxUID == RLELossless:
        return None, ""
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    cut = frame[: rng.randint(len(frame) // 4, len(frame) - 16)]
    ds.PixelData = encapsulate([cut])
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return buffer.getvalue(), "reject:decode_failed|encoding_mismatch"


def _relabel_compressed(target: UID, expect: str, only: tuple[UID, ...]) -> Mutation:
    def mutate(data: bytes, rng: random.Random) -> tuple[bytes | None, str]:
        ds = pydicom.dcmread(io.BytesIO(data))
        if ds.file_meta.TransferSyntaxUID not in only:
            return None, ""
        return _relabel(data, target), expect

    return mutate


def _rle_claims(rows: int, cols: int, expect: str) -> Mutation:
    def mutate(data: bytes, rng: random.Random) -> tuple[bytes | None, str]:
        ds = pydicom.dcmread(io.BytesIO(data))
        if ds.file_meta.TransferSyntaxUID != RLELossless:
            return None, ""
        return _edit(data, _set(Rows=rows, Columns=cols)), expect

    return mutate


SYNTAX_MUTATIONS: dict[str, Mutation] = {
    "jpeg_cut_short": _truncated_jpeg,
    "j2k_as_jpeg_baseline": _relabel_compressed(JPEGBaseline8Bit, "reject:encoding_mismatch", (JPEG2000Lossless, JPEG2000)),
    "rle_as_uncompressed": _relabel_compressed(ExplicitVRLittleEndian, "reject:encoding_mismatch", (RLELossless,)),
    "jpeg_ll_as_j2k": _relabel_compressed(JPEG2000Lossless, "reject:encoding_mismatch", (JPEGLosslessSV1,)),
    "j2k_as_rle": _relabel_compressed(RLELossless, "reject:encoding_mismatch", (JPEG2000Lossless,)),
    "rle_claims_65535": _rle_claims(65535, 65535, "reject:too_large"),
    "rle_claims_4000": _rle_claims(4000, 4000, "reject:too_large"),
    "rle_fewer_columns": _rle_claims(160, 100, "reject:decode_failed|encoding_mismatch"),
    "native_as_rle": lambda data, rng: (_patched_syntax(data, b"1.2.840.10008.1.2.5\0"), "reject:encoding_mismatch"),
}


def _byte_flips(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    out = bytearray(data)
    for _ in range(rng.choice([1, 2, 8, 64])):
        out[rng.randrange(132, len(out))] = rng.randrange(256)
    return bytes(out), "any"


def _header_flips(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    out = bytearray(data)
    end = min(len(out), 1200)
    for _ in range(rng.choice([1, 3, 10])):
        out[rng.randrange(132, end)] = rng.randrange(256)
    return bytes(out), "any"


def _cut(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    return data[: rng.randrange(0, len(data) - 1)], "any"


def _zeros_after_meta(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Megabytes of zeros between the File Meta and the dataset (found by pydicom's own meta
    reader: the group length is absent in some files)."""
    from pydicom.filereader import _read_file_meta_info

    handle = io.BytesIO(data)
    handle.seek(132)
    _read_file_meta_info(handle)
    start = handle.tell()
    return data[:start] + b"\0" * rng.choice([1 << 20, 3 << 20]) + data[start:], "reject:unreadable"


def _zeros_appended(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    return data + b"\0" * rng.choice([1 << 10, 1 << 20]), "any"


BYTE_MUTATIONS: dict[str, Mutation] = {
    "byte_flips": _byte_flips,
    "header_flips": _header_flips,
    "cut": _cut,
    "zeros_after_meta": _zeros_after_meta,
}


def _raster_files(rng: random.Random) -> list[tuple[str, bytes, str]]:
    """Non-DICOM files: valid rasters, broken ones, colour, blank, NaN floats, garbage."""
    image = chest(160, 128, rng.randrange(1000))
    files = []
    for mode, scale, dtype in (("L", 255, np.uint8), ("I;16", 65535, np.uint16)):
        buffer = io.BytesIO()
        Image.fromarray(np.rint(image * scale).astype(dtype), mode=mode if mode == "L" else None).save(buffer, format="PNG")
        files.append((f"raster_{dtype.__name__}.png", buffer.getvalue(), "accept"))
        files.append((f"raster_{dtype.__name__}_cut.png", buffer.getvalue()[: len(buffer.getvalue()) // 2], "reject:decode_failed|not_dicom"))
    floats = image.astype(np.float32)
    floats[rng.randrange(160), rng.randrange(128)] = rng.choice([np.nan, np.inf, -np.inf])
    buffer = io.BytesIO()
    Image.fromarray(floats, mode="F").save(buffer, format="TIFF")
    files.append(("raster_float_one_nan.tif", buffer.getvalue(), "accept"))
    buffer = io.BytesIO()
    Image.fromarray(np.full((160, 128), 77, np.uint8)).save(buffer, format="PNG")
    files.append(("raster_constant.png", buffer.getvalue(), "reject:blank_image"))
    colour = np.stack([np.rint(image * 255), np.zeros_like(image), np.rint(image * 128)], axis=-1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(colour).save(buffer, format="PNG")
    files.append(("raster_colour.png", buffer.getvalue(), "reject:colour"))
    files.append(("garbage.dcm", rng.randbytes(rng.randrange(0, 5000)), "reject:not_dicom"))
    files.append(("empty.dcm", b"", "reject:not_dicom"))
    files.append(("only_preamble.dcm", b"\0" * 128 + b"DICM", "reject:unreadable|no_pixel_data"))
    return files


def build_corpus(root: Path, n_files: int, seed: int) -> list[Case]:
    """Write about ``n_files`` cases under ``root``; returns them with their expectations.

    The layout exercises the tree as well: duplicate names in sub-folders (``x.dcm`` beside
    ``sub/x.dcm`` and ``x_2.dcm``), non-UTF-8, long and odd names, symbolic links to files and
    folders, broken links, a link loop, a FIFO, hidden files and a hidden folder.
    """
    pydicom.config.settings.writing_validation_mode = pydicom.config.IGNORE  # hostile values on purpose
    pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def put(relative: str | bytes, data: bytes, expect: str, kind: str) -> None:
        path = root / (os.fsdecode(relative) if isinstance(relative, bytes) else relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        cases.append(Case(str(path.relative_to(root)), expect, kind))

    bases: dict[str, tuple[bytes, str]] = {}  # key -> (file bytes, seed it decodes like)
    for key, ds in seed_datasets().items():
        plain = _to_bytes(ds)
        put(f"seeds/{key}.dcm", plain, "accept", "seed")
        bases[f"{key}/explicit"] = (plain, key)
        for name, syntax in (
            ("implicit", ImplicitVRLittleEndian), ("big_endian", ExplicitVRBigEndian),
            ("deflated", DeflatedExplicitVRLittleEndian), ("rle", RLELossless), ("j2k_lossless", JPEG2000Lossless),
        ):  # fmt: skip
            bases[f"{key}/{name}"] = (_reencoded(ds, syntax), key)
        if ds.BitsAllocated == 8:
            bases[f"{key}/jpeg_baseline"] = (_jpeg_baseline(ds), "")
            bases[f"{key}/jpeg_extended"] = (_jpeg_baseline(ds, JPEGExtended12Bit), "")
        else:
            lossy = copy.deepcopy(ds)
            lossy.compress(JPEG2000, j2k_cr=[20])
            bases[f"{key}/j2k_lossy"] = (_to_bytes(lossy), "")
    for key, data in testdata_seeds().items():
        put(f"seeds/{key}.dcm", data, "accept", "seed")
        bases[f"{key}/native"] = (data, key)

    for key, (data, like) in bases.items():
        if "/explicit" not in key and "/native" not in key:
            put(f"encodings/{key.replace('/', '__')}.dcm", data, f"same:{like}" if like else "accept", "encoding")

    _tree_cases(root, bases, put, cases)
    _raster_cases(root, rng, put)

    mutations = [
        *(("header", name, m) for name, m in HEADER_MUTATIONS.items()),
        *(("keep", name, m) for name, m in KEEPING_MUTATIONS.items()),
        *(("syntax", name, m) for name, m in SYNTAX_MUTATIONS.items()),
        *(("bytes", name, m) for name, m in BYTE_MUTATIONS.items()),
    ]
    keys = sorted(bases)
    index = 0
    while len(cases) < n_files:
        group, name, mutation = mutations[index % len(mutations)]
        index += 1
        for _ in range(30):  # a mutation may not apply to a base (an RLE one to a JPEG file): try others
            key = keys[rng.randrange(len(keys))]
            data, like = bases[key]
            try:
                mutated, expect = mutation(data, rng)
            except Exception:  # pydicom refuses to write this mutation of this base
                mutated = None
            if mutated is not None:
                break
        if mutated is None:
            continue
        if expect == "same":
            expect = f"same:{like}" if like else "accept"
        folder = f"mutations/{len(cases) // 200:03d}"
        put(f"{folder}/{len(cases):05d}_{name}__{key.replace('/', '__')}.dcm", mutated, expect, f"{group}:{name}")
    return cases


def _tree_cases(root: Path, bases, put, cases: list[Case]) -> None:
    data, like = bases["u12_mono2_window/explicit"]
    same = f"same:{like}"
    put("tree/x.dcm", data, same, "tree:duplicate_name")
    put("tree/sub1/x.dcm", bases["s12_mono1_rescale/explicit"][0], "same:s12_mono1_rescale", "tree:duplicate_name")
    put("tree/sub2/x.dcm", bases["u8_auto/explicit"][0], "same:u8_auto", "tree:duplicate_name")
    put("tree/x_2.dcm", bases["u16_sigmoid/explicit"][0], "same:u16_sigmoid", "tree:duplicate_name")
    put("tree/X.DCM", data, same, "tree:duplicate_name")
    put(b"tree/caf\xe9-latin1.dcm", data, same, "tree:non_utf8_name")
    put("tree/" + "long" * 55 + ".dcm", data, same, "tree:long_name")
    put("tree/with space & 'quote\".dcm", data, same, "tree:odd_name")
    put("tree/line\nbreak.dcm", data, same, "tree:odd_name")
    put("tree/no_extension", data, same, "tree:odd_name")
    put("tree/.dcm", data, "reject:hidden", "tree:hidden")
    put("tree/.hidden/inside.dcm", data, "", "tree:hidden")
    cases.pop()
    cases.append(Case("tree/.hidden", "reject:hidden", "tree:hidden"))
    tree = root / "tree"
    (tree / "link_to_file.dcm").symlink_to(tree / "x.dcm")
    cases.append(Case("tree/link_to_file.dcm", same, "tree:symlink"))
    (tree / "broken_link.dcm").symlink_to(tree / "does_not_exist.dcm")
    cases.append(Case("tree/broken_link.dcm", "reject:not_a_file", "tree:broken_link"))
    (tree / "sub1" / "loop").symlink_to(tree)
    cases.append(Case("tree/sub1/loop", "reject:not_a_file", "tree:link_loop"))
    os.mkfifo(tree / "fifo.dcm")
    cases.append(Case("tree/fifo.dcm", "reject:not_a_file", "tree:fifo"))
    linked = root.parent / f"{root.name}_linked_target"  # outside the corpus: reached through the link only
    linked.mkdir(exist_ok=True)
    (linked / "in_linked_folder.dcm").write_bytes(data)
    (tree / "linked_folder").symlink_to(linked)
    cases.append(Case("tree/linked_folder/in_linked_folder.dcm", same, "tree:symlinked_folder"))
    if os.geteuid() != 0:  # root reads any folder: the case cannot be built as root
        locked = tree / "locked"
        locked.mkdir()
        (locked / "inside.dcm").write_bytes(data)
        locked.chmod(0)
        cases.append(Case("tree/locked", "reject:unreadable", "tree:unreadable_folder"))


def _raster_cases(root: Path, rng: random.Random, put) -> None:
    for name, data, expect in _raster_files(rng):
        put(f"rasters/{name}", data, expect, f"raster:{name.rsplit('.', 1)[0]}")
