"""The audit report's words and numbers: what an audit folder holds, the answer, the headline metrics.

The report (``notebooks/audit.py``) opens with the answer of the audit, written here from the
tables of :mod:`cxrqa.audit.analysis`: which groups signalled, from when, on which dimension,
with how many films, and where a device's configuration changed. The words name groups, periods
and counts only, never a patient or an operator. This module never imports torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from cxrqa.audit.header import SKIP_REASONS
from cxrqa.audit.store import read_failures, read_scores
from cxrqa.io.errors import REASONS
from cxrqa.io.tables import DIMENSIONS

__all__ = ["answer_markdown", "counts_table", "headline_metrics", "load_audit", "provenance_markdown"]


def load_audit(audit_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The scores, the failures and the run record of an audit folder (``cxrqa audit`` or
    ``cxrqa listen --out AUDIT_DIR``).

    Raises
    ------
    FileNotFoundError
        When the folder holds no ``scores/`` or no ``run.json``: not an audit folder, or an audit
        that never finished a shard.
    """
    audit_dir = Path(audit_dir)
    if not (audit_dir / "scores").is_dir() or not (audit_dir / "run.json").is_file():
        raise FileNotFoundError(f"{audit_dir}: not an audit folder (no scores/ or run.json; run cxrqa audit --out {audit_dir})")
    scores = read_scores(audit_dir).to_pandas()
    scores = scores.sort_values(["study_date", "sop_instance_uid"], kind="stable", na_position="last").reset_index(drop=True)
    failures = read_failures(audit_dir).to_pandas()
    return scores, failures, json.loads((audit_dir / "run.json").read_text(encoding="utf-8"))


def _films(count: int) -> str:
    return f"{count} film" + ("" if count == 1 else "s")


def answer_markdown(overview: pd.DataFrame, changes: pd.DataFrame, *, grouping: str, baseline: list[str],
                    n_groups: int, n_periods: int) -> str:  # fmt: skip
    """The answer, in a few sentences and a list: which groups signalled, from when, on what.

    Parameters
    ----------
    overview : pandas.DataFrame
        :func:`cxrqa.audit.analysis.signal_overview`.
    changes : pandas.DataFrame
        :func:`cxrqa.audit.analysis.configuration_changes`.
    grouping : str
        The kind of group charted (``station``...).
    baseline : list of str
        The baseline periods.
    n_groups, n_periods : int
        Groups charted and periods covered.
    """
    lines = []
    signalled = sorted(overview["group"].unique()) if len(overview) else []
    if len(baseline) < 2:
        lines.append(f"**No control chart yet**: the store spans {n_periods} period(s), and the charts need a baseline "
                     "of at least two and periods after it. The summaries and the review queue below hold.")  # fmt: skip
    elif not signalled:
        lines.append(f"**No {grouping} signalled.** None of the {n_groups} {grouping}s charted left its control limits "
                     f"in the {n_periods} periods, against the baseline {baseline[0]} to {baseline[-1]}.")  # fmt: skip
    else:
        lines.append(f"**{len(signalled)} of {n_groups} {grouping}s signalled** against the baseline "
                     f"{baseline[0]} to {baseline[-1]}: {', '.join(signalled)}.")  # fmt: skip
        lines.append("")
        for row in overview.itertuples():
            until = "" if row.first_period == row.last_period else f" to {row.last_period}"
            direction = "fell" if row.signal_mean < row.baseline_mean else "rose"
            lines.append(
                f"- **{row.group}**, {row.dimension.replace('_', '-')}: from **{row.first_period}**{until} "
                f"({row.periods} period{'s' if row.periods > 1 else ''} with a signal; charts: {row.charts}). "
                f"The mean score {direction} from {row.baseline_mean:.2f} in the baseline to {row.signal_mean:.2f}; "
                f"{_films(row.films)} in those periods, {row.films_below} below the cut-off."
            )
    for row in changes.itertuples():
        lines.append(f"- **{row.group}** changed its device key in **{row.period}** (software {row.software_before} "
                     f"to {row.software_after}; {_films(row.films)} since).")  # fmt: skip
    return "\n".join(lines)


