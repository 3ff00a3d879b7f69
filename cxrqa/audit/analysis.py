"""What an audit's scores say per group and period: summaries, control charts, signals (torch-free).

The tables of the audit report read ``AUDIT_DIR/scores`` and aggregate per group (a device key,
a station, a site or a vendor) and per period (a week or a month):

* :func:`summarise`: the number of films, the mean, median and interquartile range of each score,
  the share below the acceptability cut-off with its Wilson interval, and the Deviation Index
  (median, shares with |DI| above the target and the action band). Cells with fewer films than
  ``min_cell`` are suppressed (:func:`publishable` blanks their count too), so that a table never
  shows a group of a handful of patients.
* :func:`control_charts` and :func:`signals`: the Shewhart, EWMA and CUSUM charts of each group
  and dimension against a baseline (:func:`baseline_periods`), and every point outside its limits.
* :func:`signal_overview`, :func:`configuration_changes`: the answer (which groups signalled, from
  when) and where a group's device key changed.
* :func:`funnel`, :func:`device_labels`: the devices compared by volume.

References
----------
.. [1] Wilson EB (1927) Probable inference, the law of succession, and statistical inference.
   J Am Stat Assoc 22:209-212 (the interval, via statsmodels' ``proportion_confint``).
.. [2] AAPM Task Group 232 (2019) / IEC 62494-1: DI bands of +-1 and +-3 as action levels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from cxrqa.io.tables import DIMENSIONS
from cxrqa.stats.spc import cusum_arl, cusum_chart, ewma_arl, ewma_chart, individuals_chart, p_chart, xbar_chart

__all__ = [
    "CHART_COLUMNS", "GROUPINGS", "OVERVIEW_COLUMNS", "PERIODS", "SIGNAL_COLUMNS", "SUMMARY_COLUMNS", "baseline_periods",
    "chart_design", "configuration_changes", "control_charts", "device_labels", "funnel", "period_labels", "publishable", "signal_overview", "signals",
    "summarise",
]  # fmt: skip

#: Columns of the scores a summary can group by, with the name the report gives them.
GROUPINGS = {"device": "device_key", "station": "station_name", "site": "institution", "vendor": "manufacturer"}
#: Periods a summary can bin by.
PERIODS = ("month", "week")
#: Columns of :func:`summarise`.
SUMMARY_COLUMNS = (
    "grouping", "group", "period", "dimension", "n", "mean", "sd", "median", "q1", "q3", "n_below", "share_below",
    "share_ci_low", "share_ci_high", "di_n", "di_median", "di_share_out_target", "di_share_out_action", "suppressed",
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
    di_bands: tuple[float, float],
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
    di_bands : tuple of float
        The target and the action band: ``di_share_out_target`` and ``di_share_out_action`` are
        the shares of films with ``|DI|`` above each (films without DI do not count).
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
            rows.append(_cell(grouping, group, label, dimension, cell, cutoffs[dimension], di_bands, min_cell, confidence))
    table = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    return table.sort_values(["group", "period", "dimension"], kind="stable").reset_index(drop=True)


def _cell(grouping, group, label, dimension, cell, cutoff, di_bands, min_cell, confidence) -> dict:
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
               di_share_out_target=float((np.abs(di) > di_bands[0]).mean()) if len(di) else np.nan,
               di_share_out_action=float((np.abs(di) > di_bands[1]).mean()) if len(di) else np.nan)  # fmt: skip
    return row


#: Probability with which the CUSUM's in-control run length is at least that of its nominal ``k, h``
#: (the error of the baseline's centre lies within this central range; :func:`control_charts`).
GUARANTEE = 0.9
#: Columns of :func:`control_charts`: one row per group, dimension, chart and period.
CHART_COLUMNS = ("group", "dimension", "period", "chart", "statistic", "centre", "lcl", "ucl", "signal")
#: Columns of :func:`signals`: one row per signal.
SIGNAL_COLUMNS = ("group", "dimension", "period", "chart", "rule", "value", "limit")


def control_charts(
    summary: pd.DataFrame,
    *,
    baseline: list[str],
    L: float = 3.5,
    lam: float = 0.2,
    ewma_L: float = 3.4,
    k: float = 0.5,
    h: float = 6.45,
) -> pd.DataFrame:
    """Every control chart of every group and dimension of a :func:`summarise` table, as one tidy table.

    Per group and dimension, over its periods in time order (suppressed cells left out), with the
    centre and the within-period standard deviation ``s`` (pooled) estimated from the ``N_B``
    films of the ``baseline`` periods:

    * ``i`` and ``mr``: the individuals and moving-range charts of the period means; sigma is the
      baseline's ``MR-bar / d2``, but never below ``s / sqrt(n-bar)``, the sampling error of a
      mean alone (a few baseline periods can give an ``MR-bar`` near zero by chance);
    * ``xbar``: X-bar with n-varying limits ``centre +- L s sqrt(1/n_i + 1/N_B)``;
    * ``p``: the share below the cut-off, with probability limits from the count's predictive
      distribution given the baseline (beta-binomial, :func:`cxrqa.stats.spc.p_chart`), which hold
      for the few films of a period and for a baseline with no film below the cut-off;
    * ``ewma``: the EWMA of the standardised means ``z_i = (mean_i - centre) / (s / sqrt(n_i))``
      whose limits include the error the estimated centre adds (shared by every period);
    * ``cusum+`` and ``cusum-``: the tabular CUSUM of the same ``z_i`` with the reference value
      ``k + z_g sqrt(n_i / N_B)``, ``z_g`` the central :data:`GUARANTEE` quantile of the normal
      (``cusum-`` is drawn as ``-C-`` against ``-h``).

    The ``1/N_B`` terms are the error of the estimated centre, which every later period shares:
    without them, the few baseline periods of an audit make the charts signal far more often than
    their nominal rate (Jensen et al. 2006). The X-bar and p limits are prediction limits, the
    EWMA's hold its exact variance, and the CUSUM's wider reference value means that whenever the
    centre's error lies within its central 90 % the CUSUM's increments are no larger than those of
    the chart with a known centre, so that its in-control run length is at least the nominal one
    of ``k, h`` with probability 0.9 (the guaranteed conditional performance of Gandy & Kvaløy
    2013, here in closed form). EWMA and CUSUM monitor the periods after the baseline only, and
    restart from zero after a signal, as once an assignable cause is found (Montgomery §9.1.2), so
    that a fault that ends stops signalling. A group with fewer than two baseline periods is not
    charted.

    Returns
    -------
    pandas.DataFrame
        :data:`CHART_COLUMNS`.

    References
    ----------
    .. [1] Jensen WA, Jones-Farmer LA, Champ CW, Woodall WH (2006) Effects of parameter estimation
       on control chart properties: a literature review. J Qual Technol 38:349-364.
    .. [2] Gandy A, Kvaløy JT (2013) Guaranteed conditional performance of control charts via
       bootstrap methods. Scand J Stat 40:647-668.
    """
    frames = []
    kept = summary[~summary["suppressed"]]
    for (group, dimension), cells in kept.groupby(["group", "dimension"], sort=True):
        cells = cells.sort_values("period")
        mask = cells["period"].isin(baseline).to_numpy()
        if mask.sum() < 2:
            continue
        periods, n, means = cells["period"].to_numpy(), cells["n"].to_numpy(), cells["mean"].to_numpy()
        xbar = xbar_chart(means, cells["sd"].fillna(0.0), n, mask, L=L, centre_error=True)
        centre, within, n_base = float(xbar["centre"].iloc[0]), float(xbar["sigma"].iloc[0]), n[mask].sum()
        individuals = individuals_chart(means, mask, L=L, min_sigma=within / np.sqrt(n[mask].mean()))
        charts = {"i": individuals, "xbar": xbar}
        charts["mr"] = pd.DataFrame({"statistic": individuals["moving_range"], "centre": np.nan, "lcl": np.nan,
                                     "ucl": individuals["mr_ucl"], "signal": individuals["mr_signal"]})  # fmt: skip
        charts["p"] = p_chart(cells["n_below"], n, mask, L=L, limits="predictive")
        after = np.arange(len(cells)) > np.flatnonzero(mask).max()
        if after.any() and within > 0:
            standard = (means[after] - centre) / (within / np.sqrt(n[after]))
            ewma = ewma_chart(standard, target=0.0, sigma=1.0, lam=lam, L=ewma_L,
                              common_sd=np.sqrt(n[after] / n_base), reset=True)  # fmt: skip
            # the reference value grows by the centre's error at GUARANTEE (see the docstring)
            reference = k + norm.ppf(0.5 + GUARANTEE / 2) * np.sqrt(n[after] / n_base)
            cusum = cusum_chart(standard, target=0.0, sigma=1.0, k=reference, h=h, reset=True)
            charts["ewma"] = _later(ewma, after)
            charts["cusum+"] = _later(pd.DataFrame({"statistic": cusum["upper"], "centre": 0.0, "lcl": np.nan,
                                                    "ucl": cusum["h"], "signal": cusum["direction"] == "up"}), after)  # fmt: skip
            charts["cusum-"] = _later(pd.DataFrame({"statistic": -cusum["lower"], "centre": 0.0, "lcl": -cusum["h"],
                                                    "ucl": np.nan, "signal": cusum["direction"] == "down"}), after)  # fmt: skip
        for name, chart in charts.items():
            frame = chart[["statistic", "centre", "lcl", "ucl", "signal"]].reset_index(drop=True)
            frames.append(frame.assign(group=group, dimension=dimension, period=periods, chart=name))
    if not frames:
        return pd.DataFrame(columns=list(CHART_COLUMNS))
    table = pd.concat(frames, ignore_index=True)[list(CHART_COLUMNS)]
    table = table[table["statistic"].notna()]
    table["signal"] = table["signal"].astype(bool)
    return table.sort_values(["group", "dimension", "chart", "period"], kind="stable").reset_index(drop=True)


def _later(chart: pd.DataFrame, after: np.ndarray) -> pd.DataFrame:
    """A chart of the periods after the baseline, padded with empty rows for the periods before."""
    columns = ["statistic", "centre", "lcl", "ucl"]
    padded = pd.DataFrame(np.nan, index=range(len(after)), columns=columns)
    padded.loc[np.flatnonzero(after), columns] = chart[columns].to_numpy(dtype=float)
    padded["signal"] = False
    padded.loc[np.flatnonzero(after), "signal"] = chart["signal"].to_numpy(dtype=bool)
    return padded


def signals(charts: pd.DataFrame) -> pd.DataFrame:
    """The signals of :func:`control_charts`: one row per chart and period outside its limits.

    Returns
    -------
    pandas.DataFrame
        :data:`SIGNAL_COLUMNS`: ``chart`` is ``i``, ``mr``, ``xbar``, ``p``, ``ewma`` or ``cusum``,
        ``rule`` is ``above`` or ``below`` (the limit crossed), ``value`` the charted statistic
        (``-C-`` for a downward CUSUM) and ``limit`` the limit it crossed.
    """
    found = charts[charts["signal"].astype(bool)]
    above = found["statistic"] > found["ucl"]
    table = pd.DataFrame({
        "group": found["group"], "dimension": found["dimension"], "period": found["period"],
        "chart": found["chart"].replace({"cusum+": "cusum", "cusum-": "cusum"}),
        "rule": np.where(above, "above", "below"), "value": found["statistic"],
        "limit": np.where(above, found["ucl"], found["lcl"]),
    })  # fmt: skip
    return table.sort_values(["group", "dimension", "period", "chart"], kind="stable").reset_index(drop=True)[list(SIGNAL_COLUMNS)]


def baseline_periods(periods, baseline: int | tuple[str, str] | list[str]) -> list[str]:
    """The period labels the control limits come from.

    Parameters
    ----------
    periods : iterable of str
        The periods of the audit (any order, repeats allowed).
    baseline : int or (str, str)
        The first ``N`` periods of the audit, or the first and last label of a range (inclusive;
        ``YYYY-MM`` and ``YYYY-Www`` labels sort in time order as text).

    Raises
    ------
    ValueError
        When fewer than two of the audit's periods fall in the baseline while the audit has two
        or more (an audit of a single period has no baseline to chart against: its one period
        is returned, and :func:`control_charts` draws nothing).

    Examples
    --------
    >>> baseline_periods(["2025-03", "2025-01", "2025-02", "2025-04"], 3)
    ['2025-01', '2025-02', '2025-03']
    >>> baseline_periods(["2025-01", "2025-02", "2025-03"], ["2025-02", "2025-03"])
    ['2025-02', '2025-03']
    """
    ordered = sorted(set(periods))
    if isinstance(baseline, int):
        chosen = ordered[:baseline]
    else:
        first, last = baseline
        chosen = [label for label in ordered if first <= label <= last]
    if len(chosen) < 2 and len(ordered) >= 2:
        raise ValueError(f"the baseline {baseline!r} holds {len(chosen)} of the audit's periods "
                         f"({ordered[0] if ordered else 'none'} to {ordered[-1] if ordered else 'none'}); it needs at least 2")  # fmt: skip
    return chosen


def publishable(summary: pd.DataFrame) -> pd.DataFrame:
    """A :func:`summarise` table fit to publish: the film count of a suppressed cell is blanked too.

    A suppressed cell keeps its row (so the reader sees the period existed) with ``suppressed``
    true and every number empty, including ``n``.
    """
    table = summary.copy()
    table["n"] = table["n"].astype("Int64").mask(table["suppressed"])
    return table


#: Columns of :func:`signal_overview`.
OVERVIEW_COLUMNS = (
    "group", "dimension", "first_period", "last_period", "periods", "charts", "films", "films_below", "baseline_mean",
    "signal_mean",
)  # fmt: skip


def signal_overview(signal_table: pd.DataFrame, summary: pd.DataFrame, baseline: list[str]) -> pd.DataFrame:
    """The answer of an audit: per group and dimension that signalled, from when, on what, how many films.

    Parameters
    ----------
    signal_table : pandas.DataFrame
        :func:`signals`.
    summary : pandas.DataFrame
        The :func:`summarise` table the signals came from.
    baseline : list of str
        The baseline periods (:func:`baseline_periods`).

    Returns
    -------
    pandas.DataFrame
        :data:`OVERVIEW_COLUMNS`: the first and last period with a signal, the number of periods
        with one, the charts that signalled, the films and the films below the cut-off in the
        signalled periods, and the mean score of the baseline and of the signalled periods.
        Sorted by first period, then group.
    """
    rows = []
    cells = summary[~summary["suppressed"]].set_index(["group", "dimension", "period"])
    for (group, dimension), found in signal_table.groupby(["group", "dimension"], sort=True):
        periods = sorted(found["period"].unique())
        signalled = cells.loc[[(group, dimension, period) for period in periods]]
        base = cells.loc[[key for key in ((group, dimension, p) for p in baseline) if key in cells.index]]
        rows.append((group, dimension, periods[0], periods[-1], len(periods),
                     ", ".join(sorted(found["chart"].unique())), int(signalled["n"].sum()), int(signalled["n_below"].sum()),
                     float(np.average(base["mean"], weights=base["n"])) if len(base) else np.nan,
                     float(np.average(signalled["mean"], weights=signalled["n"]))))  # fmt: skip
    table = pd.DataFrame(rows, columns=list(OVERVIEW_COLUMNS))
    return table.sort_values(["first_period", "group", "dimension"], kind="stable").reset_index(drop=True)


def configuration_changes(scores: pd.DataFrame, *, grouping: str, period: str) -> pd.DataFrame:
    """Where a group's device key changed between periods (a new detector, software or station setup).

    Returns
    -------
    pandas.DataFrame
        ``group, period`` (the first period of the new key), ``films`` (of the new key in it),
        ``software_before, software_after``; one row per change.
    """
    if grouping not in GROUPINGS:
        raise ValueError(f"grouping must be one of {', '.join(GROUPINGS)}, got {grouping!r}")
    dated = scores[scores["study_date"].notna()].assign(period=lambda frame: period_labels(frame["study_date"], period).to_numpy())
    rows = []
    for group, films in dated.groupby(dated[GROUPINGS[grouping]].astype(str), sort=True):
        firsts = films.sort_values("study_date", kind="stable").groupby("device_key", sort=False).head(1)
        firsts = firsts.sort_values("study_date", kind="stable")
        for before, after in zip(firsts.itertuples(), firsts.iloc[1:].itertuples()):
            rows.append((group, after.period, int((films["device_key"] == after.device_key).sum()),
                         before.software_versions, after.software_versions))  # fmt: skip
    return pd.DataFrame(rows, columns=["group", "period", "films", "software_before", "software_after"])


def funnel(scores: pd.DataFrame, *, grouping: str, cutoffs: dict[str, float], min_cell: int,
           levels: tuple[float, ...] = (0.95, 0.998)) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Funnel plot data: each group's share of films below the cut-off against its volume.

    The limits are the normal approximation to the binomial around the target share ``p0``,
    ``p0 +- z sqrt(p0 (1 - p0) / n)`` for each level (Spiegelhalter 2005), drawn over the range
    of volumes. The target is the median of the groups' shares, not the pooled share, so that a
    few failing groups do not move the target of all the others.

    Returns
    -------
    points : pandas.DataFrame
        ``dimension, group, n, n_below, share_below, p0, outside`` (the widest level the group
        lies outside, 0 if none); groups with fewer than ``min_cell`` films are left out.
    limits : pandas.DataFrame
        ``dimension, level, n, lower, upper`` on a grid of volumes.

    References
    ----------
    .. [1] Spiegelhalter DJ (2005) Funnel plots for comparing institutional performance.
       Stat Med 24:1185-1202.
    """
    from scipy.stats import norm

    if grouping not in GROUPINGS:
        raise ValueError(f"grouping must be one of {', '.join(GROUPINGS)}, got {grouping!r}")
    points, limits = [], []
    groups = scores[GROUPINGS[grouping]].astype(str)
    for dimension in DIMENSIONS:
        below = scores[dimension].astype(float) < cutoffs[dimension]
        counts = below.groupby(groups).agg(["size", "sum"]).rename(columns={"size": "n", "sum": "n_below"})
        counts = counts[counts["n"] >= min_cell]
        if counts.empty:
            continue
        p0 = float(np.median(counts["n_below"] / counts["n"]))
        grid = np.unique(np.geomspace(max(min_cell, 1), counts["n"].max() * 1.1, 60).round().astype(int))
        outside = np.zeros(len(counts))
        for level in levels:
            z = norm.ppf(0.5 + level / 2)
            half = z * np.sqrt(p0 * (1 - p0) / counts["n"].to_numpy())
            share = (counts["n_below"] / counts["n"]).to_numpy()
            outside = np.where(np.abs(share - p0) > half, level, outside)
            grid_half = z * np.sqrt(p0 * (1 - p0) / grid)
            limits.append(pd.DataFrame({"dimension": dimension, "level": level, "n": grid,
                                        "lower": np.clip(p0 - grid_half, 0, 1), "upper": np.clip(p0 + grid_half, 0, 1)}))  # fmt: skip
        points.append(pd.DataFrame({"dimension": dimension, "group": counts.index, "n": counts["n"].to_numpy(),
                                    "n_below": counts["n_below"].to_numpy().astype(int),
                                    "share_below": (counts["n_below"] / counts["n"]).to_numpy(), "p0": p0,
                                    "outside": outside}))  # fmt: skip
    columns = ["dimension", "group", "n", "n_below", "share_below", "p0", "outside"]
    return (pd.concat(points, ignore_index=True) if points else pd.DataFrame(columns=columns),
            pd.concat(limits, ignore_index=True) if limits else pd.DataFrame(columns=["dimension", "level", "n", "lower", "upper"]))  # fmt: skip


