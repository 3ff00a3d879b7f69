"""Scoring with a trained checkpoint: per-split predictions, attention overlays, any DICOM.

:func:`predict_split` scores the preprocessed images of some splits with one dimension's best
checkpoint (input size and standardisation come from the checkpoint) and returns a tidy table
with the seconds per image, the device and the batch size. :func:`write_attention_overlays`
saves the attention map of a fixed sample of images as PNG overlays (the report shows these
files and never imports torch). :func:`score_files` runs preprocessing and both dimensions'
models on any radiograph files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from matplotlib import colormaps  # noqa: E402
from PIL import Image  # noqa: E402

from cxrqa.io.tables import PREDICTION_COLUMNS, mos_by_image, read_ratings, read_splits  # noqa: E402
from cxrqa.models import Checkpoint, Predictor, load_checkpoint  # noqa: E402
from cxrqa.train.data import load_image, standardise  # noqa: E402
from cxrqa.train.patches import covering_tiles, weighted_tile_mean  # noqa: E402

__all__ = ["attention_sample", "predict_split", "roi_path_of", "score_images", "write_attention_overlays"]


def roi_path_of(image_path: str | Path) -> Path:
    """The ROI mask the preprocess stage wrote beside a preprocessed image.

    >>> roi_path_of("data/processed/images/CXR0001.png").as_posix()
    'data/processed/rois/CXR0001.png'
    """
    image_path = Path(image_path)
    return image_path.parent.parent / "rois" / image_path.name


def score_images(
    checkpoint: str | Path | Checkpoint,
    image_paths: list[Path],
    *,
    batch_size: int = 1,
    device: str | None = None,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Scores and seconds per image of preprocessed PNGs with one checkpoint.

    A patch-trained checkpoint scores each image as the mean of the tiles that cover it, weighted
    by each tile's share of the lung ROI when it was trained on ROI-guided patches; the ROI is read
    from ``rois/`` beside ``images/``, as the preprocess stage writes them.

    Parameters
    ----------
    checkpoint : str, Path or Checkpoint
        A checkpoint file, or one already read with :func:`cxrqa.models.load_checkpoint` (so a
        caller that checked it first does not read it twice).
    image_paths : list of Path
        Preprocessed images (``images/<image_id>.png``).
    batch_size : int
        Images per forward pass of a whole-image model.
    device : str, optional
        Torch device; ``None`` picks one.

    Returns
    -------
    scores, seconds : ndarray
    device : str

    Raises
    ------
    FileNotFoundError
        When a ROI-weighted checkpoint finds no ROI mask for an image.
    """
    if not isinstance(checkpoint, Checkpoint):
        checkpoint = load_checkpoint(checkpoint)
    size = tuple(checkpoint.preprocessing["input_size"])
    mode = checkpoint.preprocessing.get("standardisation", "fixed")
    if checkpoint.preprocessing.get("input_mode", "whole") == "patch":
        roi_weighted = checkpoint.preprocessing.get("tile_weighting", "uniform") == "roi"
        predictor = Predictor(checkpoint.model, device=device, batch_size=64)
        scores, seconds = [], []
        for path in image_paths:
            roi = None
            if roi_weighted:
                roi_path = roi_path_of(path)
                if not roi_path.is_file():
                    raise FileNotFoundError(f"{roi_path}: no ROI mask for {path} (this model weights tiles by the lung ROI)")
                roi = load_image(roi_path)
            tiles, weights = covering_tiles(standardise(load_image(path), mode), size, roi)
            prediction = predictor.predict(list(tiles))
            scores.append(float(weighted_tile_mean(torch.as_tensor(prediction.scores), weights)))
            seconds.append(prediction.seconds.sum())
        return np.asarray(scores), np.asarray(seconds), str(predictor.device)
    predictor = Predictor(checkpoint.model, device=device, batch_size=batch_size)
    images = (standardise(load_image(path, size), mode) for path in image_paths)
    prediction = predictor.predict(images)
    return prediction.scores, prediction.seconds, str(predictor.device)


def predict_split(
    checkpoint_path: str | Path,
    processed: str | Path,
    ratings_path: str | Path,
    dimension: str,
    splits: tuple[str, ...],
    *,
    batch_size: int = 1,
    device: str | None = None,
) -> pd.DataFrame:
    """Score the images of ``splits`` and attach the readers' MOS.

    Returns
    -------
    DataFrame
        :data:`PREDICTION_COLUMNS`, sorted by image id.
    """
    processed = Path(processed)
    table = read_splits(processed / "splits.csv")
    table = table[table["split"].isin(splits)].sort_values("image_id").reset_index(drop=True)
    if table.empty:
        raise ValueError(f"{processed / 'splits.csv'}: no image in split(s) {', '.join(splits)}")
    paths = [processed / "images" / f"{image_id}.png" for image_id in table["image_id"]]
    scores, seconds, used = score_images(checkpoint_path, paths, batch_size=batch_size, device=device)
    mos = mos_by_image(read_ratings(ratings_path))
    return pd.DataFrame(
        {
            "image_id": table["image_id"],
            "split": table["split"],
            "dimension": dimension,
            "score": np.round(scores, 4),
            "mos": mos.reindex(table["image_id"])[dimension].to_numpy(),
            "seconds_per_image": np.round(seconds, 4),
            "device": used,
            "batch_size": batch_size,
        },
        columns=list(PREDICTION_COLUMNS),
    )


def attention_sample(image_ids: list[str], n: int, seed: int) -> list[str]:
    """A fixed, seeded sample of ``n`` image ids (sorted), the same for both dimensions.

    >>> attention_sample(["a", "b", "c", "d"], 2, seed=0) == attention_sample(["d", "c", "b", "a"], 2, seed=0)
    True
    """
    ordered = sorted(image_ids)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(ordered), size=min(n, len(ordered)), replace=False)
    return sorted(ordered[i] for i in chosen)


def write_attention_overlays(
    checkpoint_path: str | Path, processed: str | Path, image_ids: list[str], out_dir: str | Path
) -> list[Path]:
    """Save ``<image_id>.png``: the input beside the input overlaid with the attention map.

    The attention map of CaHDC-RGA lies in [0, 1]; it is drawn with the ``inferno`` colour map at
    half opacity over the grayscale input. Models trained without attention write nothing.
    """
    checkpoint = load_checkpoint(checkpoint_path)
    if not checkpoint.model.config.get("use_attention", True):
        return []
    whole = checkpoint.preprocessing.get("input_mode", "whole") == "whole"
    mode = checkpoint.preprocessing.get("standardisation", "fixed")
    size = tuple(checkpoint.preprocessing["input_size"]) if whole else None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for image_id in image_ids:
        image = load_image(Path(processed) / "images" / f"{image_id}.png", size)
        with torch.inference_mode():
            attention = checkpoint.model(standardise(image, mode)[None]).attention[0, 0].numpy()
        gray = np.repeat(image[0].numpy()[..., None], 3, axis=2)
        heat = colormaps["inferno"](np.clip(attention, 0, 1))[..., :3]
        overlay = 0.5 * gray + 0.5 * heat
        panel = np.concatenate([gray, np.ones((gray.shape[0], 8, 3)), overlay], axis=1)
        path = out_dir / f"{image_id}.png"
        Image.fromarray((np.clip(panel, 0, 1) * 255).astype(np.uint8)).save(path)
        written.append(path)
    return written
