"""The audit report's figures: control charts per group, the signal map, the funnel, score vs DI, the contact sheet.

Every function returns a matplotlib figure and draws only what it is given (the tidy tables of
:mod:`cxrqa.audit.analysis` and :mod:`cxrqa.audit.review`); saving, with reproducible bytes, is
the report writer's job. Nothing here prints patient identity: films are named by rank, station,
date and reasons, and a film whose header declares burned-in annotation is not shown.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

from cxrqa.io.tables import DIMENSIONS  # noqa: E402

__all__ = ["contact_sheet", "control_chart_figure", "di_figure", "funnel_figure", "signal_map", "thumbnail"]

#: Panels of a group's control-chart figure: chart names drawn in each, and the panel title.
PANELS = (
    (("i", "xbar"), "period mean (I chart; X-bar limits dashed)"),
    (("mr",), "moving range"),
    (("p",), "share below cut-off (p chart)"),
    (("ewma",), "EWMA of standardised means"),
    (("cusum+", "cusum-"), "CUSUM (C+ up, -C- down)"),
)
_SIGNAL = dict(marker="o", color="#d62728", markersize=6, linestyle="none", zorder=5)


def _periods_axis(ax, periods: list[str]) -> None:
    ax.set_xticks(range(len(periods)))
    ax.set_xticklabels(periods, rotation=90, fontsize=7)
    ax.grid(axis="y", color="0.9")


def control_chart_figure(group: str, charts: pd.DataFrame, baseline: list[str]):
    """One group's control charts: a row per dimension, a column per chart (:data:`PANELS`).

    Parameters
    ----------
    group : str
        The group's name, the figure's title.
    charts : pandas.DataFrame
        :func:`cxrqa.audit.analysis.control_charts` rows of this group.
    baseline : list of str
        Baseline periods, shaded.
    """
    periods = sorted(charts["period"].unique())
    position = {period: index for index, period in enumerate(periods)}
    fig, axes = plt.subplots(len(DIMENSIONS), len(PANELS), figsize=(17, 3.2 * len(DIMENSIONS)), squeeze=False)
    for row, dimension in enumerate(DIMENSIONS):
        for column, (names, title) in enumerate(PANELS):
            ax = axes[row, column]
            shown = charts[(charts["dimension"] == dimension) & charts["chart"].isin(names)]
            in_base = [position[p] for p in baseline if p in position]
            if in_base:
                ax.axvspan(min(in_base) - 0.5, max(in_base) + 0.5, color="0.93", zorder=0)
            for name, lines in shown.groupby("chart", sort=False):
                x = lines["period"].map(position).to_numpy()
                style = "--" if name == "xbar" else "-"
                if name != "xbar":
                    ax.plot(x, lines["statistic"], color="#1f77b4", marker=".", linewidth=1.2)
                    ax.plot(x, lines["centre"], color="0.4", linewidth=0.8)
                ax.plot(x, lines["ucl"], color="#ff7f0e", linestyle=style, linewidth=0.9)
                ax.plot(x, lines["lcl"], color="#ff7f0e", linestyle=style, linewidth=0.9)
                flagged = lines[lines["signal"]]
                if name != "xbar":
                    ax.plot(flagged["period"].map(position), flagged["statistic"], **_SIGNAL)
                else:
                    ax.plot(flagged["period"].map(position), flagged["statistic"], **{**_SIGNAL, "marker": "s", "fillstyle": "none"})
            if shown.empty:
                ax.text(0.5, 0.5, "not charted", ha="center", va="center", transform=ax.transAxes, color="0.5")
            _periods_axis(ax, periods)
            ax.set_title(f"{dimension}: {title}" if column == 0 else title, fontsize=9)
    fig.suptitle(f"{group}: control charts (baseline shaded; red = signal)", fontsize=11)
    fig.tight_layout()
    return fig


def signal_map(charts: pd.DataFrame, baseline: list[str]):
    """Groups x periods, one panel per dimension: how many charts signal in each cell."""
    if charts.empty:
        fig, ax = plt.subplots(figsize=(8, 1.5))
        ax.axis("off")
        ax.text(0.5, 0.5, "no control chart: fewer than two periods, or no group with two baseline periods",
                ha="center", va="center", transform=ax.transAxes)  # fmt: skip
        return fig
    periods = sorted(charts["period"].unique())
    groups = sorted(charts["group"].unique())
    signalled = charts[charts["signal"]].replace({"chart": {"cusum+": "cusum", "cusum-": "cusum"}})
    fig, axes = plt.subplots(1, len(DIMENSIONS), figsize=(6 * len(DIMENSIONS), 0.45 * len(groups) + 1.8), squeeze=False)
    colours = ListedColormap(["#ffffff", "#fdd0a2", "#fd8d3c", "#d94801", "#8c2d04", "#4a1486", "#3f007d"])
    for ax, dimension in zip(axes[0], DIMENSIONS):
        grid = np.zeros((len(groups), len(periods)))
        counts = signalled[signalled["dimension"] == dimension].groupby(["group", "period"])["chart"].nunique()
        for (group, period), count in counts.items():
            grid[groups.index(group), periods.index(period)] = count
        ax.imshow(grid, cmap=colours, vmin=0, vmax=6, aspect="auto")
        for (row, column), count in np.ndenumerate(grid):
            if count:
                ax.text(column, row, int(count), ha="center", va="center", fontsize=7, color="white" if count > 2 else "black")
        in_base = [periods.index(p) for p in baseline if p in periods]
        if in_base:
            ax.axvspan(min(in_base) - 0.5, max(in_base) + 0.5, facecolor="none", edgecolor="0.5", hatch="//", linewidth=0)
        ax.set_yticks(range(len(groups)))
        ax.set_yticklabels(groups, fontsize=8)
        _periods_axis(ax, periods)
        ax.grid(False)
        ax.set_title(f"{dimension}: charts signalling (of 6; baseline hatched)")
    fig.tight_layout()
    return fig


def funnel_figure(points: pd.DataFrame, limits: pd.DataFrame, labels: dict[str, str] | None = None):
    """Share of films below the cut-off against volume, per group, with funnel limits (one panel per dimension)."""
    labels = labels or {}
    fig, axes = plt.subplots(1, len(DIMENSIONS), figsize=(6 * len(DIMENSIONS), 4.5), squeeze=False)
    for ax, dimension in zip(axes[0], DIMENSIONS):
        for (level, band), style in zip(limits[limits["dimension"] == dimension].groupby("level"), ("--", ":")):
            ax.plot(band["n"], band["upper"], color="0.35", linestyle=style, linewidth=0.9, label=f"{level:.1%} limits")
            ax.plot(band["n"], band["lower"], color="0.35", linestyle=style, linewidth=0.9)
        shown = points[points["dimension"] == dimension]
        if len(shown):
            ax.axhline(shown["p0"].iloc[0], color="0.6", linewidth=0.8, label="target (median share)")
        outside = shown["outside"] > 0
        ax.scatter(shown["n"], shown["share_below"], c=np.where(outside, "#d62728", "#1f77b4"), s=28, zorder=3)
        for item in shown.itertuples():
            ax.annotate(labels.get(item.group, item.group), (item.n, item.share_below), fontsize=7,
                        xytext=(4, 2), textcoords="offset points")  # fmt: skip
        ax.set_xlabel("films scored")
        ax.set_ylabel("share below the cut-off")
        ax.set_title(f"{dimension}: funnel plot (red = outside a limit)")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def di_figure(scores: pd.DataFrame, labels: dict[str, str], *, cutoffs: dict[str, float], bands: tuple[float, float]):
    """Each dimension's score against the Deviation Index, one panel per device."""
    keys = sorted(labels, key=labels.get)
    columns = min(4, max(1, len(keys)))
    rows = int(np.ceil(len(keys) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.2 * rows), squeeze=False, sharey=True)
    colours = {"gray_level": "#1f77b4", "sharpness": "#2ca02c"}
    for ax, key in zip(axes.flat, keys):
        films = scores[scores["device_key"] == key]
        di = films["deviation_index"].astype(float)
        if di.notna().sum() == 0:
            ax.text(0.5, 0.5, f"no DI in the headers\n({len(films)} films)", ha="center", va="center", transform=ax.transAxes)
        else:
            for dimension in DIMENSIONS:
                ax.scatter(di, films[dimension], s=6, alpha=0.5, color=colours[dimension], label=dimension)
                ax.axhline(cutoffs[dimension], color=colours[dimension], linewidth=0.7, linestyle=":")
            for band, style in zip(bands, ("--", "-")):
                ax.axvline(-band, color="0.5", linestyle=style, linewidth=0.7)
                ax.axvline(band, color="0.5", linestyle=style, linewidth=0.7)
        ax.set_title(labels[key], fontsize=9)
        ax.set_xlabel("Deviation Index (dB)")
        ax.set_ylabel("score")
    for ax in axes.flat[len(keys):]:
        ax.set_visible(False)
    handles, names = next(((h, n) for h, n in (ax.get_legend_handles_labels() for ax in axes.flat) if h), ([], []))
    if handles:
        fig.legend(handles, names, loc="upper right", fontsize=8)
    fig.suptitle(f"Score against DI per device (DI bands +-{bands[0]:g} dashed, +-{bands[1]:g} solid; cut-offs dotted)", fontsize=10)
    fig.tight_layout()
    return fig


