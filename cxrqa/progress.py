"""Progress bars that suit a terminal and a log file alike.

In a terminal a bar redraws as often as tqdm likes. When standard error is a file or a pipe (a DVC
stage logged to a file, CI), every redraw is a new line of the log, so the bar then updates at most
every :data:`LOG_INTERVAL_S` seconds.
"""

from __future__ import annotations

import sys

from tqdm.auto import tqdm

__all__ = ["LOG_INTERVAL_S", "progress_bar"]

#: Seconds between updates of a bar written to a file or a pipe.
LOG_INTERVAL_S = 30.0


def progress_bar(*args, **kwargs) -> tqdm:
    """A :class:`tqdm.tqdm` with the same arguments, throttled when stderr is not a terminal."""
    if not sys.stderr.isatty():
        kwargs.setdefault("mininterval", LOG_INTERVAL_S)
    return tqdm(*args, **kwargs)
