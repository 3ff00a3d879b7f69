"""Find the files under the inputs named, lazily, with an entry for everything that cannot be read.

:func:`walk_inputs` yields every regular file under the folders named (depth first, each folder's
entries sorted by name, as sorted full paths would order them) and a :class:`Skipped` entry for
each thing that gets no reading, so that nothing under an input passes without a line:

* hidden files and folders (name starting with ``.``: ``.DS_Store``, ``.git``): one entry for
  the file or the folder, which is not entered (``hidden``);
* broken symbolic links, FIFOs, sockets and devices (``not_a_file``; opening a FIFO would block);
* folders that cannot be listed (``unreadable``), and symbolic links back to a folder already
  walked (``not_a_file``; they would loop).

Symbolic links to files and folders are followed. :func:`display_path` is the form a path takes
in tables and messages: file names need not be UTF-8 on POSIX and may hold line breaks, and such
bytes are written as ``\\xNN`` escapes rather than breaking the CSV writer or reader.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Skipped", "display_path", "walk_inputs"]


@dataclass(frozen=True)
class Skipped:
    """A path under the inputs that is not read, with a reason code and a sentence."""

    path: Path
    reason: str
    detail: str


def display_path(path: str | Path) -> str:
    """``path`` as one line of text any UTF-8 writer accepts: undecodable bytes and control
    characters (a newline or carriage return in a file name) become ``\\xNN``.

    >>> display_path(Path(os.fsdecode(b"caf\\xe9.dcm")))
    'caf\\\\xe9.dcm'
    >>> display_path("line\\nbreak.dcm"), display_path("plain/CXR0001.dcm")
    ('line\\\\x0abreak.dcm', 'plain/CXR0001.dcm')
    """
    text = os.fsencode(path).decode("utf-8", errors="backslashreplace")
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def walk_inputs(inputs: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    """Files named in ``inputs`` and under the folders named, or a :class:`Skipped` entry.

    Raises
    ------
    FileNotFoundError
        When an input does not exist (checked when the walk reaches it).
    """
    for item in inputs:
        path = Path(item)
        if not os.path.lexists(path):
            raise FileNotFoundError(f"input not found: {display_path(path)}")
        if path.is_dir():
            yield from _walk_folder(path, set())
        else:
            yield _classify(path)


def _classify(path: Path) -> Path | Skipped:
    """A file path as it is, or why it is not a regular file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return Skipped(path, "not_a_file", "a broken symbolic link (its target does not exist)")
    except OSError as error:
        return Skipped(path, "unreadable", f"cannot stat the file: {error.strerror or error}")
    if stat.S_ISREG(mode):
        return path
    kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return Skipped(path, "not_a_file", f"{kind}, not a regular file")


def _walk_folder(folder: Path, visited: set[tuple[int, int]]) -> Iterator[Path | Skipped]:
    try:
        info = os.stat(folder)
        key = (info.st_dev, info.st_ino)
        if key in visited:
            yield Skipped(folder, "not_a_file", "a symbolic link to a folder already read (a loop)")
            return
        visited.add(key)
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        yield Skipped(folder, "unreadable", f"cannot list the folder: {error.strerror or error}")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            what = "folder" if _is_dir(entry) else "file"
            yield Skipped(path, "hidden", f"a hidden {what}, not read")
        elif _is_dir(entry):
            yield from _walk_folder(path, visited)
        else:
            yield _classify(path)


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # follows symbolic links
    except OSError:
        return False
