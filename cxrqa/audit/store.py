"""The audit's store: ``scores/`` and ``failures/`` as Parquet, written shard by shard, atomically.

Layout of an audit folder::

    scores/study_month=YYYY-MM/part-<shard>.parquet   one row per scored film (SCORE_SCHEMA)
    failures/part-<shard>.parquet                     one row per unusable file (FAILURE_SCHEMA)
    run.json                                          counts, timings, engine, models

``scores/`` is a Hive-partitioned dataset (``pyarrow.dataset.dataset(path, partitioning="hive")``
or ``pandas.read_parquet(path)`` read it whole, with ``study_month`` as a column). Films without a
valid study date go to ``study_month=unknown``.

Every file is written under a hidden temporary name and renamed into place, so a run killed at
any moment leaves only whole files (readers skip the hidden names; the next run removes them).
A film is done when its key (:func:`film_key`: its SOP Instance UID, or for a file that never
gave one its source) is in the store with the same models: :func:`done_keys` reads those keys back
for a rerun to skip, as a sorted array of 64-bit hashes, so the memory a resume needs stays small.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from cxrqa.io.tables import DIMENSIONS

__all__ = [
    "FAILURE_SCHEMA",
    "RETRIED_REASONS",
    "SCORE_SCHEMA",
    "UNKNOWN_MONTH",
    "contains",
    "done_keys",
    "film_key",
    "read_failures",
    "read_scores",
    "remove_partial_files",
    "study_month",
    "write_failures",
    "write_run_json",
    "write_scores",
]

#: Failure reasons that a rerun retries rather than counts as done: a DICOMweb server that did
#: not answer (after the request's own retries).
RETRIED_REASONS = ("unavailable",)

#: Partition of the films whose header has no valid study date.
UNKNOWN_MONTH = "unknown"

_TEXT = pa.string()
_REAL = pa.float64()

#: Columns of one scored film, in order (``study_month`` is the partition, not stored in the files).
SCORE_SCHEMA = pa.schema(
    [
        ("sop_instance_uid", _TEXT),
        ("source", _TEXT),
        ("study_date", pa.date32()),
        ("modality", _TEXT),
        ("manufacturer", _TEXT),
        ("model", _TEXT),
        ("station_name", _TEXT),
        ("institution", _TEXT),
        ("software_versions", _TEXT),
        ("device_key", _TEXT),
        ("body_part", _TEXT),
        ("view_position", _TEXT),
        ("exposure_index", _REAL),
        ("target_exposure_index", _REAL),
        ("deviation_index", _REAL),
        ("deviation_index_source", _TEXT),
        ("operator", _TEXT),
        *[(dimension, _REAL) for dimension in DIMENSIONS],
        *[(f"{dimension}_acceptable", pa.bool_()) for dimension in DIMENSIONS],
        *[(f"{dimension}_model", _TEXT) for dimension in DIMENSIONS],
        ("crop_method", _TEXT),
        ("roi_source", _TEXT),
        ("seconds", _REAL),
    ]
)

#: Columns of one unusable file: where it failed (``index`` or ``score``), why, and the models.
FAILURE_SCHEMA = pa.schema(
    [
        ("sop_instance_uid", _TEXT),
        ("source", _TEXT),
        ("stage", _TEXT),
        ("reason", _TEXT),
        ("detail", _TEXT),
        *[(f"{dimension}_model", _TEXT) for dimension in DIMENSIONS],
    ]
)

def study_month(date) -> str:
    """The partition of a study date: ``YYYY-MM``, or :data:`UNKNOWN_MONTH` for ``None``.

    >>> import datetime
    >>> study_month(datetime.date(2025, 3, 9)), study_month(None)
    ('2025-03', 'unknown')
    """
    return UNKNOWN_MONTH if date is None else f"{date.year:04d}-{date.month:02d}"


def film_key(sop_instance_uid: str, source: str) -> int:
    """The 64-bit key of a film for resuming: its SOP Instance UID's hash, else its source's.

    >>> film_key("1.2.3", "a.dcm") == film_key("1.2.3", "b.dcm") != film_key("", "a.dcm")
    True
    """
    text = f"uid:{sop_instance_uid}" if sop_instance_uid else f"source:{source}"
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=8).digest(), "little")


def write_scores(audit_dir: Path, shard: str, rows: list[dict[str, Any]]) -> int:
    """Write a shard's scored films, one file per study month; returns the rows written."""
    by_month: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_month.setdefault(study_month(row["study_date"]), []).append(row)
    for month, month_rows in sorted(by_month.items()):
        _write(_table(month_rows, SCORE_SCHEMA), Path(audit_dir) / "scores" / f"study_month={month}" / f"part-{shard}.parquet")
    return len(rows)


