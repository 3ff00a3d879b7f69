"""Input checks shared by :mod:`cxrqa.stats`: every user error becomes a ``ValueError`` naming it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def check_confidence(confidence: float) -> float:
    """Return ``confidence`` as a float in (0, 1) or raise ``ValueError``."""
    confidence = float(confidence)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    return confidence


def as_vector(x: object, name: str, *, min_n: int = 1) -> np.ndarray:
    """Convert ``x`` to a finite 1-D float array.

    Parameters
    ----------
    x : array_like
        Values.
    name : str
        Name used in error messages.
    min_n : int, optional
        Smallest acceptable length.

    Returns
    -------
    numpy.ndarray
        1-D ``float64`` copy.

    Raises
    ------
    ValueError
        If ``x`` is not 1-D, is not numeric, holds NaN or infinite values, or is shorter
        than ``min_n``.

    Examples
    --------
    >>> as_vector([1, 2, 3], "a")
    array([1., 2., 3.])
    """
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN at positions {np.flatnonzero(np.isnan(arr))[:10].tolist()}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains infinite values")
    if arr.size < min_n:
        raise ValueError(f"{name} needs at least {min_n} values, got {arr.size}")
    return arr


def paired_vectors(a: object, b: object, *, names: tuple[str, str] = ("a", "b"), min_n: int = 2):
    """Return two finite 1-D float arrays of equal length (at least ``min_n``).

    Examples
    --------
    >>> paired_vectors([1, 2], [3, 4])
    (array([1., 2.]), array([3., 4.]))
    """
    x = as_vector(a, names[0])
    y = as_vector(b, names[1])
    if x.size != y.size:
        raise ValueError(f"{names[0]} and {names[1]} have different lengths ({x.size} and {y.size})")
    if x.size < min_n:
        raise ValueError(f"{names[0]} and {names[1]} need at least {min_n} pairs, got {x.size}")
    return x, y


def binary_target(y_true: object, positive: object, *, name: str = "y_true") -> np.ndarray:
    """Return a boolean array, True where ``y_true == positive``.

    Raises
    ------
    ValueError
        If ``y_true`` is not 1-D, holds missing values, more than two classes, lacks
        ``positive``, or holds only one class.

    Examples
    --------
    >>> binary_target(["ok", "bad", "ok"], "bad")
    array([False,  True, False])
    """
    if np.ndim(y_true) != 1:
        raise ValueError(f"{name} must be one-dimensional, got {np.ndim(y_true)} dimensions")
    values = pd.Series(np.asarray(y_true, dtype=object))
    if values.isna().any():
        raise ValueError(f"{name} contains missing values")
    classes = pd.unique(values)
    if len(classes) > 2:
        raise ValueError(f"{name} must have exactly two classes, found {len(classes)}: {list(classes)[:5]}")
    is_pos = (values == positive).to_numpy(dtype=bool)
    if not is_pos.any():
        raise ValueError(f"{name} has no value equal to positive={positive!r} (classes: {list(classes)})")
    if is_pos.all():
        raise ValueError(f"{name} holds one class only ({positive!r}); need positives and negatives")
    return is_pos


def require_columns(data: pd.DataFrame, columns: Sequence[str], *, name: str = "data") -> None:
    """Raise ``ValueError`` unless ``data`` is a DataFrame holding every column named."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"{name} has no column(s) {missing}; columns are {list(data.columns)}")


def long_to_wide(data: pd.DataFrame, targets: str, raters: str, ratings: str) -> pd.DataFrame:
    """Pivot tidy ratings to a complete targets x raters matrix.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data, one row per (target, rater).
    targets, raters, ratings : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Index = targets (sorted), columns = raters (sorted), float ratings.

    Raises
    ------
    ValueError
        Missing columns, NaN ratings, duplicated (target, rater) pairs, an incomplete design,
        or fewer than two targets or two raters.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 1, 2, 2], "r": ["x", "y", "x", "y"], "s": [1, 2, 3, 4]})
    >>> long_to_wide(df, "t", "r", "s").to_numpy()
    array([[1., 2.],
           [3., 4.]])
    """
    require_columns(data, [targets, raters, ratings])
    if data[[targets, raters]].isna().any().any():
        raise ValueError(f"columns {targets!r}/{raters!r} contain missing values")
    score = pd.to_numeric(data[ratings], errors="coerce")
    if score.isna().any():
        bad = data.loc[score.isna(), [targets, raters]].head(3).to_dict("records")
        raise ValueError(f"column {ratings!r} has NaN or non-numeric ratings, e.g. {bad}")
    dup = data.duplicated([targets, raters])
    if dup.any():
        bad = data.loc[dup, [targets, raters]].head(3).to_dict("records")
        raise ValueError(f"duplicated ({targets}, {raters}) pairs, e.g. {bad}")
    wide = (
        data.assign(**{ratings: score.astype(float)})
        .pivot(index=targets, columns=raters, values=ratings)
        .sort_index()
        .sort_index(axis=1)
    )
    if wide.shape[0] < 2:
        raise ValueError(f"need at least two targets, got {wide.shape[0]}")
    if wide.shape[1] < 2:
        raise ValueError(f"need at least two raters, got {wide.shape[1]}")
    if wide.isna().any().any():
        holes = int(wide.isna().sum().sum())
        raise ValueError(f"incomplete design: {holes} (target, rater) cells have no rating; every rater must rate every target")
    return wide
