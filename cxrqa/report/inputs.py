"""Read the pipeline's files into the tidy tables the report notebooks analyse.

Every reader checks its file's columns and names the file in its error. Rows come back sorted
(by dimension, split, image id) so that every table built from them has a stable order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from cxrqa.io.tables import DIMENSIONS, SPLITS, mean_opinion_scores, read_acceptability, read_predictions, read_ratings
from cxrqa.io.tables import read_splits as read_split_table

__all__ = [
    "attention_images",
    "load_mos",
    "load_predictions",
    "load_training_curves",
    "parse_age",
    "read_demographics",
    "read_splits",
    "reference_standard",
]

def _require(frame: pd.DataFrame, columns, path) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(columns)})")


def _sort_splits(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    order = {name: index for index, name in enumerate(SPLITS)}
    frame = frame.assign(_order=frame["split"].map(order).fillna(len(order)))
    return frame.sort_values(["_order", *keys], kind="mergesort").drop(columns="_order").reset_index(drop=True)


def read_splits(path: str | Path) -> pd.DataFrame:
    """``splits.csv`` (:func:`cxrqa.io.tables.read_splits`), sorted by split (train, validation, test) and image."""
    return _sort_splits(read_split_table(path), "image_id")


def load_mos(ratings_path: str | Path, splits_path: str | Path) -> pd.DataFrame:
    """Mean opinion score per image and dimension with its split, long.

    Returns
    -------
    pandas.DataFrame
        ``dimension, split, image_id, mos, n_readers``, sorted.
    """
    mos = mean_opinion_scores(read_ratings(ratings_path))
    mos = mos.merge(read_splits(splits_path), on="image_id", how="inner", validate="many_to_one")
    order = {name: index for index, name in enumerate(DIMENSIONS)}
    mos = _sort_splits(mos, "image_id")
    return (
        mos.assign(_d=mos["dimension"].map(order))
        .sort_values(["_d"], kind="mergesort")
        .drop(columns="_d")[["dimension", "split", "image_id", "mos", "n_readers"]]
        .reset_index(drop=True)
    )


def reference_standard(acceptability_path: str | Path) -> pd.DataFrame:
    """The readers' majority call per image and dimension (the ROC reference standard).

    Returns
    -------
    pandas.DataFrame
        ``dimension, image_id, acceptable`` (bool, majority), ``n_readers``, ``n_acceptable``.

    Raises
    ------
    ValueError
        When an image has an even number of calls that tie.
    """
    calls = read_acceptability(acceptability_path)
    votes = calls.groupby(["dimension", "image_id"])["acceptable"].agg(n_readers="size", n_acceptable="sum").reset_index()
    tie = 2 * votes["n_acceptable"] == votes["n_readers"]
    if tie.any():
        first = votes[tie].iloc[0]
        raise ValueError(
            f"{acceptability_path}: no majority for image {first['image_id']} ({first['dimension']}): "
            f"{first['n_acceptable']} of {first['n_readers']} readers call it acceptable"
        )
    votes["acceptable"] = 2 * votes["n_acceptable"] > votes["n_readers"]
    return votes[["dimension", "image_id", "acceptable", "n_readers", "n_acceptable"]].sort_values(
        ["dimension", "image_id"], kind="mergesort"
    ).reset_index(drop=True)


def load_predictions(folder: str | Path, dimensions=DIMENSIONS) -> pd.DataFrame:
    """``<folder>/<dimension>.csv`` of every dimension, concatenated and sorted.

    Raises
    ------
    FileNotFoundError
        When a dimension's file is missing (run the ``predict`` stage first).
    """
    frames = []
    for dimension in dimensions:
        frames.append(read_predictions(Path(folder) / f"{dimension}.csv", dimension))
    return pd.concat(frames, ignore_index=True).sort_values(["dimension", "split", "image_id"], kind="mergesort").reset_index(drop=True)


def parse_age(value) -> float:
    """Age in years from a DICOM Age String (``nnnD``, ``nnnW``, ``nnnM``, ``nnnY``) or a number.

    Examples
    --------
    >>> parse_age("051Y"), parse_age("006M"), parse_age(""), parse_age(42)
    (51.0, 0.5, nan, 42.0)
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return float("nan")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    match = re.fullmatch(r"\s*(\d{1,3})\s*([DWMY]?)\s*", str(value))
    if not match:
        return float("nan")
    number, unit = float(match.group(1)), match.group(2) or "Y"
    return number / {"D": 365.25, "W": 52.1775, "M": 12.0, "Y": 1.0}[unit]


def read_demographics(dicom_dir: str | Path, image_ids) -> pd.DataFrame:
    """Age and sex of each image's patient from its DICOM header (``<dicom_dir>/<image_id>.dcm``).

    Only the header is read (``stop_before_pixels``). Returns ``image_id, age, sex`` with ``sex``
    ``M``, ``F`` or ``O``/empty as recorded, and ``age`` in years (NaN when absent).
    """
    import pydicom

    rows = []
    for image_id in sorted(image_ids):
        path = Path(dicom_dir) / f"{image_id}.dcm"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: DICOM file of image {image_id} not found")
        header = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["PatientAge", "PatientSex"])
        rows.append((image_id, parse_age(header.get("PatientAge", None)), str(header.get("PatientSex", "") or "")))
    return pd.DataFrame(rows, columns=["image_id", "age", "sex"])


def load_training_curves(train_dir: str | Path, dimensions=DIMENSIONS) -> pd.DataFrame:
    """DVCLive per-epoch curves of every dimension, long: ``dimension, metric, step, value``.

    Reads ``<train_dir>/<dimension>/plots/metrics/<metric>.tsv`` (columns ``step`` and the
    metric); dimensions without a folder are skipped.
    """
    frames = []
    for dimension in dimensions:
        for path in sorted((Path(train_dir) / dimension / "plots" / "metrics").glob("*.tsv")):
            table = pd.read_csv(path, sep="\t")
            _require(table, ("step", path.stem), path)
            frames.append(
                pd.DataFrame({"dimension": dimension, "metric": path.stem, "step": table["step"], "value": table[path.stem]})
            )
    if not frames:
        return pd.DataFrame(columns=["dimension", "metric", "step", "value"])
    return pd.concat(frames, ignore_index=True).sort_values(["dimension", "metric", "step"], kind="mergesort").reset_index(drop=True)


def load_training_summary(train_dir: str | Path, dimensions=DIMENSIONS) -> pd.DataFrame:
    """DVCLive ``metrics.json`` of every dimension (last logged values), long: ``dimension, metric, value``."""
    rows = []
    for dimension in dimensions:
        path = Path(train_dir) / dimension / "metrics.json"
        if path.is_file():
            for name, value in sorted(json.loads(path.read_text()).items()):
                if isinstance(value, (int, float)):
                    rows.append((dimension, name, float(value)))
    return pd.DataFrame(rows, columns=["dimension", "metric", "value"])


def attention_images(folder: str | Path, dimensions=DIMENSIONS) -> pd.DataFrame:
    """The attention overlays the prediction stage saved: ``dimension, image_id, path``, sorted."""
    rows = [
        (dimension, path.stem, str(path))
        for dimension in dimensions
        for path in sorted((Path(folder) / dimension).glob("*.png"))
    ]
    return pd.DataFrame(rows, columns=["dimension", "image_id", "path"])
