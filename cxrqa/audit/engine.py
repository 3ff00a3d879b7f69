"""Run an audit: stream the sources through the index pass and the scoring pass on Dask.

The engine only schedules (DESIGN §7): the work is :func:`cxrqa.audit.shard.index_chunk` and
:func:`cxrqa.audit.shard.score_shard`, submitted as Dask tasks to an embedded
:class:`distributed.LocalCluster` (one single-threaded worker process per core by default) or to
the scheduler at ``--scheduler`` (an existing cluster, SLURM through ``dask-jobqueue``, Kubernetes
through ``dask-kubernetes``: anything that gives a scheduler address). The same code runs the
tasks in this process with ``engine="inline"`` (a plain loop, for comparison and debugging).

Memory stays flat whatever the archive's size: the sources are walked lazily, a bounded number of
index chunks and shards is in flight at once, the shards write their own rows, and what the
client keeps per film is a 64-bit key (to skip duplicates and films already in the store).

A shard whose worker dies is retried by Dask; after ``allowed_failures`` deaths its films are
retried one by one, so a file that kills its worker on its own ends in ``failures/`` as
``crashed`` and the audit goes on. The embedded cluster waits for a dead worker's restart however
long it takes; one left with no worker that can start ends the audit with :class:`AuditError`.
"""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from cxrqa.audit.header import SKIP_REASONS, IndexRecord
from cxrqa.audit.shard import (
    DicomwebSettings,
    IndexResult,
    ScoringSetup,
    ShardResult,
    failure_row,
    index_chunk,
    score_shard,
    warm_up,
)
from cxrqa.audit.store import contains, done_keys, film_key, remove_partial_files, write_failures, write_run_json
from cxrqa.cli_errors import CommandFailed
from cxrqa.io.errors import REASONS
from cxrqa.io.inputs import walk_inputs

__all__ = ["AuditError", "AuditSource", "EngineSpec", "RunSummary", "run_audit"]

#: Files (or DICOMweb instances) per index task.
INDEX_CHUNK = 128
#: Tasks of each kind in flight per worker: enough to keep every worker busy, bounded for memory.
IN_FLIGHT_PER_WORKER = 2
#: How long the embedded cluster waits for a lost worker to come back before closing its nanny:
#: longer than any audit, since the nanny itself restarts the worker (see ``_DaskExecutor``).
LOST_WORKER_TIMEOUT = "365 days"
#: Seconds between checks, while the client waits on its tasks, that the embedded cluster has a worker.
WORKER_CHECK_S = 5.0


class AuditError(CommandFailed):
    """The audit cannot go on (the store cannot be written, a bug in a shard, no worker left); it names why."""


@dataclass(frozen=True)
class AuditSource:
    """One SOURCE of ``cxrqa audit``: a folder or file, or a DICOMweb base URL."""

    location: str

    @property
    def is_dicomweb(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    def chunks(self, setup: ScoringSetup, size: int) -> Iterator[list[Any]]:
        """The source's items in lists of ``size``, walked lazily."""
        if self.is_dicomweb:
            from cxrqa.audit.dicomweb import DicomwebSource

            items = DicomwebSource(self.location, since=setup.since, until=setup.until,
                                   retries=setup.dicomweb.retries, backoff_s=setup.dicomweb.backoff_s).iter_instances()  # fmt: skip
        else:
            items = walk_inputs([self.location])
        chunk: list[Any] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


@dataclass(frozen=True)
class EngineSpec:
    """Where the tasks run.

    Attributes
    ----------
    kind : {"local", "scheduler", "inline"}
        An embedded ``LocalCluster``, the existing scheduler at ``address``, or this process.
    workers : int
        Worker processes of the embedded cluster.
    address : str or None
        The scheduler's address with ``kind="scheduler"``.
    allowed_failures : int
        Worker deaths a task may cause before Dask gives it up (embedded cluster; an existing
        scheduler keeps its own setting).
    max_requests : int
        DICOMweb requests in flight over the whole cluster.
    http_retries, http_backoff_s : int, float
        Retries of a DICOMweb request answered 408, 429, 503 or 504, and their backoff factor.
    """

    kind: str = "local"
    workers: int = 1
    address: str | None = None
    allowed_failures: int = 2
    max_requests: int = 4
    http_retries: int = 5
    http_backoff_s: float = 0.5


@dataclass
class RunSummary:
    """What ``run.json`` holds: the counts and timings of one run."""

    seen: int = 0
    skipped: Counter = field(default_factory=Counter)
    view_position_absent: int = 0
    scored: int = 0
    failed: Counter = field(default_factory=Counter)
    already_done: int = 0
    index_seconds: float = 0.0
    total_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "seen": self.seen,
            "skipped": dict(sorted(self.skipped.items())),
            "view_position_absent": self.view_position_absent,
            "scored": self.scored,
            "failed": dict(sorted(self.failed.items())),
            "already_done": self.already_done,
        }


