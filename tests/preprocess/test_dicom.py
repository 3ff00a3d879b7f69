"""The DICOM reader follows the standard's pixel pipeline and decodes every compressed syntax."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.encaps import encapsulate
from pydicom.pixels import apply_voi_lut
from pydicom.uid import JPEGBaseline8Bit

from cxrqa.io.dicom import read_dicom, to_stored_values, window
from tests.preprocess.conftest import chest_like, write_dicom


def test_rg1_uncr_shows_dark_lungs_and_bright_spine(testdata):
    radiograph = read_dicom(testdata("RG1_UNCR.dcm"))
    image = radiograph.image
    assert image.dtype == np.float32 and image.min() >= 0 and image.max() <= 1
    rows, cols = image.shape
    band = slice(rows // 4, rows // 2)
    spine = image[band, cols // 2 - 40 : cols // 2 + 40].mean()
    lungs = (image[band, cols // 4 - 60 : cols // 4 + 60].mean() + image[band, 3 * cols // 4 - 60 : 3 * cols // 4 + 60].mean()) / 2
    assert spine - lungs > 0.15, (spine, lungs)  # MONOCHROME1 was inverted
    assert radiograph.meta["photometric_interpretation"] == "MONOCHROME1"
    assert radiograph.meta["bits_stored"] == 15


def test_rg1_j2kr_is_identical_and_j2ki_is_close(testdata):
    reference = read_dicom(testdata("RG1_UNCR.dcm")).image
    assert np.array_equal(read_dicom(testdata("RG1_J2KR.dcm")).image, reference)
    lossy = read_dicom(testdata("RG1_J2KI.dcm")).image
    assert np.abs(lossy - reference).mean() < 0.005
    assert np.abs(lossy - reference).max() < 0.05


def test_stored_values_match_simpleitk(testdata):
    import SimpleITK as sitk

    path = testdata("RG1_UNCR.dcm")
    ds = pydicom.dcmread(path)
    ours = to_stored_values(ds.pixel_array, 15, False)
    theirs = sitk.GetArrayFromImage(sitk.ReadImage(str(path)))[0]
    # GDCM (under SimpleITK) returns MONOCHROME1 already inverted over the 15 stored bits.
    assert np.array_equal(ours.astype(np.int64), (2**15 - 1) - theirs.astype(np.int64))


@pytest.mark.parametrize(
    "compressed, uncompressed",
    [
        ("MR_small_RLE.dcm", "MR_small.dcm"),  # RLE Lossless
        ("MR_small_jpeg_ls_lossless.dcm", "MR_small.dcm"),  # JPEG-LS lossless
        ("MR_small_jp2klossless.dcm", "MR_small.dcm"),  # JPEG 2000 lossless
        ("JPEG2000.dcm", "JPEG2000_UNC.dcm"),  # JPEG 2000
        ("RG3_J2KR.dcm", "RG3_UNCR.dcm"),
    ],
)
def test_lossless_syntaxes_decode_identical(testdata, compressed, uncompressed):
    a = read_dicom(testdata(compressed), modalities=None, min_size=1).image
    b = read_dicom(testdata(uncompressed), modalities=None, min_size=1).image
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "name",
    [
        "JPEG-LL.dcm",  # JPEG lossless, process 14 SV1, 16 bit
        "JPGLosslessP14SV1_1s_1f_8b.dcm",
        "JPGExtended.dcm",  # JPEG extended, 12 bit
        "JPEGLSNearLossless_16.dcm",  # JPEG-LS near-lossless
        "693_J2KI.dcm",
    ],
)
def test_pydicom_compressed_files_decode(testdata, name):
    ds = pydicom.dcmread(testdata(name))
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        pytest.skip("multi-frame: rejected by design, decoding covered by the multi-frame error test")
    image = read_dicom(testdata(name), modalities=None, min_size=1).image
    assert image.shape == (ds.Rows, ds.Columns)
    assert np.isfinite(image).all() and image.std() > 0.01


def test_grayscale_jpeg_baseline_decodes(tmp_path):
    source = np.rint(chest_like(300, 280) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(source).save(buffer, format="JPEG", quality=95)
    path = write_dicom(
        tmp_path / "baseline.dcm", encapsulate([buffer.getvalue()]), syntax=JPEGBaseline8Bit,
        rows=300, cols=280, bits_allocated=8, bits_stored=8,
    )  # fmt: skip
    decoded = read_dicom(path, min_size=1).image
    assert decoded.shape == (300, 280)
    assert np.corrcoef(decoded.ravel(), source.ravel())[0, 1] > 0.99  # no VOI: the auto window


def test_window_functions_match_pydicom(testdata):
    ds = pydicom.dcmread(testdata("RG1_UNCR.dcm"))
    stored = ds.pixel_array.astype(np.float32)
    theirs = apply_voi_lut(ds.pixel_array, ds).astype(np.float64)
    lo, hi = 0, 2**15 - 1  # pydicom maps the window to the stored range
    ours = window(stored, 15000, 30000, "LINEAR")
    assert np.abs(ours - (theirs - lo) / (hi - lo)).max() < 1e-3
    for function in ("LINEAR_EXACT", "SIGMOID"):
        ds.VOILUTFunction = function
        theirs = (apply_voi_lut(ds.pixel_array, ds).astype(np.float64) - lo) / (hi - lo)
        assert np.abs(window(stored, 15000, 30000, function) - theirs).max() < 1e-3, function


def test_bits_stored_sign_padding_and_rescale(tmp_path):
    # 12-bit signed values with garbage in the high bits, a rescale, a padding value and no window.
    values = np.rint((chest_like(300, 300) - 0.5) * 4000).astype(np.int16)
    values[:20] = -2048  # padding rows
    raw = (values.view(np.uint16) & 0x0FFF) | 0xA000  # high bits set to garbage
    path = write_dicom(
        tmp_path / "signed.dcm", raw.astype(np.uint16), signed=True, bits_stored=12,
        RescaleSlope=2, RescaleIntercept=100, PixelPaddingValue=-2048, PhotometricInterpretation="MONOCHROME2",
    )  # fmt: skip
    ds = pydicom.dcmread(path)
    ds["PixelPaddingValue"].VR = "SS"
    radiograph = read_dicom(path, min_size=1)
    assert radiograph.valid is not None and not radiograph.valid[:20].any() and radiograph.valid[20:].all()
    assert (radiograph.image[:20] == 0).all()
    body = radiograph.image[20:]
    expected = values[20:].astype(np.float64) * 2 + 100
    # auto window is monotone in the modality values
    order = np.argsort(expected.ravel())
    assert np.all(np.diff(body.ravel()[order]) >= -1e-6)


def test_monochrome1_inverts_and_keeps_imager_pixel_spacing(tmp_path):
    stored = np.rint(chest_like() * 4095).astype(np.uint16)
    common = dict(WindowCenter=2048, WindowWidth=4096, ImagerPixelSpacing=[0.15, 0.16])
    mono2 = read_dicom(write_dicom(tmp_path / "m2.dcm", stored, **common)).image
    mono1 = read_dicom(write_dicom(tmp_path / "m1.dcm", 4095 - stored, photometric="MONOCHROME1", **common))
    assert np.abs(mono1.image - mono2).max() < 1e-3
    assert mono1.meta["pixel_spacing_row_mm"] == pytest.approx(0.15)
    assert mono1.meta["pixel_spacing_col_mm"] == pytest.approx(0.16)
    assert mono1.meta["spacing_source"] == "ImagerPixelSpacing"


def test_modality_and_voi_lut_sequences(tmp_path):
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    stored = np.tile(np.arange(0, 1024, 2, dtype=np.uint16), (300, 1))[:, :300]
    modality = Dataset()
    modality.LUTDescriptor = [1024, 0, 16]
    modality.LUTData = (np.arange(1024, dtype=np.uint16) * 4).tobytes()  # values 0..4092
    voi = Dataset()
    voi.LUTDescriptor = [4096, 0, 12]
    voi.LUTData = (4095 - np.arange(4096, dtype=np.uint16)).tobytes()  # an inverting tone curve
    path = write_dicom(tmp_path / "luts.dcm", stored, bits_stored=10)
    ds = pydicom.dcmread(path)
    ds.ModalityLUTSequence = Sequence([modality])
    ds.VOILUTSequence = Sequence([voi])
    ds.save_as(path)
    radiograph = read_dicom(path, min_size=1)
    expected = (4095 - stored.astype(np.float64) * 4) / 4095
    assert np.abs(radiograph.image - expected).max() < 1e-6
    assert radiograph.meta["modality_lut"] == "lut" and radiograph.meta["voi_lut"] == "voi-lut"


def test_to_stored_values_is_idempotent():
    values = np.array([0x0FFF, 0x0800, 0x07FF, 0x0000], dtype=np.uint16)
    once = to_stored_values(values, 12, True)
    assert once.tolist() == [-1, -2048, 2047, 0]
    assert to_stored_values(once.astype(np.int16), 12, True).tolist() == once.tolist()