def provenance_markdown(run: dict, films_in_store: int, model_metrics: dict | None = None) -> str:
    """What was audited and with which models, and what the scores mean (and do not mean).

    ``run`` is the folder's ``run.json``: the counts of the last ``cxrqa audit`` run (none when
    only ``cxrqa listen`` wrote the folder); ``films_in_store`` counts every scored film the
    report reads, the listener's included.
    """
    counts = run.get("counts", {})
    skipped = sum(counts.get("skipped", {}).values())
    failed = sum(counts.get("failed", {}).values())
    models = run.get("models", {})
    named = ", ".join(f"{dimension.replace('_', '-')} `{models[dimension]['digest']}`" for dimension in DIMENSIONS if dimension in models)
    lines = [f"The store holds {films_in_store} scored PA chest films."]
    if counts.get("seen"):
        lines[0] += (
            f" The last audit run read {counts['seen']} files, scored {counts.get('scored', 0)} "
            f"({counts.get('view_position_absent', 0)} without View Position, taken as PA), skipped {skipped} "
            f"(not PA chest films) and could not use {failed} (see the table of files not scored)."
        )
    lines.append(f"Models (checkpoint digests): {named or 'not recorded'}.")
    if model_metrics:
        icc = ", ".join(f"{dimension.replace('_', '-')} {model_metrics[dimension]['icc']:.3f}"
                        for dimension in DIMENSIONS if dimension in model_metrics)  # fmt: skip
        lines.append(f"Their agreement with the reader study's mean opinion scores on its test split, ICC(A,1): {icc}.")
    lines.append(
        "The models were trained on the digital reader study, not on this hospital's readers: their absolute "
        "scores are a scale, not a verdict. The audit's claims rest on comparisons (a group against its own "
        "baseline, device against device); a site with a rated sample of its own trains on it first."
    )
    return "\n\n".join(lines)


def headline_metrics(scores: pd.DataFrame, run: dict, signal_table: pd.DataFrame, overview: pd.DataFrame,
                     queue: pd.DataFrame, *, cutoffs: dict[str, float], di_band: float) -> dict:  # fmt: skip
    """The audit's numbers for ``dvc metrics diff``: films, shares below the cut-offs, signals, queue."""
    counts = run.get("counts", {})
    di = scores["deviation_index"].astype(float).dropna()
    metrics = {
        "films_scored": int(len(scores)),
        "files_failed": int(sum(counts.get("failed", {}).values())),
        "files_skipped": int(sum(counts.get("skipped", {}).values())),
        "signals": int(len(signal_table)),
        "groups_signalled": int(overview["group"].nunique()) if len(overview) else 0,
        "review_queue": int(len(queue)),
        "di_share_out_action": float((di.abs() > di_band).mean()) if len(di) else np.nan,
    }
    for dimension in DIMENSIONS:
        found = overview[overview["dimension"] == dimension]
        metrics[dimension] = {
            "mean": float(scores[dimension].mean()),
            "share_below_cutoff": float((scores[dimension] < cutoffs[dimension]).mean()),
            "groups_signalled": int(found["group"].nunique()),
            "signals": int((signal_table["dimension"] == dimension).sum()),
        }
    return metrics


def counts_table(run: dict, films_in_store: int, failures: pd.DataFrame) -> pd.DataFrame:
    """The films of the store by outcome and reason (``outcome, reason, files, meaning``).

    Scored films are counted in the store; skipped films by the audit's index pass (``run.json``,
    which counts them without rows) and by the listener (``failures/`` rows of stage
    ``skipped``); unusable files from ``failures/``.
    """
    skipped = pd.Series(run.get("counts", {}).get("skipped", {}), dtype=int)
    listened = failures[failures["stage"] == "skipped"]["reason"].value_counts()
    skipped = skipped.add(listened, fill_value=0).astype(int)
    unusable = failures[failures["stage"] != "skipped"]["reason"].value_counts()
    rows = [("scored", "", films_in_store, "PA chest film scored on both dimensions")]
    rows += [("skipped", reason, int(count), SKIP_REASONS.get(reason, "")) for reason, count in sorted(skipped.items())]
    rows += [("not usable", reason, int(count), REASONS.get(reason, "")) for reason, count in sorted(unusable.items())]
    return pd.DataFrame(rows, columns=["outcome", "reason", "files", "meaning"])
