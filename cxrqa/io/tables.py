"""The study's tidy tables: schema checks on read, for simulated and users' own studies alike.

A user's own study plugs into the pipeline with files in the same schema as the simulator's,
UTF-8 CSV text (a UTF-8 byte-order mark is allowed) with a header line naming the columns:

``ratings.csv``
    ``image_id, reader_id, reader_role, dimension, score, seconds``; ``reader_role`` is
    ``radiologist`` or ``radiographer`` (:data:`READER_ROLES`); ``dimension`` is ``gray_level`` or
    ``sharpness`` (:data:`DIMENSIONS`); ``score`` an integer 1-10 (10 = best); ``seconds`` the
    reading time, a non-negative number (may be empty when it was not recorded). Each
    ``(image_id, reader_id, dimension)`` reading appears once.
``acceptability.csv``
    ``image_id, reader_id, dimension, acceptable`` (``True``/``False``, or ``1``/``0``), one call per
    ``(image_id, reader_id, dimension)``.

Surrounding whitespace of the text fields ``image_id``, ``reader_id``, ``reader_role`` and
``dimension`` is stripped, and none of them may be empty. Every record must have as many fields as
the header; blank lines (empty or spaces and tabs only) are skipped, as pandas does.

The pipeline's own tables follow fixed column sets defined here too: ``manifest.csv`` and
``errors.csv`` (stage ``preprocess``, :data:`MANIFEST_COLUMNS`, :data:`ERROR_COLUMNS`),
``splits.csv`` (stage ``split``, :data:`SPLITS_COLUMNS`; split names :data:`SPLITS`),
``results/predictions/<dimension>.csv`` (stage ``predict``, :data:`PREDICTION_COLUMNS`) and
``results/baselines.csv`` (stage ``baselines``, :data:`BASELINE_COLUMNS`). This module is the one
definition of the study's vocabulary (dimensions, splits, reader roles, columns) and of the mean
opinion score (:func:`mean_opinion_scores`); every stage reads the tables through it.

Every reader below raises :class:`TableError` naming the file and what is wrong: for a schema
error the column and the first bad record, by its **line number in the file** (1-based, the header
being line 1; blank lines count, and a record whose quoted field spans lines is reported by its
first line).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "ACCEPTABILITY_COLUMNS",
    "BASELINE_COLUMNS",
    "DIMENSIONS",
    "ERROR_COLUMNS",
    "MANIFEST_COLUMNS",
    "PREDICTION_COLUMNS",
    "RATINGS_COLUMNS",
    "READER_ROLES",
    "SPLITS",
    "SPLITS_COLUMNS",
    "TableError",
    "mean_opinion_scores",
    "mos_by_image",
    "read_acceptability",
    "read_baselines",
    "read_image_ids",
    "read_predictions",
    "read_ratings",
    "read_splits",
    "validate_ratings",
]

#: The quality dimensions, each scored by its own model (DESIGN §4).
DIMENSIONS = ("gray_level", "sharpness")
#: The study's splits, in the order of every table (as the paper's Tables 2 and 4).
SPLITS = ("train", "validation", "test")
#: The readers' professions, as the simulator writes them (:mod:`cxrqa.simulate.readers`).
READER_ROLES = ("radiologist", "radiographer")
RATINGS_COLUMNS = ("image_id", "reader_id", "reader_role", "dimension", "score", "seconds")
ACCEPTABILITY_COLUMNS = ("image_id", "reader_id", "dimension", "acceptable")
#: Columns of ``manifest.csv``, in order: one row per preprocessed image.
MANIFEST_COLUMNS = (
    "image_id", "source_file", "image_file", "roi_file", "modality", "vendor", "model",
    "photometric_interpretation", "bits_allocated", "bits_stored", "pixel_representation",
    "transfer_syntax", "pixel_spacing_row_mm", "pixel_spacing_col_mm", "spacing_source",
    "original_rows", "original_cols", "crop_top", "crop_left", "crop_bottom", "crop_right",
    "crop_method", "roi_source", "out_rows", "out_cols", "out_spacing_row_mm", "out_spacing_col_mm",
    "modality_lut", "voi_lut", "view_position",
)  # fmt: skip
#: Columns of ``errors.csv``: one row per input that could not be used (reasons: :mod:`cxrqa.io.errors`).
ERROR_COLUMNS = ("file", "reason", "detail")
#: Columns of ``splits.csv``.
SPLITS_COLUMNS = ("image_id", "split")
#: Columns of ``results/predictions/<dimension>.csv``; ``seconds_per_image`` is the model's time
#: per image, ``batch_size`` the images (or, for a patch model, the tiles) per forward pass.
PREDICTION_COLUMNS = ("image_id", "split", "dimension", "score", "mos", "seconds_per_image", "device", "batch_size")
#: Columns of ``results/baselines.csv``: one row per image, dimension and classical method.
BASELINE_COLUMNS = ("image_id", "split", "dimension", "method", "score", "mos")

#: One reading (or acceptability call): each appears at most once in its table.
_READING_KEY = ["image_id", "reader_id", "dimension"]
#: Columns read as text whatever they hold (ids such as ``001`` keep their zeros).
_TEXT_DTYPES = {"image_id": str, "reader_id": str}
_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


class TableError(ValueError):
    """A study table does not follow the schema."""


def _decode(data: bytes, source: str) -> str:
    """The file's bytes as UTF-8 text, or :class:`TableError` saying why they are not CSV text."""
    if data.startswith(_UTF16_MARKS):
        raise TableError(f"{source}: the file is UTF-16 encoded; save it as UTF-8 CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TableError(
            f"{source}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8 CSV"
        ) from None
    if "\x00" in text:
        raise TableError(f"{source}: contains NUL bytes: binary or UTF-16 data, not UTF-8 CSV text")
    return text