def run_audit(
    sources: list[str],
    setup: ScoringSetup,
    engine: EngineSpec,
    *,
    shard_size: int,
    progress: bool = True,
) -> RunSummary:
    """Audit ``sources`` into ``setup.audit_dir``; returns the run's counts (also in ``run.json``).

    Parameters
    ----------
    sources : list of str
        Folders, files or DICOMweb base URLs.
    setup : ScoringSetup
        Models, preprocessing, cut-offs, dates and the audit folder.
    engine : EngineSpec
        Where the tasks run.
    shard_size : int
        Films per scoring shard.
    progress : bool
        Show a progress bar (films done, films per second, time left).

    Raises
    ------
    AuditError
        When a shard fails for a reason that is not one film's (the store cannot be written), or
        the embedded cluster has no worker left that can start.
    """
    from cxrqa.progress import progress_bar

    started = time.perf_counter()
    audit_dir = Path(setup.audit_dir)
    audit_dir.mkdir(parents=True, exist_ok=True)
    remove_partial_files(audit_dir)
    done = done_keys(audit_dir, setup.digests)
    summary = RunSummary()
    with _executor(engine) as executor:
        executor.warm_up(setup)
        semaphore = executor.semaphore(engine.max_requests) if any(_is_url(s) for s in sources) else None
        limit = IN_FLIGHT_PER_WORKER * max(executor.workers, 1)
        bar = progress_bar(total=0, desc="audit", unit="film", disable=not progress)
        run = _Run(executor, setup, done, summary, shard_size, limit, semaphore, bar, engine)
        try:
            run.drive(sources)
        finally:
            bar.close()
        timings = run.timings()  # before the cluster's shutdown, which is not scoring time
        engine_facts = executor.facts()
    summary.total_seconds = time.perf_counter() - started
    _write_run_json(audit_dir, sources, setup, engine_facts, summary, timings)
    return summary


def _is_url(location: str) -> bool:
    return AuditSource(location).is_dicomweb


class KeySet:
    """A set of 64-bit film keys in about 8 bytes a key: recent keys in a Python set, merged now and
    then into a sorted array (a Python set alone costs some 70 bytes a key)."""

    #: Keys held in the set before it is merged into the array.
    MERGE_AT = 65536

    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype=np.uint64)
        self._recent: set[int] = set()

    def __contains__(self, key: int) -> bool:
        return key in self._recent or contains(self._sorted, key)

    def add(self, key: int) -> None:
        self._recent.add(key)
        if len(self._recent) >= self.MERGE_AT:
            self._sorted = np.union1d(self._sorted, np.fromiter(self._recent, dtype=np.uint64))
            self._recent.clear()

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)


