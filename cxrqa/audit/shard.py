"""The audit's units of work, as a worker runs them: index a chunk of files, score a shard of films.

Both are plain functions of picklable arguments, so the engine may run them on Dask workers or in
its own process alike (:mod:`cxrqa.audit.engine`). A worker process loads the models once, the
first time it scores (:func:`scorers`), and keeps them for every later shard.

:func:`index_chunk` reads headers only (:func:`cxrqa.io.dicom.read_header`, or DICOMweb metadata)
and returns the films to score with what the index pass skipped or could not read.
:func:`score_shard` decodes, crops and resizes each film (:func:`cxrqa.preprocess.pipeline.prepare_image`,
the pipeline of ``cxrqa preprocess``), scores both dimensions, and writes the shard's rows to the
store itself (:mod:`cxrqa.audit.store`): only counts travel back, so the client's memory does not
grow with the archive. A film that cannot be used is a failure row with the reason codes of
``cxrqa preprocess``; a file never stops its shard.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import tempfile
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxrqa.audit.header import HeaderError, IndexRecord, index_dataset, quiet_pydicom
from cxrqa.audit.store import write_failures, write_scores
from cxrqa.config.schema import PreprocessParams
from cxrqa.io.dicom import read_header
from cxrqa.io.errors import UnusableImage, describe_error
from cxrqa.io.inputs import Skipped, display_path
from cxrqa.io.tables import DIMENSIONS

__all__ = ["IndexResult", "ScoringSetup", "ShardResult", "index_chunk", "failure_row", "score_films", "score_shard", "scorers", "warm_up"]


@dataclass(frozen=True)
class DicomwebSettings:
    """How a worker reaches a DICOMweb server (it builds its own client from these)."""

    url: str
    retries: int
    backoff_s: float


@dataclass(frozen=True)
class ScoringSetup:
    """Everything a worker needs besides the films: where to write, what to score with.

    Attributes
    ----------
    audit_dir : str
        The audit folder; shards write there (a shared file system on a cluster).
    models : str
        The models folder (``<models>/<dimension>/best.pt``), as the workers see it.
    digests : dict
        Dimension to the checkpoint digest the client read; a worker that finds another file
        there stops rather than mixing models.
    preprocess : PreprocessParams
        Decode, crop and resize, as ``cxrqa preprocess`` does.
    cutoffs : dict
        Dimension to the score at or above which a film is acceptable.
    since, until : datetime.date or None
        Study dates kept by the index pass (inclusive).
    operator_key : bytes or None
        Key of the operator pseudonym; ``None`` writes no operator.
    threads : int
        Torch threads per worker process.
    dicomweb : DicomwebSettings or None
        Set by the engine for the films of a DICOMweb source; ``None`` for files.
    """

    audit_dir: str
    models: str
    digests: dict[str, str]
    preprocess: PreprocessParams
    cutoffs: dict[str, float]
    since: _dt.date | None = None
    until: _dt.date | None = None
    operator_key: bytes | None = field(default=None, repr=False)
    threads: int = 1
    dicomweb: DicomwebSettings | None = None

    def run_facts(self) -> dict[str, Any]:
        """What ``run.json`` records of this setup: the models, the cut-offs, whether operators are pseudonymised."""
        return {
            "models": {dimension: {"digest": digest, "folder": str(self.models)} for dimension, digest in self.digests.items()},
            "cutoffs": dict(self.cutoffs),
            "operator_pseudonyms": self.operator_key is not None,
        }


@dataclass
class IndexResult:
    """What the index pass made of a chunk: films to score, skip reasons, failure rows.

    ``films`` pairs each film's record with where a worker reads it: an absolute path, or a
    DICOMweb instance reference.
    """

    films: list[tuple[IndexRecord, Any]] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ShardResult:
    """What a scored shard wrote: films scored, failures by reason, and the worker's seconds."""

    shard: str
    scored: int
    failed: dict[str, int]
    seconds: float