def _record_lines(text: str, source: str) -> np.ndarray:
    """Line number (1-based) on which each data record starts, checking the CSV structure.

    Blank lines are skipped as :func:`pandas.read_csv` skips them, so the result has one entry per
    row of the parsed frame.

    Raises
    ------
    TableError
        When there is no header line, a record has a different number of fields than the header,
        or the quoting is malformed (e.g. a quote left open at the end of the file).
    """
    physical = io.StringIO(text, newline="").readlines()
    reader = csv.reader(physical, strict=True)
    width, starts, end = None, [], 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if start == end and not physical[start - 1].strip(" \t\r\n"):
                continue
            if width is None:
                width = len(record)
            elif len(record) != width:
                raise TableError(f"{source}: line {start} has {len(record)} field(s), the header has {width}")
            else:
                starts.append(start)
    except csv.Error as error:
        raise TableError(f"{source}: malformed CSV in the record starting on line {end + 1}: {error}") from None
    if width is None:
        raise TableError(f"{source}: empty file (no header line)")
    return np.array(starts, dtype=int)


def _read_table(path: str | Path, kind: str, columns: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Read one CSV table: the frame, and the line on which each of its rows starts.

    Parameters
    ----------
    path : str or Path
        The file.
    kind : str
        What the file is, for the messages (``ratings``, ``manifest``...).
    columns : sequence of str
        Columns the table must have.

    Raises
    ------
    TableError
        When the file is missing, not UTF-8 CSV text, ragged, or lacks a column.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise TableError(f"{source}: {kind} file not found")
    text = _decode(path.read_bytes(), source)
    lines = _record_lines(text, source)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=_TEXT_DTYPES)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise TableError(f"{source}: not a readable CSV table: {error}") from None
    if len(frame) != len(lines):  # the two parsers disagree: never silently misnumber rows
        raise TableError(f"{source}: {len(frame)} rows parsed but {len(lines)} records found; check the quoting")
    _require_columns(frame, columns, source)
    return frame, lines


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise TableError(f"{source}: missing column(s) {', '.join(missing)} (expected {', '.join(columns)})")


def _where(lines: Sequence[int] | None, row: int) -> str:
    """Where row ``row`` (0-based position) is: its line in the file, else its data row."""
    return f"line {int(lines[row])}" if lines is not None else f"data row {row + 1}"


def _first_bad(
    frame: pd.DataFrame, bad: pd.Series, column: str, source: str, rule: str, lines: Sequence[int] | None
) -> None:
    """Raise :class:`TableError` for the first row where ``bad`` holds, if any."""
    flags = np.asarray(bad, dtype=bool)
    if flags.any():
        row = int(np.flatnonzero(flags)[0])
        value = frame[column].iloc[row]
        value = value.item() if isinstance(value, np.generic) else value  # 99, not np.int64(99)
        raise TableError(
            f"{source}: column '{column}' {rule}; first offending record at {_where(lines, row)} "
            f"(value {value!r}, {int(flags.sum())} record(s) in all)"
        )


