"""What an audit's scores say per group and period: summaries with confidence intervals (torch-free).

The first tables of the audit report (issue #18) read ``AUDIT_DIR/scores`` and aggregate per group
(a device key, a station, a site or a vendor) and per period (a week or a month): the number of
films, the mean, median and interquartile range of each score, the share of films below the
acceptability cut-off with its Wilson interval, and the Deviation Index summary (median DI and the
share of films whose |DI| exceeds a band). Cells with fewer films than ``min_cell`` are
suppressed: their statistics are left empty and ``suppressed`` is true, so that a table never
shows a group of a handful of patients. This module never imports torch.

References
----------
.. [1] Wilson EB (1927) Probable inference, the law of succession, and statistical inference.
   J Am Stat Assoc 22:209-212 (the interval, via statsmodels' ``proportion_confint``).
.. [2] AAPM Task Group 232 (2019) / IEC 62494-1: DI bands of +-1 and +-3 as action levels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from cxrqa.io.tables import DIMENSIONS
from cxrqa.stats.spc import cusum_chart, ewma_chart, individuals_chart, p_chart, xbar_chart

__all__ = ["GROUPINGS", "PERIODS", "SIGNAL_COLUMNS", "SUMMARY_COLUMNS", "period_labels", "signals", "summarise"]

#: Columns of the scores a summary can group by, with the name the report gives them.
GROUPINGS = {"device": "device_key", "station": "station_name", "site": "institution", "vendor": "manufacturer"}
#: Periods a summary can bin by.
PERIODS = ("month", "week")
#: Columns of :func:`summarise`.
SUMMARY_COLUMNS = (
    "grouping", "group", "period", "dimension", "n", "mean", "sd", "median", "q1", "q3", "n_below", "share_below",
    "share_ci_low", "share_ci_high", "di_n", "di_median", "di_share_out", "suppressed",
)  # fmt: skip


def period_labels(dates: pd.Series, period: str) -> pd.Series:
    """The period of each study date: ``YYYY-MM`` for months, ISO ``YYYY-Www`` for weeks.

    >>> period_labels(pd.Series(pd.to_datetime(["2025-01-05", "2025-01-06"])), "week").tolist()
    ['2025-W01', '2025-W02']
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    dates = pd.to_datetime(dates)
    if period == "month":
        return dates.dt.strftime("%Y-%m")
    iso = dates.dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(int).map("{:02d}".format)