# -- index pass ---------------------------------------------------------------------------------
def index_chunk(items: list[Any], setup: ScoringSetup) -> IndexResult:
    """Index a chunk of a source: paths (or :class:`~cxrqa.io.inputs.Skipped` entries) of a folder,
    or DICOMweb instance references.

    Never raises for a bad file: each ends as a record to score, a skip reason or a failure row.
    """
    quiet_pydicom()
    result = IndexResult()
    for item in items:
        if isinstance(item, Skipped):
            result.skipped[item.reason] += 1
            continue
        source = _source_of(item, setup)
        try:
            record, skip = index_dataset(_header(item, setup), source, operator_key=setup.operator_key)
        except UnusableImage as error:
            result.failures.append(failure_row("", source, "index", error.reason, error.detail, setup))
            continue
        except HeaderError as error:
            result.failures.append(failure_row("", source, "index", error.reason, str(error), setup))
            continue
        except Exception as error:  # noqa: BLE001 - a bad file or a bug: recorded, never the audit's end
            result.failures.append(failure_row("", source, "index", *_classify_exception(error), setup))
            continue
        if skip is None and not _within_dates(record.study_date, setup):
            skip = "outside_dates"
        if skip is not None:
            result.skipped[skip] += 1
            continue
        result.films.append((record, item.absolute() if isinstance(item, Path) else item))
    return result


def _header(item: Any, setup: ScoringSetup):
    if setup.dicomweb is None:
        return read_header(item)
    return _dicomweb(setup.dicomweb).read_header(item)


def _source_of(item: Any, setup: ScoringSetup) -> str:
    if setup.dicomweb is None:
        return display_path(item)
    return item.url(setup.dicomweb.url)


def _within_dates(date: _dt.date | None, setup: ScoringSetup) -> bool:
    if setup.since is None and setup.until is None:
        return True
    if date is None:
        return False
    return (setup.since is None or date >= setup.since) and (setup.until is None or date <= setup.until)


# -- scoring pass -------------------------------------------------------------------------------
#: Models loaded in this process, by (models folder, digests): loaded once per worker.
_SCORERS: dict[tuple, dict[str, Any]] = {}


def scorers(setup: ScoringSetup) -> dict[str, Any]:
    """The scorers of ``setup.models`` in this process, loaded on first use and kept.

    Raises
    ------
    ValueError
        When a checkpoint the worker finds is not the one the client read (its digest differs).
    """
    key = (setup.models, tuple(sorted(setup.digests.items())))
    if key not in _SCORERS:
        import torch

        from cxrqa.scoring import checkpoint_digest, checkpoint_path, load_scorer

        if setup.threads:
            torch.set_num_threads(setup.threads)
        loaded = {}
        for dimension in DIMENSIONS:
            path = checkpoint_path(Path(setup.models), dimension)
            if checkpoint_digest(path) != setup.digests[dimension]:
                raise ValueError(f"{path} changed since the audit started (digest differs); rerun the audit")
            loaded[dimension] = load_scorer(Path(setup.models), dimension)
        _SCORERS[key] = loaded
    return _SCORERS[key]


def warm_up(setup: ScoringSetup) -> None:
    """Load the models in this process now (:func:`scorers`), before the first shard needs them."""
    scorers(setup)


def score_shard(shard: str, films: list[tuple[IndexRecord, Any]], setup: ScoringSetup, semaphore: Any = None) -> ShardResult:
    """Score the films of one shard and write its rows to the store.

    Parameters
    ----------
    shard : str
        The shard's name; its files are ``part-<shard>.parquet``.
    films : list of (IndexRecord, locator)
        The films from the index pass, with where to read each (:class:`IndexResult`).
    setup : ScoringSetup
        What to score with and where to write.
    semaphore : distributed.Semaphore, optional
        Bounds the DICOMweb requests in flight over the whole cluster.

    Returns
    -------
    ShardResult
    """
    started = time.perf_counter()
    rows, failures = score_films(films, setup, semaphore)
    write_scores(Path(setup.audit_dir), shard, rows)
    write_failures(Path(setup.audit_dir), shard, failures)
    return ShardResult(shard, len(rows), dict(Counter(f["reason"] for f in failures)), time.perf_counter() - started)