def _clean_text(frame: pd.DataFrame, columns: Sequence[str], source: str, lines: Sequence[int] | None) -> None:
    """Strip surrounding whitespace of the text ``columns`` in place; none may be empty."""
    for column in columns:
        missing = frame[column].isna().to_numpy()
        text = frame[column].astype(str).str.strip()
        _first_bad(frame, missing | (text == "").to_numpy(), column, source, "must not be empty", lines)
        frame[column] = text


def _check_values(
    frame: pd.DataFrame, column: str, allowed: Sequence[str], source: str, lines: Sequence[int] | None
) -> None:
    _first_bad(frame, ~frame[column].isin(allowed), column, source, f"must be one of {', '.join(allowed)}", lines)


def _check_unique_readings(frame: pd.DataFrame, source: str, lines: Sequence[int] | None) -> None:
    duplicated = frame.duplicated(_READING_KEY)
    _first_bad(frame, duplicated, "image_id", source, f"repeats a ({', '.join(_READING_KEY)}) reading", lines)


def _check_seconds(frame: pd.DataFrame, source: str, lines: Sequence[int] | None) -> pd.Series:
    """The ``seconds`` column as floats (NaN where empty); anything else must be a number >= 0."""
    seconds = frame["seconds"]
    numbers = pd.to_numeric(seconds, errors="coerce")
    not_number = seconds.notna().to_numpy() & ~np.isfinite(numbers.to_numpy(dtype=float))
    _first_bad(frame, not_number, "seconds", source, "must be empty or a finite number", lines)
    _first_bad(frame, numbers < 0, "seconds", source, "must not be negative", lines)
    return numbers


def validate_ratings(
    ratings: pd.DataFrame, source: str = "ratings", *, lines: Sequence[int] | None = None
) -> pd.DataFrame:
    """Check a ratings table against the schema and return it with clean dtypes.

    Parameters
    ----------
    ratings : DataFrame
        The table (see the module docstring).
    source : str
        Its name in the messages (the file's path when read from one).
    lines : sequence of int, optional
        The file line each row starts on, for the messages; without it rows are counted from 1.

    Returns
    -------
    DataFrame
        A copy with the text fields stripped, ``score`` integer and ``seconds`` float.

    Raises
    ------
    TableError
        At the first rule broken (module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> bad = pd.DataFrame({"image_id": ["a"], "reader_id": ["R01"], "reader_role": ["radiologist"],
    ...                     "dimension": ["sharpness"], "score": [11], "seconds": [9.5]})
    >>> validate_ratings(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cxrqa.io.tables.TableError: ratings: column 'score' must hold integers from 1 to 10; first offending record at data row 1 ...
    """
    _require_columns(ratings, RATINGS_COLUMNS, source)
    ratings = ratings.copy()
    _clean_text(ratings, ("image_id", "reader_id", "reader_role", "dimension"), source, lines)
    _check_values(ratings, "dimension", DIMENSIONS, source, lines)
    _check_values(ratings, "reader_role", READER_ROLES, source, lines)
    score = pd.to_numeric(ratings["score"], errors="coerce")
    bad_score = score.isna() | (score != np.round(score)) | (score < 1) | (score > 10)
    _first_bad(ratings, bad_score, "score", source, "must hold integers from 1 to 10", lines)
    ratings["score"] = score.astype(int)
    ratings["seconds"] = _check_seconds(ratings, source, lines)
    _check_unique_readings(ratings, source, lines)
    return ratings


def read_ratings(path: str | Path) -> pd.DataFrame:
    """Read and check ``ratings.csv`` (:func:`validate_ratings`)."""
    frame, lines = _read_table(path, "ratings", RATINGS_COLUMNS)
    return validate_ratings(frame, str(path), lines=lines)


