"""Split sizes and strata, the crop on simulated studies and real images, and the CLI contract."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from cxrqa.cli import main
from cxrqa.preprocess.crop import open_with_disk
from cxrqa.preprocess.split import make_splits, split_sizes
from tests.preprocess.conftest import CXR_BASE


def test_split_sizes_and_stratification():
    ids = [f"CXR{i:04d}" for i in range(1138)]
    rng = np.random.default_rng(0)
    ratings = pd.DataFrame({"image_id": np.repeat(ids, 2), "score": rng.integers(1, 11, 2276)})
    splits = make_splits(ids, ratings, seed=5)
    assert splits["split"].value_counts().to_dict() == {"train": 826, "validation": 207, "test": 105}
    mean = ratings.groupby("image_id")["score"].mean()
    tertile = pd.qcut(mean.rank(method="first"), 3, labels=False)
    share = pd.crosstab(splits.set_index("image_id")["split"], tertile, normalize="index")
    assert (share.sub(1 / 3).abs() < 0.02).all().all()
    assert make_splits(ids, ratings, seed=5).equals(splits)
    assert not make_splits(ids, ratings, seed=6).equals(splits)
    assert split_sizes(60, (105, 826, 207)) == [5, 44, 11]  # 5.54, 43.55, 10.91 by largest remainder


def _crop_kept(study, out):
    manifest = pd.read_csv(out / "manifest.csv")
    kept = []
    for row in manifest.itertuples():
        mask_file = study / "masks" / f"{row.image_id}.png"
        if mask_file.is_file():
            mask = np.asarray(Image.open(mask_file)) >= 128
            kept.append(mask[row.crop_top : row.crop_bottom, row.crop_left : row.crop_right].sum() / mask.sum())
    area = (manifest.crop_bottom - manifest.crop_top) * (manifest.crop_right - manifest.crop_left)
    return np.array(kept), (area / (manifest.original_rows * manifest.original_cols)).to_numpy(), manifest


def _simulate_and_preprocess(tmp_path, n):
    pytest.importorskip("cxrqa.simulate.command")
    study, out = tmp_path / "raw", tmp_path / "processed"
    if main(["simulate", "--out", str(study), "--n-images", str(n), "--seed", "11", "--no-progress"]) != 0:
        pytest.fail("the simulator failed")
    code = main(["preprocess", "--input", str(study / "dicom"), "--masks", str(study / "masks"), "--out", str(out), "--quiet"])
    assert code == 0
    return study, out


@pytest.mark.slow
@pytest.mark.parametrize("n", [40, 300])
def test_crop_keeps_the_lungs_of_the_simulated_study(tmp_path, n):
    study, out = _simulate_and_preprocess(tmp_path, n)
    kept, area, manifest = _crop_kept(study, out)
    assert len(kept) >= 10
    assert (kept >= 0.98).mean() >= 0.95, np.sort(kept)[:5]
    assert np.median(area) < 0.75  # most of the empty border is gone
    assert (manifest["roi_source"] == "mask").sum() == len(kept)


@pytest.mark.parametrize("radius", [1, 2, 4, 6])
def test_opening_with_a_disk_equals_scipys(radius):
    from scipy import ndimage
    from skimage.morphology import disk

    rng = np.random.default_rng(radius)
    for trial in range(40):
        shape = (int(rng.integers(12, 120)), int(rng.integers(12, 120)))
        smooth = ndimage.gaussian_filter(rng.random(shape), rng.uniform(0.5, 4.0))
        mask = smooth < np.quantile(smooth, rng.uniform(0.05, 0.95))
        if trial % 2:
            mask[:, :3] = mask[:2, :] = True  # dark regions that run into the border
        expected = ndimage.binary_opening(mask, structure=disk(radius))
        assert np.array_equal(open_with_disk(mask, radius), expected), (shape, trial)


@pytest.mark.skipif(not CXR_BASE.is_dir(), reason="../shared/cxr-base is not present")
def test_crop_on_real_images_finds_lungs_mostly(tmp_path):
    files = sorted(CXR_BASE.glob("*.png"))[:40]
    for f in files:
        shutil.copy(f, tmp_path / f.name)
    assert main(["preprocess", "--input", str(tmp_path), "--out", str(tmp_path / "out"), "--quiet", "--workers", "1"]) == 0
    manifest = pd.read_csv(tmp_path / "out" / "manifest.csv")
    assert len(manifest) == len(files)
    assert (manifest["crop_method"] == "lungs").mean() >= 0.85
    image = np.asarray(Image.open(tmp_path / "out" / manifest.image_file[0]))
    assert image.dtype == np.uint16 and image.shape == (768, 512)


def test_cli_exit_status_and_help(tmp_path, chest_dicom):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.txt").write_text("x")
    assert main(["preprocess", "--input", str(tmp_path / "junk"), "--out", str(tmp_path / "o1"), "--quiet"]) == 1
    assert main(["preprocess", "--input", str(chest_dicom), str(tmp_path / "junk"), "--out", str(tmp_path / "o2"), "--quiet", "--height", "96", "--width", "64"]) == 0
    assert np.asarray(Image.open(tmp_path / "o2" / "images" / "chest.png")).shape == (96, 64)
    assert len(pd.read_csv(tmp_path / "o2" / "errors.csv")) == 1
    help_text = subprocess.run([sys.executable, "-m", "cxrqa.cli", "preprocess", "--help"], capture_output=True, text=True).stdout
    assert "errors.csv" in help_text and "manifest.csv" in help_text and "Reads" in help_text


def test_split_cli_checks_manifest_and_ratings(tmp_path, capsys):
    ids = [f"CXR{i:04d}" for i in range(20)]
    manifest, ratings, out = tmp_path / "manifest.csv", tmp_path / "ratings.csv", tmp_path / "splits.csv"
    pd.DataFrame({"image_id": ids, "source_file": [f"{i}.dcm" for i in ids]}).to_csv(manifest, index=False)
    good = pd.DataFrame(
        {"image_id": ids, "reader_id": "R01", "reader_role": "radiologist", "dimension": "sharpness", "score": np.arange(20) % 10 + 1, "seconds": 9.0}
    )
    good.to_csv(ratings, index=False)

    def split(manifest_path):
        capsys.readouterr()
        status = main(["split", "--manifest", str(manifest_path), "--ratings", str(ratings), "--out", str(out)])
        return status, capsys.readouterr().err

    assert split(manifest)[0] == 0 and len(pd.read_csv(out)) == 20
    status, err = split(tmp_path / "absent.csv")
    assert status == 2 and "manifest file not found" in err
    (tmp_path / "no_id.csv").write_text("source_file\na.dcm\n")
    status, err = split(tmp_path / "no_id.csv")
    assert status == 2 and "missing column(s) image_id" in err
    good.assign(reader_id=[""] + ["R01"] * 19).to_csv(ratings, index=False)
    status, err = split(manifest)
    assert status == 2 and str(ratings) in err and "column 'reader_id' must not be empty; first offending record at line 2" in err