def device_labels(scores: pd.DataFrame) -> dict[str, str]:
    """A readable name for each device key: its station, and its software when a station has several keys.

    >>> frame = pd.DataFrame({"device_key": ["a", "b", "c"], "station_name": ["S1", "S2", "S2"],
    ...                       "software_versions": ["1.0", "1.0", "2.0"]})
    >>> device_labels(frame)
    {'a': 'S1', 'b': 'S2 (sw 1.0)', 'c': 'S2 (sw 2.0)'}
    """
    keys = scores[["device_key", "station_name", "software_versions"]].drop_duplicates("device_key")
    shared = keys["station_name"].duplicated(keep=False)
    names = np.where(shared, keys["station_name"].astype(str) + " (sw " + keys["software_versions"].astype(str) + ")",
                     keys["station_name"].astype(str))  # fmt: skip
    return dict(sorted(zip(keys["device_key"], names)))


def chart_design(*, L: float, lam: float, ewma_L: float, k: float, h: float, shifts=(0.0, 1.0, 2.0, 3.0)) -> pd.DataFrame:
    """Average run lengths of the chart constants, with a known centre: in control and after a shift.

    The Shewhart charts' ARL is ``1 / P(|Z + shift| > L)`` (:func:`cxrqa.stats.spc.ewma_arl` with
    ``lam = 1``), the EWMA's and the CUSUM's come from their Markov chains
    (:func:`cxrqa.stats.spc.ewma_arl`, :func:`cxrqa.stats.spc.cusum_arl`); shifts are in standard
    errors of a period mean.

    Returns
    -------
    pandas.DataFrame
        ``chart, constants`` and one ``arl_<shift>`` column per shift.
    """
    rows = [("Shewhart (individuals, X-bar, p)", f"L = {L:g}", ewma_arl(list(shifts), lam=1.0, L=L)),
            ("EWMA", f"lambda = {lam:g}, L = {ewma_L:g}", ewma_arl(list(shifts), lam=lam, L=ewma_L)),
            ("CUSUM", f"k = {k:g}, h = {h:g}", cusum_arl(list(shifts), k=k, h=h))]  # fmt: skip
    return pd.DataFrame([{"chart": chart, "constants": constants, **{f"arl_{shift:g}": float(value) for shift, value in zip(shifts, arls)}}
                         for chart, constants, arls in rows])  # fmt: skip