def write_failures(audit_dir: Path, shard: str, rows: list[dict[str, Any]]) -> int:
    """Write a shard's unusable files as one file; returns the rows written."""
    if rows:
        _write(_table(rows, FAILURE_SCHEMA), Path(audit_dir) / "failures" / f"part-{shard}.parquet")
    return len(rows)


def read_scores(audit_dir: Path, columns: list[str] | None = None) -> pa.Table:
    """The scores of an audit folder as one table (``study_month`` included); empty when none."""
    folder = Path(audit_dir) / "scores"
    schema = SCORE_SCHEMA.append(pa.field("study_month", _TEXT))
    if not folder.is_dir():
        return schema.empty_table() if columns is None else schema.empty_table().select(columns)
    dataset = ds.dataset(folder, format="parquet", schema=schema, partitioning=ds.partitioning(pa.schema([("study_month", _TEXT)]), flavor="hive"))
    return dataset.to_table(columns=columns)


def read_failures(audit_dir: Path, columns: list[str] | None = None) -> pa.Table:
    """The failures of an audit folder as one table; empty when none."""
    folder = Path(audit_dir) / "failures"
    if not folder.is_dir():
        return FAILURE_SCHEMA.empty_table() if columns is None else FAILURE_SCHEMA.empty_table().select(columns)
    return ds.dataset(folder, format="parquet", schema=FAILURE_SCHEMA).to_table(columns=columns)


def done_keys(audit_dir: Path, models: dict[str, str]) -> np.ndarray:
    """Sorted keys (:func:`film_key`) of the films the store holds for these models.

    Parameters
    ----------
    audit_dir : Path
        The audit folder.
    models : dict
        Dimension to checkpoint digest; rows scored or failed with other models are not done.
    """
    keys: list[np.ndarray] = []
    model_columns = [f"{dimension}_model" for dimension in DIMENSIONS]
    failed = read_failures(audit_dir, ["sop_instance_uid", "source", "reason", *model_columns])
    retried = np.isin(np.asarray(failed.column("reason").to_pylist(), dtype=object), RETRIED_REASONS)
    for table, keep in ((read_scores(audit_dir, ["sop_instance_uid", "source", *model_columns]), None),
                        (failed, ~retried)):  # fmt: skip
        if not table.num_rows:
            continue
        same = np.ones(table.num_rows, dtype=bool) if keep is None else keep.copy()
        for dimension in DIMENSIONS:
            same &= np.asarray(table.column(f"{dimension}_model").to_pylist(), dtype=object) == models[dimension]
        uids = table.column("sop_instance_uid").to_pylist()
        sources = table.column("source").to_pylist()
        keys.append(np.fromiter((film_key(u, s) for u, s, keep in zip(uids, sources, same) if keep), dtype=np.uint64))
    return np.unique(np.concatenate(keys)) if keys else np.empty(0, dtype=np.uint64)


def contains(sorted_keys: np.ndarray, key: int) -> bool:
    """Whether ``key`` is in the sorted array ``sorted_keys`` (binary search)."""
    index = int(np.searchsorted(sorted_keys, np.uint64(key)))
    return index < len(sorted_keys) and int(sorted_keys[index]) == key


def remove_partial_files(audit_dir: Path) -> int:
    """Remove the hidden temporary files a killed run left in the store; returns how many."""
    removed = 0
    for folder in (Path(audit_dir) / "scores", Path(audit_dir) / "failures"):
        if folder.is_dir():
            for path in folder.rglob(".*.tmp"):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _table(rows: Iterable[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    rows = list(rows)
    return pa.table({name: [row.get(name) for row in rows] for name in schema.names}, schema=schema)


def write_run_json(audit_dir: Path, facts: dict[str, Any]) -> None:
    """Write ``AUDIT_DIR/run.json`` under a hidden name and rename it into place."""
    temporary = Path(audit_dir) / f".run.json.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, Path(audit_dir) / "run.json")


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, temporary, compression="zstd")
    with temporary.open("rb") as handle:  # the rename below must not publish unwritten blocks
        os.fsync(handle.fileno())
    os.replace(temporary, path)