def thumbnail(source: str | Path, size: int = 256) -> np.ndarray | str:
    """A film's whole image, windowed by its header and shrunk to ``size`` pixels on its long side.

    Returns
    -------
    numpy.ndarray or str
        The ``float32`` thumbnail in [0, 1], or a short reason it cannot be shown: a source that
        is not a local file (DICOMweb), a file that no longer reads, or a header declaring
        burned-in annotation (which may carry identity).
    """
    from PIL import Image

    from cxrqa.audit.header import quiet_pydicom
    from cxrqa.io.dicom import read_dicom, read_header
    from cxrqa.io.errors import UnusableImage

    quiet_pydicom()
    path = Path(source)
    if not path.is_file():
        return "not a local file"
    try:
        if str(read_header(path).get("BurnedInAnnotation", "")).upper() == "YES":
            return "burned-in annotation"
        image = read_dicom(path, modalities=None).image
    except (UnusableImage, OSError):
        return "unreadable now"
    scale = size / max(image.shape)
    shape = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return np.asarray(Image.fromarray(image).resize(shape, Image.Resampling.BOX), dtype=np.float32)


def contact_sheet(queue: pd.DataFrame, *, columns: int = 6, size: int = 256):
    """The review queue as a sheet of thumbnails, each titled with rank, station, date and reasons."""
    count = max(1, len(queue))
    rows = int(np.ceil(count / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 3.3 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, film in zip(axes.flat, queue.itertuples()):
        image = thumbnail(film.source, size)
        if isinstance(image, str):
            ax.text(0.5, 0.5, f"not shown:\n{image}", ha="center", va="center", transform=ax.transAxes, fontsize=8)
        else:
            ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        reasons = film.reasons.replace(" (", "\n(").split("; ")
        short = "\n".join(reason.split("\n")[0] for reason in reasons)
        ax.set_title(f"#{film.rank} {film.station_name} {film.study_date}\n{short}", fontsize=6.5)
    if queue.empty:
        axes.flat[0].text(0.5, 0.5, "no film to review", ha="center", va="center", transform=axes.flat[0].transAxes)
    fig.tight_layout()
    return fig
