"""The listener's scorer: takes spooled films, scores them as the audit does, stores them, empties the spool.

Each film goes through the audit's own steps: the header rules of the index pass
(:func:`cxrqa.audit.header.index_dataset`: PA chest CR/DX films for presentation are scored, the
rest recorded with the reason) and :func:`cxrqa.audit.shard.score_shard` (decode, crop, resize,
both dimensions), whose rows go to the same store ``cxrqa audit`` writes. The film's shard is
named by its SOP Instance UID (:func:`~cxrqa.listen.spool.spool_key`), so a film scored again
after a crash (stored, but not yet taken out of the spool) rewrites the same file: every film
is in the store exactly once. Only then is it removed from the spool.

A film below a cut-off is reported at once: a log line naming the station, the dimension and the
score (no patient identity), and, when configured, a command run with those facts in its
environment (``CXRQA_SOP_INSTANCE_UID``, ``CXRQA_STATION``, ``CXRQA_DIMENSIONS``,
``CXRQA_GRAY_LEVEL``, ``CXRQA_SHARPNESS``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxrqa.audit.header import SKIP_REASONS, HeaderError, index_dataset, quiet_pydicom
from cxrqa.audit.shard import ScoringSetup, failure_row, score_films, warm_up
from cxrqa.audit.store import write_failures, write_scores
from cxrqa.io.dicom import read_header
from cxrqa.io.errors import UnusableImage
from cxrqa.io.tables import DIMENSIONS
from cxrqa.listen.spool import Spool

__all__ = ["SOURCE", "Outcome", "run_scorer", "score_spooled"]

LOG = logging.getLogger("cxrqa.listen")

#: The ``source`` of a film received by the listener, in the store.
SOURCE = "c-store"


@dataclass(frozen=True)
class Outcome:
    """What became of one spooled film: ``scored``, ``skipped`` or ``failed``, with the reason or scores."""

    key: str
    status: str
    reason: str = ""
    scores: dict[str, float] | None = None
    station: str = ""
    sop_instance_uid: str = ""
    header: Any = field(default=None, repr=False, compare=False)  # the film's header, read once (for its SR)

    def below(self, cutoffs: dict[str, float]) -> list[str]:
        """The dimensions whose score is below its cut-off."""
        return [d for d in DIMENSIONS if self.scores is not None and self.scores[d] < cutoffs[d]]


def score_spooled(path: Path, setup: ScoringSetup) -> Outcome:
    """Score (or record) one spooled film into the store of ``setup``; does not touch the spool."""
    key, audit_dir = path.stem, Path(setup.audit_dir)
    try:
        header = read_header(path)
        record, skip = index_dataset(header, SOURCE, operator_key=setup.operator_key)
    except (UnusableImage, HeaderError) as error:
        reason = getattr(error, "reason", "unreadable")
        write_failures(audit_dir, key, [failure_row("", SOURCE, "index", reason, str(reason), setup)])
        return Outcome(key, "failed", reason)
    if skip is not None:
        write_failures(audit_dir, key,
                       [failure_row(record.sop_instance_uid, SOURCE, "skipped", skip, SKIP_REASONS[skip], setup)])  # fmt: skip
        return Outcome(key, "skipped", skip, sop_instance_uid=record.sop_instance_uid)
    rows, failures = score_films([(record, path)], setup)
    write_scores(audit_dir, key, rows)
    write_failures(audit_dir, key, failures)
    if not rows:
        return Outcome(key, "failed", failures[0]["reason"], sop_instance_uid=record.sop_instance_uid)
    row = rows[0]
    return Outcome(key, "scored", scores={d: float(row[d]) for d in DIMENSIONS}, station=str(row["station_name"] or ""),
                   sop_instance_uid=record.sop_instance_uid, header=header)  # fmt: skip


def run_scorer(
    spool_dir: str,
    spool_limit: int,
    setup: ScoringSetup,
    *,
    parent_pid: int | None = None,
    poll_s: float = 0.05,
    on_flag: str | None = None,
    sr: bool = False,
    forward_to: tuple[str, int, str] | None = None,
    calling_aet: str = "CXRQA",
    stop: Callable[[], bool] | None = None,
) -> None:
    """Score spooled films until ``stop()`` is true or the parent process is gone.

    Parameters
    ----------
    spool_dir : str
        The spool folder.
    spool_limit : int
        The spool's limit (the scorer only takes films out).
    setup : ScoringSetup
        Models, cut-offs and the audit folder (:func:`cxrqa.audit.command.make_setup`).
    parent_pid : int, optional
        The listener's process: when it is gone (killed), the scorer stops too, and the films it
        leaves in the spool are scored after the restart.
    poll_s : float
        Seconds between looks at an empty spool.
    on_flag : str, optional
        A shell command line run for each film below a cut-off (the facts in its environment).
    sr : bool
        Write a DICOM SR per scored film (:func:`cxrqa.listen.results.quality_report`) to
        ``AUDIT_DIR/sr/``.
    forward_to : (host, port, AE title), optional
        C-STORE each SR to this PACS (implies ``sr``): SRs wait in ``AUDIT_DIR/sr/outbox/`` until
        the PACS stored them, and are retried while it does not answer.
    calling_aet : str
        The AE title the SRs are sent from.
    stop : callable, optional
        Ends the loop when it returns true (tests, and a clean shutdown).
    """
    quiet_pydicom()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s cxrqa listen: %(message)s")
    spool = Spool(spool_dir, spool_limit)
    results = _Results(Path(setup.audit_dir) / "sr", setup, forward_to, calling_aet) if (sr or forward_to) else None
    warm_up(setup)
    while not (stop and stop()) and (parent_pid is None or os.getppid() == parent_pid):
        films = spool.pending()
        if results is not None:
            results.send()
        if not films:
            time.sleep(poll_s)
            continue
        for path in films:
            outcome = score_spooled(path, setup)
            if results is not None and outcome.status == "scored":
                results.write(outcome)
            spool.remove(path)
            _report(outcome, setup.cutoffs, on_flag)


class _Results:
    """SRs of scored films, written atomically, and (with a destination) sent and retried."""

    #: Seconds to wait after the PACS did not store the results before trying again.
    RETRY_S = 10.0

    def __init__(self, folder: Path, setup: ScoringSetup, destination, calling_aet: str):
        self.folder, self.setup, self.destination, self.calling_aet = folder, setup, destination, calling_aet
        self.outbox = folder / "outbox"
        self.outbox.mkdir(parents=True, exist_ok=True)
        self.next_try = 0.0

    def write(self, outcome: Outcome) -> None:
        from cxrqa.listen.results import quality_report

        report = quality_report(outcome.header, outcome.scores, self.setup.cutoffs, self.setup.digests)
        final = (self.outbox if self.destination else self.folder) / f"{outcome.key}.dcm"
        partial = final.with_name(f".{final.name}.partial")
        report.save_as(partial, enforce_file_format=True)
        os.replace(partial, final)

    def send(self) -> None:
        if not self.destination or time.monotonic() < self.next_try:
            return
        waiting = sorted(self.outbox.glob("*.dcm"))
        if not waiting:
            return
        from cxrqa.listen.results import forward

        try:
            stored = forward(waiting, self.destination, calling_aet=self.calling_aet)
        except Exception as error:  # noqa: BLE001 - a PACS that is down: kept, tried again
            LOG.warning("could not send results to the PACS (%s); kept for the next try", type(error).__name__)
            stored = []
        for path in stored:
            os.replace(path, self.folder / path.name)
        if len(stored) < len(waiting):
            self.next_try = time.monotonic() + self.RETRY_S
        else:
            LOG.info("sent %d result(s) to the PACS", len(stored))


def _report(outcome: Outcome, cutoffs: dict[str, float], on_flag: str | None) -> None:
    if outcome.status != "scored":
        LOG.info("received film not scored: %s (%s)", outcome.status, outcome.reason)
        return
    below = outcome.below(cutoffs)
    scores = ", ".join(f"{d} {outcome.scores[d]:.2f}" for d in DIMENSIONS)
    if not below:
        LOG.info("scored a film from %s: %s", outcome.station or "an unnamed station", scores)
        return
    LOG.warning("BELOW CUT-OFF: a film from %s, %s (%s below %s)", outcome.station or "an unnamed station", scores,
                " and ".join(below), ", ".join(f"{cutoffs[d]:g}" for d in below))  # fmt: skip
    if on_flag:
        environment = dict(os.environ, CXRQA_SOP_INSTANCE_UID=outcome.sop_instance_uid, CXRQA_STATION=outcome.station,
                           CXRQA_DIMENSIONS=",".join(below),
                           **{f"CXRQA_{d.upper()}": f"{outcome.scores[d]:.3f}" for d in DIMENSIONS})  # fmt: skip
        try:
            subprocess.run(on_flag, shell=True, env=environment, timeout=60, check=False)  # noqa: S602 - the user's own command
        except subprocess.TimeoutExpired:
            LOG.warning("the --on-flag command ran past 60 s and was stopped")