def summarise(
    scores: pd.DataFrame,
    *,
    grouping: str,
    period: str,
    cutoffs: dict[str, float],
    di_band: float,
    min_cell: int,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per group, period and dimension: counts, score summaries, share below the cut-off, DI.

    Parameters
    ----------
    scores : pandas.DataFrame
        The audit's scores (``pandas.read_parquet(AUDIT_DIR / "scores")``).
    grouping : str
        A key of :data:`GROUPINGS`.
    period : {"month", "week"}
        The time bin of ``study_date``; films without a date are left out.
    cutoffs : dict
        Dimension to the score below which a film is not acceptable.
    di_band : float
        A film is out of band when ``|DI| > di_band`` (films without DI do not count).
    min_cell : int
        Cells with fewer films are suppressed.
    confidence : float
        Level of the Wilson interval.

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`, sorted by group, period and dimension.
    """
    if grouping not in GROUPINGS:
        raise ValueError(f"grouping must be one of {', '.join(GROUPINGS)}, got {grouping!r}")
    if min_cell < 1:
        raise ValueError(f"min_cell must be at least 1, got {min_cell}")
    dated = scores[scores["study_date"].notna()]
    frame = pd.DataFrame({"group": dated[GROUPINGS[grouping]].astype(str),
                          "period": period_labels(dated["study_date"], period).to_numpy(),
                          "di": dated["deviation_index"].astype(float)})  # fmt: skip
    rows = []
    for dimension in DIMENSIONS:
        frame["score"] = dated[dimension].astype(float).to_numpy()
        for (group, label), cell in frame.groupby(["group", "period"], sort=True):
            rows.append(_cell(grouping, group, label, dimension, cell, cutoffs[dimension], di_band, min_cell, confidence))
    table = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    return table.sort_values(["group", "period", "dimension"], kind="stable").reset_index(drop=True)


def _cell(grouping, group, label, dimension, cell, cutoff, di_band, min_cell, confidence) -> dict:
    n = len(cell)
    row = {"grouping": grouping, "group": group, "period": label, "dimension": dimension, "n": n,
           "suppressed": n < min_cell}  # fmt: skip
    if n < min_cell:
        return row
    score, di = cell["score"].to_numpy(), cell["di"].dropna().to_numpy()
    below = int((score < cutoff).sum())
    low, high = proportion_confint(below, n, alpha=1 - confidence, method="wilson")
    q1, median, q3 = np.percentile(score, [25, 50, 75])
    row.update(mean=score.mean(), sd=score.std(ddof=1) if n > 1 else np.nan, median=median, q1=q1, q3=q3, n_below=below, share_below=below / n,
               share_ci_low=low, share_ci_high=high, di_n=len(di),
               di_median=float(np.median(di)) if len(di) else np.nan,
               di_share_out=float((np.abs(di) > di_band).mean()) if len(di) else np.nan)  # fmt: skip
    return row


#: Columns of :func:`signals`: one row per signal.
SIGNAL_COLUMNS = ("group", "dimension", "period", "chart", "rule", "value", "limit")


def signals(
    summary: pd.DataFrame,
    *,
    baseline: list[str],
    L: float = 3.0,
    lam: float = 0.2,
    ewma_L: float = 2.86,
    k: float = 0.5,
    h: float = 4.0,
) -> pd.DataFrame:
    """Every control-chart signal of every group and dimension of a :func:`summarise` table.

    Per group and dimension, over its periods in time order (suppressed cells left out): the
    individuals and moving-range charts of the period means (``i``, ``mr``), the X-bar chart with
    n-varying limits (``xbar``), the p chart of the share below the cut-off (``p``, when the baseline
    has films both below and above the cut-off), and the EWMA
    and CUSUM of the standardised period means ``(mean - centre) / (sigma / sqrt(n))`` with the
    X-bar chart's baseline centre and sigma (``ewma``, ``cusum``). Limits come from the periods in
    ``baseline``; a group with fewer than two baseline periods is not charted.

    Returns
    -------
    pandas.DataFrame
        :data:`SIGNAL_COLUMNS`; ``rule`` is ``above`` or ``below`` (the limit crossed), ``value`` the
        charted statistic and ``limit`` the limit it crossed.
    """
    rows = []
    kept = summary[~summary["suppressed"]]
    for (group, dimension), cells in kept.groupby(["group", "dimension"], sort=True):
        cells = cells.sort_values("period")
        mask = cells["period"].isin(baseline).to_numpy()
        if mask.sum() < 2:
            continue
        periods = cells["period"].to_numpy()
        xbar = xbar_chart(cells["mean"], cells["sd"].fillna(0.0), cells["n"], mask, L=L)
        standard = (cells["mean"].to_numpy() - xbar["centre"].to_numpy()) / (xbar["sigma"].to_numpy() / np.sqrt(cells["n"].to_numpy()))
        charts = {
            "i": individuals_chart(cells["mean"], mask, L=L),
            "xbar": xbar,
            "ewma": ewma_chart(standard, target=0.0, sigma=1.0, lam=lam, L=ewma_L),
        }
        if 0 < cells["n_below"].to_numpy()[mask].sum() < cells["n"].to_numpy()[mask].sum():
            # with no film (or every film) below the cut-off in the baseline, p-bar is 0 (or 1),
            # the limits collapse onto it and a single film would signal: no p chart then
            charts["p"] = p_chart(cells["n_below"], cells["n"], mask, L=L)
        for name, chart in charts.items():
            for index in np.flatnonzero(chart["signal"].to_numpy()):
                above = chart["statistic"].iloc[index] > chart["ucl"].iloc[index]
                rows.append((group, dimension, periods[index], name, "above" if above else "below",
                             chart["statistic"].iloc[index], chart["ucl" if above else "lcl"].iloc[index]))  # fmt: skip
        moving = charts["i"]
        for index in np.flatnonzero(moving["mr_signal"].to_numpy()):
            rows.append((group, dimension, periods[index], "mr", "above", moving["moving_range"].iloc[index], moving["mr_ucl"].iloc[index]))
        cusum = cusum_chart(standard, target=0.0, sigma=1.0, k=k, h=h)
        for index in np.flatnonzero(cusum["signal"].to_numpy()):
            up = cusum["direction"].iloc[index] == "up"
            rows.append((group, dimension, periods[index], "cusum", "above" if up else "below",
                         cusum["upper" if up else "lower"].iloc[index], cusum["h"].iloc[index]))  # fmt: skip
    return pd.DataFrame(rows, columns=list(SIGNAL_COLUMNS)).sort_values(
        ["group", "dimension", "period", "chart"], kind="stable").reset_index(drop=True)  # fmt: skip
