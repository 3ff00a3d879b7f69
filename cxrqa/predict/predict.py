"""The ``predict`` stage: per-split predictions and attention overlays of one dimension's model.

:func:`predict_split` scores the preprocessed images of some splits with one dimension's best
checkpoint through a :class:`~cxrqa.scoring.Scorer` (input size and standardisation come from the
checkpoint) and returns a tidy table with the seconds per image, the device and the inputs per
forward pass. :func:`write_attention_overlays` saves the attention map of a fixed sample of
images (:func:`attention_sample`) as PNG overlays (the report shows these files and never imports
torch). ``cxrqa score`` (:mod:`cxrqa.predict.score_command`) scores any radiograph files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import colormaps  # noqa: E402
from PIL import Image  # noqa: E402

from cxrqa.io.tables import PREDICTION_COLUMNS, SPLITS, mos_by_image, read_ratings, read_splits  # noqa: E402
from cxrqa.scoring import Scorer, load_image  # noqa: E402

__all__ = ["SCORED_SPLITS", "attention_sample", "predict_split", "write_attention_overlays"]

#: The splits each choice of ``predict.splits`` scores.
SCORED_SPLITS = {"test": ("test",), "held_out": ("validation", "test"), "all": SPLITS}


def _scorer(scorer: Scorer | str | Path) -> Scorer:
    return scorer if isinstance(scorer, Scorer) else Scorer(scorer)


def predict_split(
    scorer: Scorer | str | Path,
    processed: str | Path,
    ratings_path: str | Path,
    dimension: str,
    splits: tuple[str, ...],
) -> pd.DataFrame:
    """Score the images of ``splits`` and attach the readers' MOS.

    Parameters
    ----------
    scorer : Scorer, str or Path
        The dimension's scorer (its device and batch size), or a checkpoint file to score with a
        default :class:`~cxrqa.scoring.Scorer`.
    processed : str or Path
        The preprocess stage's folder (``images/``, ``rois/``, ``splits.csv``).
    ratings_path : str or Path
        ``ratings.csv`` of the study, for the MOS column.
    dimension : str
        The scored dimension (the MOS column and the ``dimension`` column).
    splits : tuple of str
        The splits to score.

    Returns
    -------
    DataFrame
        :data:`~cxrqa.io.tables.PREDICTION_COLUMNS`, sorted by image id; ``batch_size`` is the
        scorer's inputs per forward pass (images, or tiles for a patch model).

    Raises
    ------
    ValueError
        When no image is in ``splits``.
    """
    scorer = _scorer(scorer)
    processed = Path(processed)
    table = read_splits(processed / "splits.csv")
    table = table[table["split"].isin(splits)].sort_values("image_id").reset_index(drop=True)
    if table.empty:
        raise ValueError(f"{processed / 'splits.csv'}: no image in split(s) {', '.join(splits)}")
    paths = [processed / "images" / f"{image_id}.png" for image_id in table["image_id"]]
    prediction = scorer.score_files(paths)
    mos = mos_by_image(read_ratings(ratings_path))
    return pd.DataFrame(
        {
            "image_id": table["image_id"],
            "split": table["split"],
            "dimension": dimension,
            "score": np.round(prediction.scores, 4),
            "mos": mos.reindex(table["image_id"])[dimension].to_numpy(),
            "seconds_per_image": np.round(prediction.seconds, 4),
            "device": scorer.device,
            "batch_size": scorer.batch_size,
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
    scorer: Scorer | str | Path, processed: str | Path, image_ids: list[str], out_dir: str | Path
) -> list[Path]:
    """Save ``<image_id>.png``: the input beside the input overlaid with the attention map.

    The attention map of CaHDC-RGA lies in [0, 1] (:meth:`~cxrqa.scoring.Scorer.attention`); it is
    drawn with the ``inferno`` colour map at half opacity over the grayscale input as the model
    sees it (:meth:`~cxrqa.scoring.Scorer.model_view`). Models trained without attention write
    nothing.

    Parameters
    ----------
    scorer : Scorer, str or Path
        The dimension's scorer, or its checkpoint file.
    processed : str or Path
        The preprocess stage's folder (``images/<image_id>.png``).
    image_ids : list of str
        The images to draw.
    out_dir : str or Path
        Receives the PNGs (created if needed).

    Returns
    -------
    list of Path
        The files written, in the order of ``image_ids``.
    """
    scorer = _scorer(scorer)
    if not scorer.has_attention:
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for image_id in image_ids:
        view = scorer.model_view(load_image(Path(processed) / "images" / f"{image_id}.png"))
        attention = scorer.attention(view)
        gray = np.repeat(view[0].numpy()[..., None], 3, axis=2)
        heat = colormaps["inferno"](np.clip(attention, 0, 1))[..., :3]
        overlay = 0.5 * gray + 0.5 * heat
        panel = np.concatenate([gray, np.ones((gray.shape[0], 8, 3)), overlay], axis=1)
        path = out_dir / f"{image_id}.png"
        Image.fromarray((np.clip(panel, 0, 1) * 255).astype(np.uint8)).save(path)
        written.append(path)
    return written
