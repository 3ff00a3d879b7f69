"""Regression tests for hostile archives: no hang, no wrong patient, no garbage accepted as a film.

Each test builds its own broken files (``tests/fuzz/corpus.py`` has the mutations) and names the
defect it guards against. The process-level faults (crash, hang, runaway memory, a bug) are
driven through :func:`cxrqa.io.batch.map_files` with jobs that misbehave on purpose.
"""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
import pytest
from PIL import Image
from pydicom.encaps import encapsulate, generate_frames
from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit, JPEGLosslessSV1, RLELossless

from cxrqa.config import load_section
from cxrqa.io.batch import Failure, Limits, map_files
from cxrqa.io.errors import REASONS, UnusableImage
from cxrqa.io.inputs import Skipped, walk_inputs
from cxrqa.io.read import read_radiograph
from cxrqa.preprocess.pipeline import collect_inputs, make_tasks, preprocess_many
from tests.fuzz import corpus

SMALL = load_section(None, "preprocess", {"min_size": 64, "height": 96, "width": 64})


@pytest.fixture(scope="module")
def seeds() -> dict[str, bytes]:
    pydicom.config.settings.writing_validation_mode = pydicom.config.IGNORE
    return {key: corpus._to_bytes(ds) for key, ds in corpus.seed_datasets().items()}


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _reason(path: Path) -> str:
    try:
        read_radiograph(path, min_size=64)
    except UnusableImage as error:
        return error.reason
    return "accepted"


# --- 1. hang: a dead worker, a panic, a segfault or a timeout is one failure row -----------------


def _misbehave(item: str):
    if item == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if item == "exit":
        os._exit(3)
    if item == "hang":
        time.sleep(60)
    if item == "allocate":
        return len(bytearray(4 << 30))
    if item == "panic":  # what pyo3_runtime.PanicException is: a BaseException
        raise type("PanicException", (BaseException,), {})("decoder panicked")
    if item == "bug":
        return 1 / 0
    if item == "unusable":
        raise UnusableImage("f", "decode_failed", "broken")
    return item.upper()


@pytest.mark.parametrize("workers", [1, 2])
def test_crashes_hangs_and_runaway_memory_cost_one_file_each(workers):
    items = ["a", "segfault", "b", "hang", "c", "allocate", "exit", "panic", "bug", "unusable", "d"]
    started = time.monotonic()
    results = dict(map_files(_misbehave, items, workers=workers, limits=Limits(seconds=2, memory_mb=256)))
    assert time.monotonic() - started < 30  # the hang was cut at 2 s, not waited for (60 s)
    assert [results[k] for k in "abcd"] == ["A", "B", "C", "D"]
    reasons = {k: v.reason for k, v in results.items() if isinstance(v, Failure)}
    assert reasons == {
        "segfault": "crashed", "hang": "timeout", "allocate": "out_of_memory", "exit": "crashed",
        "panic": "internal_error", "bug": "internal_error", "unusable": "decode_failed",
    }  # fmt: skip
    assert "SIGSEGV" in results["segfault"].detail and "ZeroDivisionError" in results["bug"].detail and "(at test_hostile.py:" in results["bug"].detail
    assert all(reason in REASONS for reason in reasons.values())


def test_results_come_back_in_input_order_from_a_lazy_iterable():
    pulled = []

    def items():
        for i in range(40):
            pulled.append(i)
            yield str(i)

    out = [item for item, _ in map_files(lambda s: (time.sleep(0.01 * (int(s) % 3)), s)[1], items(), workers=3)]
    assert out == [str(i) for i in range(40)] and pulled == list(range(40))


def test_a_decoder_panic_is_decode_failed(tmp_path, seeds, monkeypatch):
    """pylibjpeg-rle panics (pyo3's PanicException, a BaseException) on RLE data that do not fit
    the header; the checks before decoding now catch those files, so a real panic is provoked
    here in place of the decode (an empty segment makes the plugin index out of bounds)."""
    from rle.utils import decode_segment

    path = _write(tmp_path / "rle.dcm", corpus._reencoded(pydicom.dcmread(io.BytesIO(seeds["u8_auto"])), RLELossless))

    def explode(self):
        return decode_segment(b"")

    monkeypatch.setattr(pydicom.Dataset, "pixel_array", property(explode))
    with pytest.raises(UnusableImage) as caught:
        read_radiograph(path, min_size=64)
    assert caught.value.reason == "decode_failed" and "PanicException" in caught.value.detail


