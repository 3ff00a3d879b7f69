"""A tiny processed study on disk (images, ROIs, splits, ratings) and tiny model parameters."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy import ndimage

from cxrqa.config import load_section

PARAMS = Path(__file__).parents[2] / "params.yaml"


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory):
    """24 images of 96 x 80 whose blur sets the sharpness MOS; 3 readers."""
    root = tmp_path_factory.mktemp("tiny")
    processed, raw = root / "processed", root / "raw"
    for folder in (processed / "images", processed / "rois", raw):
        folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    rows, splits = [], []
    for index in range(24):
        image_id = f"CXR{index + 1:04d}"
        quality = 3.0 + 6.0 * index / 23
        sigma = (10.0 - quality) / 2.0
        image = ndimage.gaussian_filter(rng.random((96, 80)), sigma)
        image = (image - image.min()) / np.ptp(image)
        Image.fromarray((image * 65535).astype(np.uint16)).save(processed / "images" / f"{image_id}.png")
        roi = np.zeros((96, 80), np.uint8)
        roi[20:76, 10:70] = 255
        Image.fromarray(roi).save(processed / "rois" / f"{image_id}.png")
        splits.append((image_id, "train" if index % 4 else "validation"))
        for reader in ("R01", "R02", "R03"):
            for dimension in ("gray_level", "sharpness"):
                score = int(np.clip(round(quality + rng.normal(0, 0.5)), 1, 10))
                rows.append((image_id, reader, "radiologist", dimension, score, 10.0))
    pd.DataFrame(splits, columns=["image_id", "split"]).to_csv(processed / "splits.csv", index=False)
    pd.DataFrame(rows, columns=["image_id", "reader_id", "reader_role", "dimension", "score", "seconds"]).to_csv(
        raw / "ratings.csv", index=False
    )
    return processed, raw / "ratings.csv"


@pytest.fixture(scope="session")
def tiny_params():
    model = load_section(PARAMS, "model")
    model = replace(
        model, stem_channels=4, hc_channels=(8, 8, 16, 16), sip_channels=8, fc_hidden=8, unet_channels=(4, 4, 8), train_size=(64, 64)
    )
    train = replace(load_section(PARAMS, "train"), batch_size=4, num_threads=1)
    for dimension in ("gray_level", "sharpness"):
        train = train.with_dimension(dimension, epochs=3, validate_every=1)
    return model, train
