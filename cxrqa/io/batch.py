"""Run a per-file job over many files in supervised worker processes: one bad file, one failure row.

A hospital archive holds files that make decoders raise, panic (a Rust plugin's panic is a
``BaseException``), segfault, loop or allocate without bound. A plain process pool dies or waits
forever on the first of them. :func:`map_files` instead keeps ``workers`` processes of its own,
hands each one file at a time, and watches them:

* an exception in the job becomes a :class:`Failure` with the file's reason
  (:class:`~cxrqa.io.errors.UnusableImage`), ``out_of_memory`` (``MemoryError``) or
  ``internal_error`` (anything else: a bug, named so that it is not mistaken for a bad file);
* a worker that dies (a segfault, an abort, the kernel's OOM killer) becomes ``crashed`` for the
  file it held, and a fresh worker takes its place;
* a file that takes longer than :attr:`Limits.seconds` has its worker killed (``timeout``);
* each worker's address space may grow by :attr:`Limits.memory_mb` beyond what it had when it
  started (``RLIMIT_AS``, Linux and macOS), so an allocation past it fails as a ``MemoryError``
  in that worker instead of swapping the machine.

Results come back in input order, as the items are pulled lazily from any iterable: a million
files are never listed at once. Workers start as all of the package's do
(:func:`cxrqa.io.pool.process_context`: forked on POSIX), so the job and its arguments need not
be picklable, only the items and results; jobs that cannot crash their worker use the plain pool
of :func:`cxrqa.io.pool.process_map`. Warnings and anything a decoder prints on stderr stay
in the worker: an unattended run over an archive would otherwise drown its log in them.
:class:`~cxrqa.io.errors.OutputError` raised by a job stops the whole batch (no later file could
be written either).
"""

from __future__ import annotations

import os
import signal
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from cxrqa.io.errors import OutputError, UnusableImage, describe_error
from cxrqa.io.pool import process_context

__all__ = ["Failure", "Limits", "map_files"]

T = TypeVar("T")
R = TypeVar("R")

_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Limits:
    """What one file may cost a worker; no limit by default (the preprocessing defaults are
    ``preprocess.file_timeout_s`` and ``preprocess.file_memory_mb``).

    Attributes
    ----------
    seconds : float or None
        Wall-clock seconds per file; ``None`` for no limit.
    memory_mb : int or None
        MiB of address space a worker may add, per file, to what it had when it started;
        ``None`` for no limit.
    """

    seconds: float | None = None
    memory_mb: int | None = None


@dataclass(frozen=True)
class Failure:
    """Why a job gave no result: a reason code of :data:`cxrqa.io.errors.REASONS` and a sentence."""

    reason: str
    detail: str


@dataclass
class _Busy(Generic[T]):
    index: int
    item: T
    started: float


class _Worker:
    """One forked process that runs the job on the items sent through its pipe."""

    def __init__(self, context, job: Callable[[Any], Any], limits: Limits) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, job, limits), daemon=True)
        self.process.start()
        child.close()
        self.busy: _Busy | None = None

    def send(self, index: int, item: Any) -> None:
        self.busy = _Busy(index, item, time.monotonic())
        self.connection.send(item)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


def map_files(
    job: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int = 1,
    limits: Limits = Limits(),
) -> Iterator[tuple[T, R | Failure]]:
    """Run ``job`` on every item in supervised worker processes; yield ``(item, result or Failure)``.

    Parameters
    ----------
    job : callable
        Takes one item; returns a picklable result or raises (see the module docstring).
    items : iterable
        Pulled lazily, at most ``workers`` ahead of the results yielded.
    workers : int
        Worker processes, at least one: even a single worker runs outside this process, so a
        crash never takes the batch with it (callers resolve ``workers: 0``, one per CPU core,
        with :func:`cxrqa.io.pool.worker_count`).
    limits : Limits
        Time and memory per file.

    Yields
    ------
    item, result or Failure
        In input order.

    Raises
    ------
    OutputError
        When a job raises it; the workers are stopped first.
    """
    context = process_context()
    pool = [_Worker(context, job, limits) for _ in range(max(1, workers))]
    pending = iter(enumerate(items))
    exhausted = False
    done: dict[int, tuple[T, R | Failure]] = {}
    next_index = 0
    try:
        while True:
            for worker in pool:
                if worker.busy is None and not exhausted:
                    entry = next(pending, None)
                    if entry is None:
                        exhausted = True
                    else:
                        worker.send(*entry)
            busy = [worker for worker in pool if worker.busy is not None]
            if not busy:
                break
            for worker, outcome in _collect(busy, limits):
                done[worker.busy.index] = (worker.busy.item, outcome)
                worker.busy = None
                if isinstance(outcome, Failure) and outcome.reason in ("crashed", "timeout"):
                    pool[pool.index(worker)] = _replace(worker, context, job, limits)
            while next_index in done:
                yield done.pop(next_index)
                next_index += 1
    finally:
        for worker in pool:
            worker.stop()


