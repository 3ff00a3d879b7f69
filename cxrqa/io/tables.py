"""The study's tidy tables: schema checks on read, for simulated and users' own studies alike.

A user's own study plugs into the pipeline with files in the same schema as the simulator's:

``ratings.csv``
    ``image_id, reader_id, reader_role, dimension, score, seconds``; ``dimension`` is
    ``gray_level`` or ``sharpness``; ``score`` an integer 1-10 (10 = best); ``seconds`` the
    reading time (may be empty when it was not recorded).
``acceptability.csv``
    ``image_id, reader_id, dimension, acceptable`` (``True``/``False``).

Every reader below raises :class:`TableError` naming the file, the column and the first bad row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "ACCEPTABILITY_COLUMNS",
    "DIMENSIONS",
    "RATINGS_COLUMNS",
    "TableError",
    "mean_opinion_scores",
    "read_acceptability",
    "read_ratings",
    "validate_ratings",
]

DIMENSIONS = ("gray_level", "sharpness")
RATINGS_COLUMNS = ("image_id", "reader_id", "reader_role", "dimension", "score", "seconds")
ACCEPTABILITY_COLUMNS = ("image_id", "reader_id", "dimension", "acceptable")


class TableError(ValueError):
    """A study table does not follow the schema."""


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], source: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise TableError(f"{source}: missing column(s) {', '.join(missing)} (expected {', '.join(columns)})")


def _first_bad(frame: pd.DataFrame, bad: pd.Series, column: str, source: str, rule: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise TableError(
            f"{source}: column '{column}' {rule}; first offending row {row + 2} "
            f"(value {frame[column].iloc[row]!r}, {int(bad.sum())} row(s) in all)"
        )


def validate_ratings(ratings: pd.DataFrame, source: str = "ratings") -> pd.DataFrame:
    """Check a ratings table against the schema and return it with clean dtypes.

    Examples
    --------
    >>> import pandas as pd
    >>> bad = pd.DataFrame({"image_id": ["a"], "reader_id": ["R01"], "reader_role": ["radiologist"],
    ...                     "dimension": ["sharpness"], "score": [11], "seconds": [9.5]})
    >>> validate_ratings(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cxrqa.io.tables.TableError: ratings: column 'score' must hold integers from 1 to 10; ...
    """
    _require_columns(ratings, RATINGS_COLUMNS, source)
    ratings = ratings.copy()
    _first_bad(ratings, ratings["image_id"].isna(), "image_id", source, "must not be empty")
    _first_bad(ratings, ~ratings["dimension"].isin(DIMENSIONS), "dimension", source, f"must be one of {', '.join(DIMENSIONS)}")
    score = pd.to_numeric(ratings["score"], errors="coerce")
    bad_score = score.isna() | (score != np.round(score)) | (score < 1) | (score > 10)
    _first_bad(ratings, bad_score, "score", source, "must hold integers from 1 to 10")
    ratings["score"] = score.astype(int)
    seconds = pd.to_numeric(ratings["seconds"], errors="coerce")
    _first_bad(ratings, seconds < 0, "seconds", source, "must not be negative")
    ratings["seconds"] = seconds
    duplicated = ratings.duplicated(["image_id", "reader_id", "dimension"])
    _first_bad(ratings, duplicated, "image_id", source, "repeats a (image_id, reader_id, dimension) reading")
    ratings["image_id"] = ratings["image_id"].astype(str)
    ratings["reader_id"] = ratings["reader_id"].astype(str)
    return ratings


def read_ratings(path: str | Path) -> pd.DataFrame:
    """Read and check ``ratings.csv``."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: ratings file not found")
    return validate_ratings(pd.read_csv(path, dtype={"image_id": str, "reader_id": str}), str(path))


def read_acceptability(path: str | Path) -> pd.DataFrame:
    """Read and check ``acceptability.csv``."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: acceptability file not found")
    calls = pd.read_csv(path, dtype={"image_id": str, "reader_id": str})
    _require_columns(calls, ACCEPTABILITY_COLUMNS, str(path))
    _first_bad(calls, ~calls["dimension"].isin(DIMENSIONS), "dimension", str(path), f"must be one of {', '.join(DIMENSIONS)}")
    text = calls["acceptable"].astype(str).str.strip().str.lower()
    _first_bad(calls, ~text.isin(["true", "false", "1", "0"]), "acceptable", str(path), "must be true or false")
    calls["acceptable"] = text.isin(["true", "1"])
    return calls


def mean_opinion_scores(ratings: pd.DataFrame) -> pd.DataFrame:
    """Mean opinion score per image and dimension (the readers' mean), wide.

    Returns
    -------
    DataFrame
        Index ``image_id``; one column per dimension present.
    """
    return ratings.pivot_table(index="image_id", columns="dimension", values="score", aggfunc="mean")
