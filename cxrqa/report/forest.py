"""Forest plot of every method against the MOS, with the single readers' range as the human ceiling.

Saving (PNG and SVG with reproducible bytes) is :class:`cxrqa.report.output.ReportWriter`'s job.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

import cxrqa.stats as cs

__all__ = ["FAMILY_COLOURS", "forest_plot"]

#: Marker colour of each method family (:data:`cxrqa.report.benchmark.FAMILIES`).
FAMILY_COLOURS = {"model": "C3", "ablation": "C1", "regressor": "C0", "feature": "C2", "reader": "0.45"}
_TITLES = {cs.ICC_A1: "ICC(A,1)", "auc": "AUC", "pearson_r": "Pearson r", "srcc": "SRCC", "mad": "MAD"}


def forest_plot(metrics: pd.DataFrame, *, metrics_shown=(cs.ICC_A1, "auc"), convention: str = ""):
    """Estimates with CIs of every method, one panel per metric (rows) and dimension (columns).

    Parameters
    ----------
    metrics : pandas.DataFrame
        :func:`cxrqa.report.benchmark.method_metrics` (``dimension, family, method, metric,
        estimate, ci_low, ci_high``); methods are drawn top to bottom in the table's order.
    metrics_shown : sequence of str
        Metrics to draw, one row of panels each.
    convention : str
        ROC positive-class convention, written under the figure.

    Returns
    -------
    matplotlib.figure.Figure
        The grey band of each panel spans the single readers' estimates (each reader against the
        other readers' MOS): the human ceiling; the dotted line is the model's estimate.
    """
    dimensions = list(dict.fromkeys(metrics["dimension"]))
    methods = {d: list(dict.fromkeys(metrics.loc[metrics["dimension"] == d, "method"])) for d in dimensions}
    rows = max(len(m) for m in methods.values())
    fig, axes = plt.subplots(len(metrics_shown), len(dimensions), figsize=(4.6 * len(dimensions), 0.2 * rows * len(metrics_shown) + 1.2),
                             squeeze=False, sharey="col")
    for i, metric in enumerate(metrics_shown):
        for j, dimension in enumerate(dimensions):
            ax = axes[i, j]
            part = metrics[(metrics["dimension"] == dimension) & (metrics["metric"] == metric)]
            order = {method: k for k, method in enumerate(methods[dimension])}
            readers = part[part["family"] == "reader"]
            if len(readers):
                ax.axvspan(readers["estimate"].min(), readers["estimate"].max(), color="0.88", linewidth=0, label="single readers' range")
            model = part[part["family"] == "model"]
            if len(model):
                ax.axvline(model["estimate"].iloc[0], color=FAMILY_COLOURS["model"], linestyle=":", linewidth=1)
            for family, group in part.groupby("family", sort=False):
                y = group["method"].map(order).to_numpy()
                est = group["estimate"].to_numpy(float)
                ax.errorbar(est, y, xerr=[est - group["ci_low"].to_numpy(float), group["ci_high"].to_numpy(float) - est], fmt="o",
                            markersize=3.5, color=FAMILY_COLOURS.get(family, "k"), elinewidth=1, capsize=1.5, label=family)
            ax.set_yticks(range(len(methods[dimension])), methods[dimension], fontsize=7)
            ax.set_ylim(len(methods[dimension]) - 0.5, -0.5)
            ax.set_xlabel(f"{_TITLES.get(metric, metric)} (95% CI)")
            ax.grid(axis="x", color="0.92", linewidth=0.6)
            ax.set_axisbelow(True)
            if i == 0:
                ax.set_title(dimension.replace("_", "-"))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=7, frameon=False,
               title=f"AUC: {convention}" if convention else None, title_fontsize=7)
    return fig
