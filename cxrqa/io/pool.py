"""Process pools, one recipe: how many workers, how they start, and an ordered parallel map.

``workers: 0`` in ``params.yaml`` means one process per CPU core wherever a stage has workers;
:func:`worker_count` is that rule. :func:`process_map` runs a trusted job (the simulation's
renderer, the baselines' measures) over a list in a pool and yields the results in input order,
as :func:`map` would; an exception in the job stops the map and is raised here, as in series.
Files that may crash or hang their reader go through :func:`cxrqa.io.batch.map_files` instead,
which supervises its workers one file at a time; both start workers with :func:`process_context`.

The job is handed to each worker once, when the worker starts (inherited by the fork on POSIX,
pickled once per worker elsewhere), never with the items, so it may hold large arrays and build
expensive state lazily in each worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

__all__ = ["process_context", "process_map", "worker_count"]

T = TypeVar("T")
R = TypeVar("R")

#: The job of this worker process, installed by :func:`_install_job` when the worker starts.
_WORKER_JOB: Callable[[Any], Any] | None = None


def worker_count(workers: int, n_items: int | None = None) -> int:
    """How many worker processes to start: ``workers``, 0 meaning one per CPU core.

    Parameters
    ----------
    workers : int
        The requested count (``params.yaml``'s ``workers``); 0 = one per CPU core.
    n_items : int, optional
        Items to process: never more workers than items (and at least one).

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> worker_count(3), worker_count(3, n_items=2), worker_count(4, n_items=0)
    (3, 2, 1)
    >>> worker_count(0) == (os.cpu_count() or 1)
    True
    """
    count = workers or os.cpu_count() or 1
    if n_items is not None:
        count = min(count, n_items)
    return max(1, count)


def process_context() -> BaseContext:
    """The start method of every worker process: fork on POSIX (no pickling of the job), else spawn."""
    return multiprocessing.get_context("fork" if os.name == "posix" else "spawn")


def process_map(job: Callable[[T], R], items: Sequence[T], *, workers: int = 0, chunksize: int = 1) -> Iterator[R]:
    """``job(item)`` for every item, in input order, from a pool of worker processes.

    Parameters
    ----------
    job : callable
        Takes one item and returns a picklable result. Sent to each worker once.
    items : sequence
        Picklable items.
    workers : int, default 0
        Worker processes (:func:`worker_count`: 0 = one per CPU core, never more than the
        items). With one, the job runs in this process, without a pool.
    chunksize : int, default 1
        Items sent to a worker at a time.

    Yields
    ------
    result
        As soon as it and every result before it are ready (wrap the iterator in a progress bar).

    Raises
    ------
    Exception
        Whatever the job raised, for the first item whose job failed; the pool is stopped.

    Examples
    --------
    >>> list(process_map(abs, [-2, 1, -3], workers=2))
    [2, 1, 3]
    """
    count = worker_count(workers, len(items))
    if count == 1:
        yield from map(job, items)
        return
    with process_context().Pool(count, initializer=_install_job, initargs=(job,)) as pool:
        yield from pool.imap(_run_job, items, chunksize=chunksize)


def _install_job(job: Callable[[Any], Any]) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job


def _run_job(item: Any) -> Any:
    return _WORKER_JOB(item)