def score_films(films: list[tuple[IndexRecord, Any]], setup: ScoringSetup,
                semaphore: Any = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    """Score films (as :func:`score_shard` does) without writing: their score rows and failure rows."""
    quiet_pydicom()
    models = scorers(setup)
    rows, failures = [], []
    for record, locator in films:
        film_started = time.perf_counter()
        try:
            with _local_file(locator, setup, semaphore) as path, _deadline(setup.preprocess.file_timeout_s):
                row = _score_film(path, record, models, setup)
        except UnusableImage as error:
            failures.append(failure_row(record.sop_instance_uid, record.source, "score", error.reason, error.detail, setup))
            continue
        except MemoryError:
            failures.append(failure_row(record.sop_instance_uid, record.source, "score", "out_of_memory",
                                     "reading needed more memory than the worker had", setup))  # fmt: skip
            continue
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # a decoder's panic is a BaseException; recorded, the shard goes on
            failures.append(failure_row(record.sop_instance_uid, record.source, "score", *_classify_exception(error), setup))
            continue
        row["seconds"] = time.perf_counter() - film_started
        rows.append(row)
    return rows, failures


@contextlib.contextmanager
def _deadline(seconds: float):
    """On a Dask worker, end the worker process if a film takes longer than ``seconds``.

    A decoder that hangs cannot be interrupted from Python, and a task cannot be cancelled from
    inside; ending the process turns the hang into a worker death, which the engine handles like
    a crash (retries, then the film alone, then a ``crashed`` row). Outside a worker (the plain
    loop of :class:`~cxrqa.audit.engine.EngineSpec` ``inline``) nothing is armed.
    """
    if not _on_dask_worker():
        yield
        return
    timer = threading.Timer(seconds, os._exit, args=(_OVERDUE_EXIT,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


#: Exit status of a worker ended by :func:`_deadline`.
_OVERDUE_EXIT = 124


def _on_dask_worker() -> bool:
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return False
    return True


def _score_film(path: Path, record: IndexRecord, models: dict[str, Any], setup: ScoringSetup) -> dict[str, Any]:
    from cxrqa.preprocess.pipeline import Task, prepare_image

    prepared = prepare_image(Task(record.sop_instance_uid, path), setup.preprocess)
    row = record.as_row()
    for dimension, scorer in models.items():
        score = float(scorer.score([prepared.pixels], rois=[prepared.roi]).scores[0])
        row[dimension] = score
        row[f"{dimension}_acceptable"] = score >= setup.cutoffs[dimension]
        row[f"{dimension}_model"] = setup.digests[dimension]
    row["crop_method"] = prepared.facts["crop_method"]
    row["roi_source"] = prepared.facts["roi_source"]
    return row


@contextlib.contextmanager
def _local_file(locator: Any, setup: ScoringSetup, semaphore: Any):
    """The film as a local file: its path, or a DICOMweb retrieval in a temporary file."""
    if setup.dicomweb is None:
        yield locator
        return
    with tempfile.TemporaryDirectory(prefix="cxrqa_audit_") as folder:
        with semaphore if semaphore is not None else contextlib.nullcontext():
            path = _dicomweb(setup.dicomweb).fetch(locator, Path(folder) / "film.dcm")
        yield path


_CLIENTS: dict[DicomwebSettings, Any] = {}


def _dicomweb(settings: DicomwebSettings):
    """This process's DICOMweb client for ``settings`` (one session per worker, reused)."""
    if settings not in _CLIENTS:
        from cxrqa.audit.dicomweb import DicomwebSource

        _CLIENTS[settings] = DicomwebSource(settings.url, since=None, until=None, retries=settings.retries,
                                            backoff_s=settings.backoff_s)  # fmt: skip
    return _CLIENTS[settings]


def _classify_exception(error: BaseException) -> tuple[str, str]:
    """Reason and detail of an unexpected exception: a DICOMweb error, or a bug named where raised."""
    if type(error).__name__ == "DicomwebError":
        # A server that did not answer after the retries may answer tomorrow: such a failure is
        # not kept as done, so the next run asks again (store.RETRIED_REASONS).
        return ("unavailable" if error.transient else "unreadable"), describe_error(error)
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    where = f" (at {os.path.basename(frame.filename)}:{frame.lineno})" if frame else ""
    return "internal_error", f"{describe_error(error)}{where}"


def failure_row(uid: str, source: str, stage: str, reason: str, detail: str, setup: ScoringSetup) -> dict[str, Any]:
    """One row of ``failures/`` (:data:`cxrqa.audit.store.FAILURE_SCHEMA`) for the models of ``setup``."""
    return {
        "sop_instance_uid": uid,
        "source": source,
        "stage": stage,
        "reason": reason,
        "detail": detail,
        **{f"{dimension}_model": setup.digests[dimension] for dimension in DIMENSIONS},
    }