def test_rle_with_fewer_columns_than_encoded_is_refused_before_the_decoder(tmp_path, seeds):
    rle = corpus._reencoded(pydicom.dcmread(io.BytesIO(seeds["u12_mono2_window"])), RLELossless)
    mutated, _ = corpus.SYNTAX_MUTATIONS["rle_fewer_columns"](rle, random.Random(0))
    assert _reason(_write(tmp_path / "x.dcm", mutated)) == "encoding_mismatch"


# --- 2. wrong patient: ids unique by construction ------------------------------------------------


def test_duplicate_names_never_share_an_image(tmp_path, seeds):
    tree = tmp_path / "in"
    files = {"x.dcm": "u12_mono2_window", "sub1/x.dcm": "s12_mono1_rescale", "sub2/x.dcm": "u8_auto", "x_2.dcm": "u16_sigmoid"}
    for name, seed in files.items():
        _write(tree / name, seeds[seed])
    manifest, errors = preprocess_many(make_tasks(collect_inputs([tree])), tmp_path / "out", SMALL, workers=2, progress=False)
    assert errors.empty and manifest["image_id"].is_unique and len(manifest) == 4
    for row in manifest.itertuples():
        alone = tmp_path / "alone" / row.image_id
        single, _ = preprocess_many(make_tasks([Path(row.source_file)]), alone, SMALL, workers=1, progress=False)
        mine = np.asarray(Image.open(tmp_path / "out" / row.image_file))
        assert np.array_equal(mine, np.asarray(Image.open(alone / single["image_file"][0])))


# --- 3. a file name that is not UTF-8 ------------------------------------------------------------


def test_a_non_utf8_file_name_costs_nothing(tmp_path, seeds):
    folder = tmp_path / "in"
    _write(folder / os.fsdecode(b"caf\xe9.dcm"), seeds["u8_auto"])
    _write(folder / os.fsdecode(b"bad\xff.txt"), b"not an image")
    _write(folder / "ok.dcm", seeds["u8_auto"])
    manifest, errors = preprocess_many(make_tasks(collect_inputs([folder])), tmp_path / "out", SMALL, workers=1, progress=False)
    assert sorted(manifest["image_id"]) == ["caf_xe9", "ok"]  # a backslash cannot name a file everywhere
    assert errors["file"].str.endswith("bad\\xff.txt").tolist() == [True]
    assert pd.read_csv(tmp_path / "out" / "manifest.csv")["source_file"].str.endswith("caf\\xe9.dcm").any()


# --- 4. garbage accepted as a film ---------------------------------------------------------------


def test_big_endian_signed_pixels_decode_like_little_endian(tmp_path, seeds):
    ds = pydicom.dcmread(io.BytesIO(seeds["s12_mono1_rescale"]))
    little = read_radiograph(_write(tmp_path / "le.dcm", seeds["s12_mono1_rescale"]), min_size=64).image
    big = read_radiograph(_write(tmp_path / "be.dcm", corpus._reencoded(ds, pydicom.uid.ExplicitVRBigEndian)), min_size=64).image
    assert np.array_equal(little, big)


def _cut_frame(data: bytes, fraction: float) -> bytes:
    ds = pydicom.dcmread(io.BytesIO(data))
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    ds.PixelData = encapsulate([frame[: int(len(frame) * fraction)]])
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return buffer.getvalue()


def test_jpeg_cut_short_is_refused(tmp_path, seeds):
    baseline = corpus._jpeg_baseline(pydicom.dcmread(io.BytesIO(seeds["u8_auto"])))
    lossless = corpus.testdata_seeds()["jpeg_lossless_16"]
    assert _reason(_write(tmp_path / "b.dcm", baseline)) == "accepted"
    assert _reason(_write(tmp_path / "b_cut.dcm", _cut_frame(baseline, 0.6))) == "decode_failed"
    assert _reason(_write(tmp_path / "ll.dcm", lossless)) == "accepted"
    assert _reason(_write(tmp_path / "ll_cut.dcm", _cut_frame(lossless, 0.8))) == "decode_failed"


def test_codestreams_under_the_wrong_label_are_refused(tmp_path, seeds):
    ds = pydicom.dcmread(io.BytesIO(seeds["u12_mono2_window"]))
    j2k = corpus._reencoded(ds, pydicom.uid.JPEG2000Lossless)
    rle = corpus._reencoded(ds, RLELossless)
    for name, data, label in (
        ("j2k_as_baseline", j2k, JPEGBaseline8Bit),
        ("j2k_as_lossless", j2k, JPEGLosslessSV1),
        ("rle_as_native", rle, ExplicitVRLittleEndian),
    ):
        assert _reason(_write(tmp_path / f"{name}.dcm", corpus._relabel(data, label))) == "encoding_mismatch", name


