"""The listener's spool: received films on disk until the scorer has stored them.

A film is written under a hidden name (``.<key>.partial``), flushed to disk and renamed to
``<key>.dcm``; only then does the listener answer the C-STORE with success. So a film the sender
was told is stored is a whole file in the spool, whatever happens to the process next, and a file
half written when the process died is a hidden one that :meth:`Spool.clean` removes. The key is
a hash of the SOP Instance UID: the same instance sent twice is one file. The spool holds at most
``limit`` films; a full spool refuses more (:class:`SpoolFull`) rather than dropping any.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pydicom

__all__ = ["Spool", "SpoolFull", "spool_key"]


class SpoolFull(RuntimeError):
    """The spool holds its limit of films; the sender should try again later."""


def spool_key(sop_instance_uid: str) -> str:
    """The file name stem of an instance in the spool (and its shard name in the store).

    >>> spool_key("1.2.3")
    'sp-c47f5b18b8a430e698b9fe15e51f6119'
    """
    return "sp-" + hashlib.sha256(sop_instance_uid.encode("ascii", "replace")).hexdigest()[:32]


class Spool:
    """A folder of received films, bounded to ``limit`` films.

    Parameters
    ----------
    folder : str or Path
        Created if missing.
    limit : int
        Most films held at once.
    """

    def __init__(self, folder: str | Path, limit: int):
        if limit < 1:
            raise ValueError(f"the spool limit must be at least 1, got {limit}")
        self.folder, self.limit = Path(folder), limit
        self.folder.mkdir(parents=True, exist_ok=True)

    def pending(self) -> list[Path]:
        """The whole films waiting, oldest first (by the time they were completed)."""
        files = [entry for entry in os.scandir(self.folder) if entry.name.endswith(".dcm") and not entry.name.startswith(".")]
        return [Path(entry.path) for entry in sorted(files, key=lambda entry: (entry.stat().st_mtime_ns, entry.name))]

    def count(self) -> int:
        """Films waiting."""
        return sum(1 for entry in os.scandir(self.folder) if entry.name.endswith(".dcm") and not entry.name.startswith("."))

    def full(self) -> bool:
        """Whether the spool holds its limit."""
        return self.count() >= self.limit

    def put(self, dataset: pydicom.Dataset) -> Path:
        """Write a received instance (with its ``file_meta``) as a whole file; returns its path.

        Raises
        ------
        SpoolFull
            When the spool holds its limit (a film already there is replaced, not refused).
        """
        key = spool_key(str(dataset.SOPInstanceUID))
        final = self.folder / f"{key}.dcm"
        if not final.exists() and self.full():
            raise SpoolFull(f"the spool holds its limit of {self.limit} films")
        partial = self.folder / f".{key}.partial"
        with partial.open("wb") as handle:
            pydicom.dcmwrite(handle, dataset, enforce_file_format=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final)
        return final

    def remove(self, path: Path) -> None:
        """Take a stored film out of the spool."""
        Path(path).unlink(missing_ok=True)

    def clean(self) -> int:
        """Remove the hidden files of writes a dead process left; returns how many."""
        removed = 0
        for entry in os.scandir(self.folder):
            if entry.name.startswith(".") and entry.name.endswith(".partial"):
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
        return removed
