"""The benchmark's numbers laid out for reading: the summary table and the metrics file."""

from __future__ import annotations

import pandas as pd

import cxrqa.stats as cs

__all__ = ["METRICS", "headline", "summary_table"]

#: Tidy metric name -> column header of the summary table.
METRICS = {cs.ICC_A1: "ICC(A,1)", "pearson_r": "r", "srcc": "SRCC", "mad": "MAD", "auc": "AUC"}
#: Tidy metric name -> key in ``reports/metrics/benchmark.json``.
_METRIC_KEYS = {cs.ICC_A1: "icc", "pearson_r": "pearson_r", "srcc": "srcc", "mad": "mad", "auc": "auc"}
#: Tidy metric name of :func:`cxrqa.report.benchmark.reader_agreement` -> key in the metrics file.
_READER_KEYS = {cs.ICC_A1: "inter_reader_icc_21", cs.ICC_AK: "inter_reader_icc_2k", "fleiss_kappa": "fleiss_kappa"}


def _fmt(row, digits: int = 3) -> str:
    return f"{row['estimate']:.{digits}f} ({row['ci_low']:.{digits}f} to {row['ci_high']:.{digits}f})"


def summary_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per dimension and method: every metric of :data:`METRICS` as ``estimate (CI)``."""
    rows = []
    for (dimension, family, method), part in metrics.groupby(["dimension", "family", "method"], sort=False):
        s = part.set_index("metric")
        rows.append({"dimension": dimension, "family": family, "method": method, "n": int(s["n"].max()),
                     **{header: _fmt(s.loc[metric]) for metric, header in METRICS.items()}})
    return pd.DataFrame(rows)


def headline(metrics: pd.DataFrame, agreement: pd.DataFrame, facts: dict, *, split: str, positive_class: str,
             ablations: pd.DataFrame) -> dict:
    """The content of ``reports/metrics/benchmark.json``.

    Parameters
    ----------
    metrics : pandas.DataFrame
        :func:`cxrqa.report.benchmark.method_metrics`.
    agreement : pandas.DataFrame
        :func:`cxrqa.report.benchmark.reader_agreement`.
    facts : dict
        :func:`cxrqa.report.benchmark.verdict_facts`.
    split, positive_class : str
        What the numbers were computed on and with.
    ablations : pandas.DataFrame
        :func:`cxrqa.report.benchmark.load_ablations` (its run names are listed).

    Returns
    -------
    dict
        ``{dimension: {<method>: {icc, auc, srcc, pearson_r, mad}, inter_reader_icc_21,
        inter_reader_icc_2k, fleiss_kappa, verdict facts...}, split, positive_class, ablations}``;
        readers are summarised by their range (in the facts), not listed.
    """
    out: dict = {}
    for (dimension, family, method), part in metrics.groupby(["dimension", "family", "method"], sort=False):
        if family == "reader":
            continue
        out.setdefault(dimension, {})[method] = {_METRIC_KEYS[m]: float(v) for m, v in zip(part["metric"], part["estimate"])}
    for _, row in agreement.iterrows():
        out.setdefault(row["dimension"], {})[_READER_KEYS[row["metric"]]] = float(row["estimate"])
    for dimension, entry in facts.items():
        out.setdefault(dimension, {}).update(entry)
    return {**out, "split": split, "positive_class": positive_class, "ablations": sorted(ablations["ablation"].unique().tolist())}