@pytest.mark.parametrize(
    "values, reason",
    [
        ({"WindowCenter": "NaN", "WindowWidth": 400}, "bad_header"),
        ({"WindowCenter": 100, "WindowWidth": "inf"}, "bad_header"),
        ({"WindowCenter": "1e39", "WindowWidth": 400}, "bad_header"),
        ({"WindowCenter": 0, "WindowWidth": "1e30"}, "blank_image"),
        ({"RescaleSlope": "NaN"}, "bad_header"),
        ({"RescaleSlope": "1e37"}, "bad_header"),
        ({"RescaleIntercept": "1e30"}, "blank_image"),
    ],
)
def test_broken_windows_and_rescales_never_give_a_constant_film(tmp_path, seeds, values, reason):
    data = corpus._edit(seeds["u12_mono2_window"], corpus._set(**values))
    assert _reason(_write(tmp_path / "x.dcm", data)) == reason


def test_one_nan_pixel_in_a_float_raster_is_masked_not_fatal(tmp_path):
    image = corpus.chest(160, 128, 0).astype(np.float32)
    Image.fromarray(image, mode="F").save(tmp_path / "clean.tif")
    image[10, 10] = np.nan
    image[20, 20] = np.inf
    Image.fromarray(image, mode="F").save(tmp_path / "nan.tif")
    clean = read_radiograph(tmp_path / "clean.tif", min_size=64)
    dirty = read_radiograph(tmp_path / "nan.tif", min_size=64)
    assert not dirty.valid[10, 10] and not dirty.valid[20, 20] and dirty.valid.sum() == image.size - 2
    assert np.isfinite(dirty.image).all() and dirty.image.std() > 0.1
    assert np.array_equal(dirty.image[dirty.valid], clean.image[dirty.valid])


# --- 5. unbounded resources ----------------------------------------------------------------------


def test_claims_beyond_the_data_and_zero_padding_are_refused_at_once(tmp_path, seeds):
    rle = corpus._reencoded(pydicom.dcmread(io.BytesIO(seeds["u8_auto"])), RLELossless)
    huge, _ = corpus.SYNTAX_MUTATIONS["rle_claims_65535"](rle, random.Random(0))
    padded, _ = corpus._zeros_after_meta(seeds["u8_auto"], random.Random(0))
    started = time.monotonic()
    assert _reason(_write(tmp_path / "huge_rle.dcm", huge)) == "too_large"
    assert _reason(_write(tmp_path / "padded.dcm", padded)) == "unreadable"
    big_endian = corpus._reencoded(pydicom.dcmread(io.BytesIO(seeds["u8_auto"])), pydicom.uid.ExplicitVRBigEndian)
    padded_big_endian, _ = corpus._zeros_after_meta(big_endian, random.Random(0))  # its meta has no group length
    assert _reason(_write(tmp_path / "padded_be.dcm", padded_big_endian)) == "unreadable"
    data = seeds["u8_auto"]
    middle = data.rfind(b"\xe0\x7f\x10\x00")
    zeros_inside = data[:middle] + b"\0" * (2 << 20) + data[middle:]
    assert _reason(_write(tmp_path / "zeros_inside.dcm", zeros_inside)) == "unreadable"
    assert _reason(_write(tmp_path / "zeros_after.dcm", data + b"\0" * (2 << 20))) == "accepted"  # padding
    huge_native = corpus._edit(seeds["u8_auto"], corpus._set(Rows=9000, Columns=9000))
    assert _reason(_write(tmp_path / "huge_native.dcm", huge_native)) == "too_large"
    assert time.monotonic() - started < 20  # the unpatched reader took 40 s and 8 GB for the first


# --- 6. wrong reasons: every header mutation of the corpus, on every seed ------------------------


@pytest.mark.parametrize("name", sorted(corpus.HEADER_MUTATIONS))
def test_header_mutations_get_their_reason(tmp_path, seeds, name):
    expected_reasons = None
    for key, data in seeds.items():
        mutated, expect = corpus.HEADER_MUTATIONS[name](data, random.Random(0))
        if mutated is None:
            continue
        expected_reasons = expect.removeprefix("reject:").split("|")
        got = _reason(_write(tmp_path / f"{key}.dcm", mutated))
        assert got in expected_reasons, f"{name} on {key}: {got}"
    assert expected_reasons is not None


def test_an_icon_sequence_or_stray_tag_bytes_are_not_truncation(tmp_path, seeds):
    for name in ("icon_only", "private_tag_bytes_only"):
        mutated, _ = corpus.HEADER_MUTATIONS[name](seeds["u12_mono2_window"], random.Random(0))
        assert _reason(_write(tmp_path / f"{name}.dcm", mutated)) == "no_pixel_data"
    for name in ("icon_added", "private_tag_bytes"):
        mutated, _ = corpus.KEEPING_MUTATIONS[name](seeds["u12_mono2_window"], random.Random(0))
        assert _reason(_write(tmp_path / f"{name}.dcm", mutated)) == "accepted"
    data = seeds["u12_mono2_window"]
    cut = data[: data.rfind(b"\xe0\x7f\x10\x00") + 2]
    assert _reason(_write(tmp_path / "cut.dcm", cut)) == "truncated_pixel_data"