def read_acceptability(path: str | Path) -> pd.DataFrame:
    """Read and check ``acceptability.csv``; ``acceptable`` becomes bool."""
    source = str(path)
    calls, lines = _read_table(path, "acceptability", ACCEPTABILITY_COLUMNS)
    _clean_text(calls, ("image_id", "reader_id", "dimension"), source, lines)
    _check_values(calls, "dimension", DIMENSIONS, source, lines)
    text = calls["acceptable"].astype(str).str.strip().str.lower()
    _first_bad(calls, ~text.isin(["true", "false", "1", "0"]), "acceptable", source, "must be true or false", lines)
    calls["acceptable"] = text.isin(["true", "1"])
    _check_unique_readings(calls, source, lines)
    return calls


def read_image_ids(path: str | Path, kind: str = "manifest") -> list[str]:
    """The ``image_id`` column of a table such as ``manifest.csv``: present, non-empty, unique.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    kind : str
        What the file is, for the messages.

    Raises
    ------
    TableError
        When the file is missing or unreadable, lacks ``image_id``, or has an empty or repeated id.
    """
    source = str(path)
    frame, lines = _read_table(path, kind, ("image_id",))
    _clean_text(frame, ("image_id",), source, lines)
    _first_bad(frame, frame.duplicated("image_id"), "image_id", source, "must not repeat an image", lines)
    return frame["image_id"].tolist()


def mean_opinion_scores(ratings: pd.DataFrame) -> pd.DataFrame:
    """Mean opinion score (the readers' mean) per dimension and image, long.

    The one definition of the MOS: every stage and report takes it from here.

    Returns
    -------
    DataFrame
        ``dimension, image_id, mos, n_readers``, sorted by dimension (:data:`DIMENSIONS` order)
        and image id.

    Examples
    --------
    >>> import pandas as pd
    >>> ratings = pd.DataFrame({"image_id": ["b", "a", "a"], "dimension": ["sharpness"] * 3, "score": [4, 6, 7]})
    >>> mean_opinion_scores(ratings).values.tolist()
    [['sharpness', 'a', 6.5, 2], ['sharpness', 'b', 4.0, 1]]
    """
    mos = ratings.groupby(["dimension", "image_id"])["score"].agg(mos="mean", n_readers="size").reset_index()
    order = mos["dimension"].map({name: index for index, name in enumerate(DIMENSIONS)})
    return mos.assign(_order=order).sort_values(["_order", "image_id"], kind="mergesort").drop(columns="_order").reset_index(drop=True)


def mos_by_image(ratings: pd.DataFrame) -> pd.DataFrame:
    """The MOS (:func:`mean_opinion_scores`) as a matrix: index ``image_id``, one column per dimension."""
    return mean_opinion_scores(ratings).pivot(index="image_id", columns="dimension", values="mos")


def read_splits(path: str | Path) -> pd.DataFrame:
    """Read and check ``splits.csv`` (``image_id, split``), rows in file order.

    Raises
    ------
    TableError
        When the file is missing or unreadable, lacks a column, names a split outside
        :data:`SPLITS`, or has an empty or repeated image id.
    """
    source = str(path)
    splits, lines = _read_table(path, "splits", SPLITS_COLUMNS)
    _clean_text(splits, SPLITS_COLUMNS, source, lines)
    _check_values(splits, "split", SPLITS, source, lines)
    _first_bad(splits, splits.duplicated("image_id"), "image_id", source, "must not repeat an image", lines)
    return splits


def read_predictions(path: str | Path, dimension: str) -> pd.DataFrame:
    """Read and check one dimension's predictions (:data:`PREDICTION_COLUMNS`, in that order).

    Raises
    ------
    TableError
        When the file is missing or unreadable, lacks a column, or a row is of another dimension.
    """
    source = str(path)
    predictions, lines = _read_table(path, f"{dimension} predictions", PREDICTION_COLUMNS)
    _check_values(predictions, "dimension", (dimension,), source, lines)
    _check_values(predictions, "split", SPLITS, source, lines)
    return predictions[list(PREDICTION_COLUMNS)]


def read_baselines(path: str | Path) -> pd.DataFrame:
    """Read and check ``results/baselines.csv`` (:data:`BASELINE_COLUMNS`, in that order).

    Raises
    ------
    TableError
        When the file is missing or unreadable, lacks a column, or names an unknown dimension or split.
    """
    source = str(path)
    baselines, lines = _read_table(path, "baselines", BASELINE_COLUMNS)
    _check_values(baselines, "dimension", DIMENSIONS, source, lines)
    _check_values(baselines, "split", SPLITS, source, lines)
    return baselines[list(BASELINE_COLUMNS)]
