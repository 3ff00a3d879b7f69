"""Matplotlib figures of the report (Figures 8-10, training curves, attention maps).

Each function takes tidy data and returns a :class:`matplotlib.figure.Figure`; saving (PNG and
SVG with reproducible bytes) is :class:`cxrqa.report.output.ReportWriter`'s job.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from PIL import Image

from cxrqa.io.tables import SPLITS

__all__ = [
    "attention_grid", "attention_grids", "bland_altman_plot", "mos_distribution", "reading_time_plot", "regression_plot", "roc_plot",
    "sample_grid", "training_curves",
]

_LABELS = {"gray_level": "Gray-level", "sharpness": "Sharpness"}


def _label(dimension: str) -> str:
    return _LABELS.get(dimension, dimension)


def mos_distribution(mos: pd.DataFrame):
    """Figure 8a: histogram of the MOS per dimension (0.5-point bins), mean ± SD in the title."""
    dimensions = sorted(mos["dimension"].unique())
    fig, axes = plt.subplots(1, len(dimensions), figsize=(4 * len(dimensions), 3), squeeze=False)
    bins = np.arange(1.0, 10.51, 0.5)
    for ax, dimension in zip(axes[0], dimensions):
        values = mos.loc[mos["dimension"] == dimension, "mos"]
        ax.hist(values, bins=bins, color="0.45", edgecolor="white")
        ax.set(xlabel="MOS (1-10)", ylabel="images", xlim=(1, 10.5))
        ax.set_title(f"{_label(dimension)}: {values.mean():.2f} ± {values.std(ddof=1):.2f} (n = {len(values)})")
    fig.tight_layout()
    return fig


def sample_grid(samples: pd.DataFrame, image_dir, *, columns: int = 4):
    """Figure 8b: sample images with 'gray-level / sharpness' MOS; ``*`` marks non-acceptable.

    Parameters
    ----------
    samples : pandas.DataFrame
        ``image_id, caption`` (the caption already carries the scores and the mark).
    image_dir : path
        Folder of ``<image_id>.png`` (16-bit preprocessed images).
    """
    rows = int(np.ceil(len(samples) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.2 * columns, 3.2 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (_, row) in zip(axes.ravel(), samples.iterrows()):
        pixels = np.asarray(Image.open(f"{image_dir}/{row['image_id']}.png"), dtype=np.float32)
        ax.imshow(pixels, cmap="gray", vmin=0, vmax=65535 if pixels.max() > 255 else 255, interpolation="antialiased")
        ax.set_title(row["caption"], fontsize=8)
    fig.tight_layout()
    return fig


def regression_plot(pairs: pd.DataFrame, bands: pd.DataFrame, lines: pd.DataFrame):
    """Figure 9a/b: model score against MOS with the least-squares line and its confidence band."""
    dimensions = sorted(pairs["dimension"].unique())
    fig, axes = plt.subplots(1, len(dimensions), figsize=(4 * len(dimensions), 3.8), squeeze=False)
    for ax, dimension in zip(axes[0], dimensions):
        part, band = pairs[pairs["dimension"] == dimension], bands[bands["dimension"] == dimension]
        line = lines.set_index("dimension").loc[dimension]
        ax.scatter(part["mos"], part["score"], s=10, color="0.3", alpha=0.7, linewidths=0)
        ax.fill_between(band["x"], band["ci_low"], band["ci_high"], color="C0", alpha=0.25, linewidth=0, label="95% CI of the line")
        ax.plot(band["x"], band["fit"], color="C0", label=f"y = {line['intercept']:.2f} + {line['slope']:.2f} x, R² = {line['r2']:.2f}")
        ax.plot([1, 10], [1, 10], color="0.6", linestyle=":", linewidth=1, label="identity")
        ax.set(xlabel="readers' MOS", ylabel="model score", title=f"{_label(dimension)} (n = {len(part)})")
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def bland_altman_plot(pairs: pd.DataFrame, stats: pd.DataFrame):
    """Figure 9c/d: difference (model - MOS) against the mean, bias and limits with their CIs."""
    dimensions = sorted(pairs["dimension"].unique())
    fig, axes = plt.subplots(1, len(dimensions), figsize=(4 * len(dimensions), 3.8), squeeze=False)
    for ax, dimension in zip(axes[0], dimensions):
        part = pairs[pairs["dimension"] == dimension]
        s = stats[stats["dimension"] == dimension].set_index("metric")
        mean, diff = (part["score"] + part["mos"]) / 2, part["score"] - part["mos"]
        ax.scatter(mean, diff, s=10, color="0.3", alpha=0.7, linewidths=0)
        for metric, colour, name in (("bias", "C0", "bias"), ("loa_low", "C3", "lower LoA"), ("loa_high", "C3", "upper LoA")):
            row = s.loc[metric]
            ax.axhline(row["estimate"], color=colour, linewidth=1.2)
            ax.axhspan(row["ci_low"], row["ci_high"], color=colour, alpha=0.15, linewidth=0)
            ax.annotate(f"{name} {row['estimate']:.2f} ({row['ci_low']:.2f} to {row['ci_high']:.2f})", (1.0, row["estimate"]),
                        xycoords=("axes fraction", "data"), ha="right", va="bottom", fontsize=7)
        ax.set(xlabel="mean of model and MOS", ylabel="model - MOS", title=_label(dimension))
    fig.tight_layout()
    return fig


def roc_plot(curves: pd.DataFrame, results: pd.DataFrame, *, convention: str):
    """Figure 10: ROC curves with AUC (CI) and the cut-off's sensitivity and specificity."""
    dimensions = sorted(curves["dimension"].unique())
    fig, axes = plt.subplots(1, len(dimensions), figsize=(4 * len(dimensions), 4.2), squeeze=False)
    for ax, dimension in zip(axes[0], dimensions):
        curve = curves[curves["dimension"] == dimension]
        s = results[results["dimension"] == dimension].set_index("metric")
        auc, sens, spec = s.loc["auc"], s.loc["sensitivity", "estimate"], s.loc["specificity", "estimate"]
        ax.step(curve["fpr"], curve["sensitivity"], where="post", color="C0")
        ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=1)
        ax.plot([1 - spec], [sens], "o", color="C3")
        ax.annotate(f"cut-off {s.loc['cutoff', 'estimate']:.2f}\nSens {sens:.2%}\nSpec {spec:.2%}", (1 - spec, sens),
                    xytext=(12, -40), textcoords="offset points", fontsize=8)
        ax.set(xlabel="1 - specificity", ylabel="sensitivity", xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), aspect="equal",
               title=f"{_label(dimension)}: AUC {auc['estimate']:.3f} ({auc['ci_low']:.3f} to {auc['ci_high']:.3f})")
    fig.suptitle(convention, fontsize=8)
    fig.tight_layout()
    return fig