def test_a_corrupt_pixel_data_vr_is_unreadable_not_a_bug(tmp_path, seeds):
    """Found by the 10,000-file fuzz run: pydicom converts elements lazily and raised
    NotImplementedError for an unknown VR only when Pixel Data was first touched."""
    data = bytearray(seeds["u12_mono2_window"])
    position = data.rfind(b"\xe0\x7f\x10\x00")
    data[position + 4 : position + 6] = b"O#"
    assert _reason(_write(tmp_path / "vr.dcm", bytes(data))) == "unreadable"


def test_control_characters_in_header_text_keep_the_manifest_one_row_per_image(tmp_path, seeds):
    """Found by the fuzz run: a carriage return in Manufacturer split a manifest row in two."""
    data = corpus._edit(seeds["u8_auto"], corpus._set(Manufacturer="Fu\rzz", ManufacturerModelName="a\x00b"))
    _write(tmp_path / "in" / "a.dcm", data)
    _write(tmp_path / "in" / "b.dcm", seeds["u8_auto"])
    preprocess_many(make_tasks(collect_inputs([tmp_path / "in"])), tmp_path / "out", SMALL, workers=1, progress=False)
    manifest = pd.read_csv(tmp_path / "out" / "manifest.csv")
    assert manifest["image_id"].tolist() == ["a", "b"] and manifest["vendor"].tolist() == ["Fu zz", "Fuzz"]


# --- 7. silent skips and output problems ---------------------------------------------------------


def test_every_path_under_the_inputs_gets_a_line(tmp_path, seeds):
    tree = tmp_path / "in"
    _write(tree / "a.dcm", seeds["u8_auto"])
    _write(tree / ".DS_Store", b"x")
    _write(tree / ".git" / "HEAD", b"x")
    (tree / "broken.dcm").symlink_to(tree / "nowhere.dcm")
    os.mkfifo(tree / "pipe.dcm")
    outside = _write(tmp_path / "elsewhere" / "b.dcm", seeds["u8_auto"]).parent
    (tree / "linked").symlink_to(outside)
    (tree / "linked_again").symlink_to(outside)
    (tree / "loop").symlink_to(tree)
    entries = list(walk_inputs([tree]))
    found = {p.name: "file" for p in entries if isinstance(p, Path)}
    found.update({e.path.name: e.reason for e in entries if isinstance(e, Skipped)})
    assert found == {
        "a.dcm": "file", ".DS_Store": "hidden", ".git": "hidden", "broken.dcm": "not_a_file",
        "pipe.dcm": "not_a_file", "b.dcm": "file", "linked_again": "not_a_file", "loop": "not_a_file",
    }  # fmt: skip
    manifest, errors = preprocess_many(make_tasks(entries), tmp_path / "out", SMALL, workers=1, progress=False)
    assert len(manifest) + len(errors) == len(entries) == 8


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_gets_a_line(tmp_path, seeds):
    locked = tmp_path / "in" / "locked"
    _write(locked / "a.dcm", seeds["u8_auto"])
    locked.chmod(0)
    try:
        assert [(e.path.name, e.reason) for e in walk_inputs([tmp_path / "in"])] == [("locked", "unreadable")]
    finally:
        locked.chmod(0o755)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxrqa.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_an_output_that_cannot_be_written_is_an_error_not_bad_inputs(tmp_path, seeds):
    _write(tmp_path / "in" / "a.dcm", seeds["u8_auto"])
    (tmp_path / "taken").write_text("a file")
    for out in ("taken", "taken/sub"):
        done = _cli("preprocess", "--input", "in", "--out", out, "--quiet", cwd=tmp_path)
        assert done.returncode == 2 and "cannot write the output folder" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_a_corrupt_mask_falls_back_to_the_estimated_roi(tmp_path, seeds):
    _write(tmp_path / "in" / "a.dcm", seeds["u8_auto"])
    _write(tmp_path / "masks" / "a.png", b"\x89PNG\r\n\x1a\n broken")
    tasks = make_tasks(collect_inputs([tmp_path / "in"]), tmp_path / "masks")
    manifest, errors = preprocess_many(tasks, tmp_path / "out", SMALL, workers=1, progress=False)
    assert errors.empty and manifest["roi_source"].tolist() == ["estimated (mask unreadable)"]