class _Run:
    """The client's loop of one audit: keeps a bounded number of tasks in flight."""

    def __init__(self, executor, setup, done, summary, shard_size, limit, semaphore, bar, engine) -> None:
        self.executor, self.setup, self.done, self.summary, self.engine = executor, setup, done, summary, engine
        self.shard_size, self.limit, self.semaphore, self.bar = shard_size, limit, semaphore, bar
        self.seen_keys = KeySet()
        # films waiting for a shard, each with the setup of its own source
        self.pending: list[tuple[IndexRecord, Any, ScoringSetup]] = []
        self.index_futures: dict[Any, ScoringSetup] = {}
        self.shard_futures: dict[Any, tuple[str, list[tuple[IndexRecord, Any]], ScoringSetup]] = {}
        self.index_finished_at: float | None = None
        self.score_started_at: float | None = None
        self.started = time.perf_counter()

    def drive(self, sources: list[str]) -> None:
        chunks = self._chunks(sources)
        exhausted = False
        # the index pass waits while enough films to keep every worker busy wait for a shard, so
        # the client holds a bounded number of films whatever the archive's size
        backlog = self.limit * self.shard_size
        while True:
            while not exhausted and len(self.index_futures) < self.limit and len(self.pending) < backlog:
                item = next(chunks, None)
                if item is None:
                    exhausted = True
                    break
                setup, chunk = item
                self.index_futures[self.executor.submit(index_chunk, chunk, setup)] = setup
            index_done = exhausted and not self.index_futures
            if index_done and self.index_finished_at is None:
                self.index_finished_at = time.perf_counter()
            while len(self.shard_futures) < self.limit and (len(self.pending) >= self.shard_size or (index_done and self.pending)):
                self._submit_shard(*self._next_shard(index_done))
            if not self.index_futures and not self.shard_futures:
                return
            for future in self.executor.wait_first([*self.index_futures, *self.shard_futures]):
                if future in self.index_futures:
                    self._index_done(future, self.index_futures.pop(future))
                else:
                    self._shard_done(future, *self.shard_futures.pop(future))

    def _next_shard(self, index_done: bool) -> tuple[list[tuple[IndexRecord, Any]], ScoringSetup]:
        """The next shard's films: up to ``shard_size`` waiting films of one source.

        Once the index pass is over, the last films are cut into shards of at most a worker's
        share, so that the workers finish together rather than one scoring a whole last shard.
        """
        size = self.shard_size
        if index_done:
            size = min(size, -(-len(self.pending) // max(self.executor.workers, 1)))
        setup = self.pending[0][2]
        count = 0
        while count < min(size, len(self.pending)) and self.pending[count][2] is setup:
            count += 1
        films, self.pending = self.pending[:count], self.pending[count:]
        return [(record, locator) for record, locator, _ in films], setup

    def _chunks(self, sources: list[str]) -> Iterator[tuple[ScoringSetup, list[Any]]]:
        for location in sources:
            source = AuditSource(location)
            setup = self.setup
            if source.is_dicomweb:
                settings = DicomwebSettings(location.rstrip("/"), self.engine.http_retries, self.engine.http_backoff_s)
                setup = replace(self.setup, dicomweb=settings)
            for chunk in source.chunks(setup, INDEX_CHUNK):
                yield setup, chunk

    def _index_done(self, future, setup: ScoringSetup) -> None:
        result: IndexResult = future.result()
        summary = self.summary
        summary.seen += len(result.films) + sum(result.skipped.values()) + len(result.failures)
        summary.skipped.update(result.skipped)
        failures = []
        for row in result.failures:
            key = film_key("", row["source"])
            if contains(self.done, key) or key in self.seen_keys:
                summary.already_done += 1
            else:
                self.seen_keys.add(key)
                failures.append(row)
                summary.failed[row["reason"]] += 1
        if failures:
            write_failures(Path(setup.audit_dir), "index-" + _name([row["source"] for row in failures], setup), failures)
        for record, locator in result.films:
            key = film_key(record.sop_instance_uid, record.source)
            if key in self.seen_keys:
                summary.skipped["duplicate"] += 1
            elif contains(self.done, key):
                self.seen_keys.add(key)
                summary.already_done += 1
            else:
                self.seen_keys.add(key)
                summary.view_position_absent += record.view_position == ""
                self.pending.append((record, locator, setup))
                self.bar.total += 1
        self.bar.refresh()

    def _submit_shard(self, films: list[tuple[IndexRecord, Any]], setup: ScoringSetup) -> None:
        if self.score_started_at is None:
            self.score_started_at = time.perf_counter()
        name = _name([record.sop_instance_uid for record, _ in films], setup)
        future = self.executor.submit(score_shard, name, films, setup, self.semaphore)
        self.shard_futures[future] = (name, films, setup)

    def _shard_done(self, future, name: str, films: list[tuple[IndexRecord, Any]], setup: ScoringSetup) -> None:
        try:
            result: ShardResult = future.result()
        except Exception as error:  # noqa: BLE001 - only worker deaths are a film's fault
            if not _is_killed_worker(error):
                raise AuditError(f"shard {name} failed: {type(error).__name__}: {error}") from error
            if len(films) > 1:
                for film in films:  # find the film that kills its worker: one by one
                    self._submit_shard([film], setup)
                return
            record = films[0][0]
            detail = "the worker died each time it read this file (a decoder crash, a memory kill, or past the per-file time limit)"
            write_failures(Path(setup.audit_dir), name, [failure_row(record.sop_instance_uid, record.source, "score", "crashed", detail, setup)])
            self.summary.failed["crashed"] += 1
            self.bar.update(1)
            return
        self.summary.scored += result.scored
        self.summary.failed.update(result.failed)
        self.bar.update(result.scored + sum(result.failed.values()))
        self.bar.set_postfix_str(
            f"skipped {sum(self.summary.skipped.values())}, failed {sum(self.summary.failed.values())}, "
            f"done before {self.summary.already_done}",
            refresh=False,
        )

    def timings(self) -> dict[str, float | None]:
        """Seconds of the index pass (from the start to its last chunk) and of the scoring pass."""
        end = time.perf_counter()
        index_end = self.index_finished_at or end
        scoring = end - self.score_started_at if self.score_started_at is not None else 0.0
        return {
            "index_seconds": round(index_end - self.started, 3),
            "scoring_seconds": round(scoring, 3),
            "films_per_second": round(self.summary.scored / scoring, 3) if scoring > 0 else None,
        }


def _name(keys: list[str], setup: ScoringSetup) -> str:
    """A shard's name from its films and models: the same films and models give the same name."""
    digest = hashlib.sha256("\n".join([*sorted(keys), *sorted(setup.digests.values())]).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:20]


def _is_killed_worker(error: BaseException) -> bool:
    return type(error).__name__ == "KilledWorker"


# -- executors ------------------------------------------------------------------------------------
class _DaskExecutor:
    """Tasks on a Dask cluster: an embedded ``LocalCluster`` or an existing scheduler."""

    def __init__(self, engine: EngineSpec) -> None:
        import dask
        from distributed import Client, LocalCluster

        self.engine = engine
        # A worker's death is charged to every task processing on it; with one task per worker
        # thread at a time (saturation 1.0) only the film that killed it is charged, never a
        # bystander queued behind it. The nanny restarts a worker that died; the embedded cluster
        # must not also give it up (close its nanny for good) when, after lost-worker-timeout,
        # the restart is still under way, as it is on a busy machine after a second death in a
        # row: a cluster left without workers would hold the audit's shards queued for ever.
        self._config = dask.config.set({
            "distributed.scheduler.allowed-failures": engine.allowed_failures,
            "distributed.scheduler.worker-saturation": 1.0,
            "distributed.deploy.lost-worker-timeout": LOST_WORKER_TIMEOUT,
        })  # fmt: skip
        self._config.__enter__()
        self.cluster = None
        if engine.kind == "scheduler":
            self.client = Client(engine.address)
        else:
            self.cluster = LocalCluster(
                n_workers=engine.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
            )  # fmt: skip
            self.client = Client(self.cluster)
        self.workers = len(self.client.scheduler_info(n_workers=-1)["workers"]) or engine.workers

    def submit(self, function, *args):
        return self.client.submit(function, *args, pure=False, retries=0)

    def wait_first(self, futures: list) -> list:
        """The futures done, once at least one is; raises :class:`AuditError` when the embedded
        cluster has no worker left that could run the others."""
        from distributed import wait

        while True:
            try:
                return list(wait(futures, timeout=WORKER_CHECK_S, return_when="FIRST_COMPLETED").done)
            except TimeoutError:
                self._check_workers()

    def _check_workers(self) -> None:
        """Raise :class:`AuditError` when every nanny of the embedded cluster has stopped.

        A nanny restarts its worker after each death and stops only when it cannot (the process
        does not start); an external scheduler's workers come and go as its owner decides, so
        only the embedded cluster is checked.
        """
        from distributed.core import Status

        if self.cluster is None:
            return
        stopped = (Status.closing, Status.closed, Status.failed)
        if all(nanny.status in stopped for nanny in self.cluster.workers.values()):
            raise AuditError(
                f"every worker of the embedded cluster has stopped ({self.engine.workers} started) and none can be "
                "restarted (see the log above); the shards already scored are kept: run the same command again to go on"
            )

    def warm_up(self, setup: ScoringSetup) -> None:
        """Every worker loads the models now; a worker started later loads them on its first shard."""
        self.client.run(warm_up, setup)

    def semaphore(self, leases: int):
        from distributed import Semaphore

        return Semaphore(max_leases=leases, name="cxrqa-dicomweb")

    def facts(self) -> dict[str, Any]:
        import dask
        import distributed

        return {
            "kind": "LocalCluster" if self.cluster is not None else "scheduler",
            "workers": self.workers,
            "threads_per_worker": 1 if self.cluster is not None else None,
            "dask": dask.__version__,
            "distributed": distributed.__version__,
        }

    def close(self) -> None:
        try:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            self._config.__exit__(None, None, None)


class _InlineExecutor:
    """Tasks run at once in this process, one after the other (no Dask): the plain loop."""

    workers = 1

    def submit(self, function, *args):
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(function(*args))
        except Exception as error:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(error)
        return future

    def wait_first(self, futures: list) -> list:
        return list(futures)

    def warm_up(self, setup: ScoringSetup) -> None:
        warm_up(setup)

    def semaphore(self, leases: int):
        return None

    def facts(self) -> dict[str, Any]:
        return {"kind": "inline", "workers": 1, "threads_per_worker": 1}

    def close(self) -> None:
        pass


class _executor:
    """Context manager of the executor an :class:`EngineSpec` names."""

    def __init__(self, engine: EngineSpec) -> None:
        self.engine = engine

    def __enter__(self):
        self.executor = _InlineExecutor() if self.engine.kind == "inline" else _DaskExecutor(self.engine)
        return self.executor

    def __exit__(self, *exc) -> None:
        self.executor.close()


# -- run.json -------------------------------------------------------------------------------------
def _write_run_json(audit_dir: Path, sources, setup: ScoringSetup, engine_facts, summary: RunSummary, timings) -> None:
    facts = {
        "finished_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sources": list(sources),
        "since": setup.since.isoformat() if setup.since else None,
        "until": setup.until.isoformat() if setup.until else None,
        "counts": summary.as_dict(),
        "skip_reasons": {reason: SKIP_REASONS.get(reason) or REASONS.get(reason, "") for reason in sorted(summary.skipped)},
        "timings": {**timings, "total_seconds": round(summary.total_seconds, 3)},
        "engine": engine_facts,
        **setup.run_facts(),
    }
    write_run_json(audit_dir, facts)