def training_curves(curves: pd.DataFrame):
    """One panel per metric, one line per dimension, against the epoch."""
    metrics = sorted(curves["metric"].unique())
    columns = 3
    rows = max(1, int(np.ceil(len(metrics) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.8 * rows), squeeze=False)
    for ax in axes.ravel()[len(metrics):]:
        ax.axis("off")
    for ax, metric in zip(axes.ravel(), metrics):
        panel = curves[curves["metric"] == metric]
        for dimension, part in panel.groupby("dimension", sort=True):
            ax.plot(part["step"] + 1, part["value"], marker="o", markersize=3, label=_label(dimension))  # DVCLive step 0 = epoch 1
        ax.set(xlabel="epoch", title=metric)
        if metric == "learning_rate":
            ax.set_yscale("log")
        if metric.startswith("calibration_"):
            _clip_first_epoch(ax, panel)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


#: A calibration panel is scaled to the epochs after the first when the first would stretch its
#: y range more than this many times.
CLIP_RATIO = 5.0


def _clip_first_epoch(ax, part: pd.DataFrame) -> None:
    """Scale the y axis to the epochs after the first when the first is off any useful scale.

    After one epoch the weight average has barely moved from its start, its scores are nearly
    constant, and equating them to the MOS takes a slope of tens and an intercept of hundreds,
    which would flatten every later epoch into a line. The clipped epoch is named in the title.
    """
    later = part[part["step"] > part["step"].min()]["value"]
    if later.empty:
        return
    low, high = float(later.min()), float(later.max())
    pad = 0.1 * (high - low) or 0.1 * max(abs(high), 1.0)
    low, high = low - pad, high + pad
    overall = float(part["value"].max() - part["value"].min())
    if overall > CLIP_RATIO * (high - low):
        ax.set_ylim(low, high)
        ax.set_title(f"{ax.get_title()} (epoch 1 off scale)")


def attention_grid(images: pd.DataFrame, *, columns: int = 3):
    """The prediction stage's attention overlays (``dimension, image_id, path, caption``)."""
    rows = max(1, int(np.ceil(len(images) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.6 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (_, row) in zip(axes.ravel(), images.iterrows()):
        ax.imshow(np.asarray(Image.open(row["path"]).convert("RGB")), interpolation="antialiased")
        ax.set_title(row["caption"], fontsize=8)
    fig.tight_layout()
    return fig


def attention_grids(overlays: pd.DataFrame) -> dict[str, plt.Figure]:
    """One :func:`attention_grid` per dimension, named ``attention_<dimension>``."""
    return {f"attention_{dimension}": attention_grid(part) for dimension, part in overlays.groupby("dimension", sort=True)}


def reading_time_plot(readings: pd.DataFrame, model: pd.DataFrame):
    """Table 4 as a picture: readers' seconds per image by split and role, the model's marked.

    Parameters
    ----------
    readings : DataFrame
        ``split, reader_role, seconds`` (one row per reading).
    model : DataFrame
        ``split, both``: the model's seconds per image for both dimensions.
    """
    splits = [name for name in SPLITS if name in set(readings["split"])]
    roles = sorted(readings["reader_role"].unique())
    fig, ax = plt.subplots(figsize=(7, 3.5))
    width = 0.8 / len(roles)
    for index, role in enumerate(roles):
        data = [readings.loc[(readings["split"] == split) & (readings["reader_role"] == role), "seconds"] for split in splits]
        positions = np.arange(len(splits)) + (index - (len(roles) - 1) / 2) * width
        parts = ax.boxplot(data, positions=positions, widths=width * 0.9, showfliers=False, patch_artist=True)
        for box in parts["boxes"]:
            box.set_facecolor(("0.55", "0.8")[index % 2])
        ax.plot([], [], "s", color=("0.55", "0.8")[index % 2], label=role)
    model_mean = model.groupby("split")["both"].mean()
    ax.scatter(np.arange(len(splits)), [model_mean.get(split, np.nan) for split in splits], marker="D", color="C3", zorder=3, label="model (both dimensions)")
    ax.set_xticks(np.arange(len(splits)), splits)
    ax.set_ylabel("seconds per image")
    ax.set_yscale("log")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Reading time: readers (median, IQR, 1.5 IQR whiskers) vs the model")
    fig.tight_layout()
    return fig