def _replace(worker: _Worker, context, job, limits: Limits) -> _Worker:
    worker.stop()
    return _Worker(context, job, limits)


def _collect(busy: list[_Worker], limits: Limits) -> list[tuple[_Worker, Any]]:
    """Wait for results, deaths or deadlines among the busy workers; what each one ended with."""
    now = time.monotonic()
    timeout = _POLL_SECONDS
    if limits.seconds is not None:
        timeout = max(0.0, min(timeout, min(w.busy.started + limits.seconds - now for w in busy)))
    by_handle = {}
    for worker in busy:
        by_handle[worker.connection] = worker
        by_handle[worker.process.sentinel] = worker
    ready = wait(list(by_handle), timeout=timeout)
    finished: dict[int, tuple[_Worker, Any]] = {}
    for handle in ready:
        worker = by_handle[handle]
        if id(worker) in finished:
            continue
        outcome = _receive(worker)
        if outcome is not None:
            finished[id(worker)] = (worker, outcome)
    now = time.monotonic()
    for worker in busy:
        if id(worker) not in finished and limits.seconds is not None and now - worker.busy.started > limits.seconds:
            finished[id(worker)] = (worker, Failure("timeout", f"reading took more than {limits.seconds:g} s; stopped"))
    return list(finished.values())


def _receive(worker: _Worker) -> Any | None:
    """The worker's answer, a ``crashed`` Failure if it died without one, ``None`` if not ready."""
    try:
        if worker.connection.poll():
            status, value = worker.connection.recv()
            if status == "output":
                raise OutputError(value)
            return value
    except (EOFError, OSError):
        pass
    if worker.process.is_alive():
        return None
    worker.process.join()
    return Failure("crashed", f"the worker process died ({_exit_description(worker.process.exitcode)}) on this file")


def _exit_description(code: int | None) -> str:
    """``signal SIGSEGV``, ``exit status 3``...

    >>> _exit_description(-11)
    'signal SIGSEGV'
    """
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


def _serve(connection: Connection, job: Callable[[Any], Any], limits: Limits) -> None:
    """A worker's loop: receive an item, run the job, send ``(status, result or Failure)``."""
    _quiet_stderr()
    _limit_memory(limits.memory_mb)
    warnings.simplefilter("ignore")
    while True:
        try:
            item = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(_run(job, item))


def _run(job: Callable[[Any], Any], item: Any) -> tuple[str, Any]:
    try:
        return "ok", job(item)
    except UnusableImage as error:
        return "ok", Failure(error.reason, error.detail)
    except OutputError as error:
        return "output", str(error)
    except MemoryError:
        return "ok", Failure("out_of_memory", "reading needed more memory than the per-file limit allows")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # a bug (or a library's): say where, so that it can be fixed
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
        return "ok", Failure("internal_error", f"{describe_error(error)} (at {where})")


def _quiet_stderr() -> None:
    """Send the worker's file descriptor 2 to /dev/null (decoders print there directly)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _limit_memory(memory_mb: int | None) -> None:
    """Cap the address space at what the worker has now plus ``memory_mb`` (where the OS allows)."""
    if memory_mb is None:
        return
    try:
        import resource

        with open("/proc/self/statm") as handle:
            current = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = current + (memory_mb << 20)
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        pass  # no /proc or no RLIMIT_AS: the time limit still bounds the file
