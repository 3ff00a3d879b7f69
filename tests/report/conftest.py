"""A small synthetic study on disk in the pipeline's schemas, for the report notebooks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

DIMENSIONS = ("gray_level", "sharpness")


def _write_dicom_header(path: Path, age: int, sex: str) -> None:
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[path.stem])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.PatientAge, ds.PatientSex, ds.Modality = f"{age:03d}Y", sex, "DX"
    ds.save_as(path, enforce_file_format=True)


@pytest.fixture(scope="session")
def study(tmp_path_factory) -> dict[str, Path]:
    """The synthetic study of :func:`make_study` in a session temporary folder."""
    return make_study(tmp_path_factory.mktemp("study"))


def make_study(root: Path) -> dict[str, Path]:
    """60 images (36 train, 12 validation, 12 test), 4 readers, 3 acceptability readers,
    predictions for both dimensions, DVCLive curves and attention overlays, under ``root``."""
    for folder in ("raw/dicom", "processed/images", "predictions/attention/gray_level", "predictions/attention/sharpness"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    ids = [f"CXR{k:04d}" for k in range(1, 61)]
    split = ["train"] * 36 + ["validation"] * 12 + ["test"] * 12
    split = list(rng.permutation(split))
    pd.DataFrame({"image_id": ids, "split": split}).to_csv(root / "processed/splits.csv", index=False)
    truth = {d: rng.uniform(3.0, 9.8, len(ids)) for d in DIMENSIONS}
    ratings, calls, predictions = [], [], []
    readers = [("R01", "radiologist"), ("R02", "radiologist"), ("R03", "radiographer"), ("R04", "radiographer")]
    for i, image_id in enumerate(ids):
        _write_dicom_header(root / "raw/dicom" / f"{image_id}.dcm", int(rng.integers(18, 90)), "MF"[i % 2])
        pixels = (np.linspace(0, 65535, 48 * 32).reshape(48, 32) * rng.uniform(0.5, 1.0)).astype(np.uint16)
        Image.fromarray(pixels).save(root / "processed/images" / f"{image_id}.png")
        for reader, role in readers:
            seconds = float(np.round(rng.gamma(9.0, 1.2), 1))
            for d in DIMENSIONS:
                score = int(np.clip(np.round(truth[d][i] + rng.normal(0, 0.7)), 1, 10))
                ratings.append((image_id, reader, role, d, score, seconds))
        for reader in ("A1", "A2", "A3"):
            for d in DIMENSIONS:
                calls.append((image_id, reader, d, bool(truth[d][i] + rng.normal(0, 0.6) >= 6.0)))
    ratings = pd.DataFrame(ratings, columns=["image_id", "reader_id", "reader_role", "dimension", "score", "seconds"])
    ratings.to_csv(root / "raw/ratings.csv", index=False)
    pd.DataFrame(calls, columns=["image_id", "reader_id", "dimension", "acceptable"]).to_csv(root / "raw/acceptability.csv", index=False)
    mos = ratings.groupby(["dimension", "image_id"])["score"].mean()
    for d in DIMENSIONS:
        table = pd.DataFrame({"image_id": ids, "split": split, "dimension": d})
        table["mos"] = mos.loc[d].loc[ids].to_numpy()
        table["score"] = np.round(table["mos"] + rng.normal(0, 0.4, len(ids)), 4)
        table["seconds_per_image"] = np.round(rng.uniform(0.2, 0.3, len(ids)), 4)
        table["device"], table["batch_size"] = "cpu", 4
        table[["image_id", "split", "dimension", "score", "mos", "seconds_per_image", "device", "batch_size"]].to_csv(
            root / "predictions" / f"{d}.csv", index=False
        )
        for image_id in [i for i, s in zip(ids, split) if s == "test"][:3]:
            Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(root / "predictions/attention" / d / f"{image_id}.png")
        curves = root / "train" / d / "plots" / "metrics"
        curves.mkdir(parents=True, exist_ok=True)
        for name, start in (("train_loss", 1.0), ("learning_rate", 1e-3), ("val_icc", 0.3), ("val_r", 0.4), ("val_srcc", 0.4), ("val_mad", 1.0)):
            pd.DataFrame({"step": range(4), name: start * (1 + 0.1 * np.arange(4))}).to_csv(curves / f"{name}.tsv", sep="\t", index=False)
        (root / "train" / d / "metrics.json").write_text('{"val_icc": 0.5, "val_r": 0.6, "step": 3}\n')
    _write_baselines(root / "baselines.csv", ids, split, mos)
    _write_truth(root / "raw/truth.csv", ids)
    return {
        "root": root,
        "ratings": root / "raw/ratings.csv",
        "acceptability": root / "raw/acceptability.csv",
        "splits": root / "processed/splits.csv",
        "dicom_dir": root / "raw/dicom",
        "images_dir": root / "processed/images",
        "predictions": root / "predictions",
        "attention_dir": root / "predictions/attention",
        "train_dir": root / "train",
        "baselines": root / "baselines.csv",
        "truth": root / "raw/truth.csv",
    }


#: Synthetic baseline methods and the noise of their score around the MOS (a smaller noise agrees better).
BASELINE_NOISE = {"regressor_ridge": 0.8, "regressor_random_forest": 1.0, "feature_good_image": 1.3,
                  "feature_fair_roi": 1.8, "feature_poor_image": 2.5, "feature_noise_roi": 4.0}


def _write_baselines(path: Path, ids, split, mos: pd.Series) -> None:
    """``baselines.csv`` as the baselines stage writes it, from its own generator (the study's draws stay put)."""
    rng = np.random.default_rng(11)
    frames = []
    for d in DIMENSIONS:
        target = mos.loc[d].loc[ids].to_numpy()
        for method, noise in BASELINE_NOISE.items():
            score = np.clip(target + rng.normal(0, noise, len(ids)), 1, 10)
            frames.append(pd.DataFrame({"image_id": ids, "split": split, "dimension": d, "method": method, "score": np.round(score, 4), "mos": target}))
    pd.concat(frames, ignore_index=True).to_csv(path, index=False)


def _write_truth(path: Path, ids) -> None:
    """``truth.csv``'s degradation columns as ``simulate`` writes them, from its own generator."""
    rng = np.random.default_rng(13)
    kinds = {"gray_level": ["overexposure", "underexposure", "low_contrast"], "sharpness": ["focal_blur", "motion"]}
    table = {"image_id": ids}
    for d, names in kinds.items():
        table[f"{d}_kind"] = rng.choice(names, len(ids))
        table[f"{d}_severity"] = np.round(rng.uniform(0, 1, len(ids)), 4)
    pd.DataFrame(table).to_csv(path, index=False)
