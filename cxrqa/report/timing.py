"""Table 4: reading time of the readers by role and split against the model's seconds per image.

Both dimensions are scored in one viewing, so a reading's time is counted once per image and
reader. The model scores each dimension with its own network, so its time for a reading of both
dimensions is the sum of the two models' seconds per image; the per-dimension times are shown too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import cxrqa.stats as cs
from cxrqa.io.tables import SPLITS
from cxrqa.report.paper import paper_vs_ours

__all__ = ["describe_devices", "model_seconds", "paper_comparison", "reading_times", "table4", "timing_metrics"]


def reading_times(ratings: pd.DataFrame, splits: pd.DataFrame) -> pd.DataFrame:
    """One row per reading (image and reader): ``split, image_id, reader_id, reader_role, seconds``."""
    readings = ratings.dropna(subset=["seconds"]).drop_duplicates(["image_id", "reader_id"])
    readings = readings.merge(splits, on="image_id", how="inner")
    return readings[["split", "image_id", "reader_id", "reader_role", "seconds"]].sort_values(["split", "image_id", "reader_id"], kind="mergesort").reset_index(drop=True)


def model_seconds(predictions: pd.DataFrame) -> pd.DataFrame:
    """Model seconds per image, wide: ``split, image_id``, one column per dimension and ``both`` (their sum)."""
    wide = predictions.pivot_table(index=["split", "image_id"], columns="dimension", values="seconds_per_image", aggfunc="first")
    wide.columns.name = None
    wide["both"] = wide.sum(axis=1, min_count=wide.shape[1])
    return wide.reset_index()


def describe_devices(predictions: pd.DataFrame) -> str:
    """Markdown: the device and batch size the prediction stage measured each dimension's seconds on."""
    devices = predictions.groupby("dimension")[["device", "batch_size"]].first().reset_index()
    return "Model timing measured on: " + ", ".join(f"{r.dimension}: {r.device}, batch {r.batch_size}" for r in devices.itertuples())


def _median_iqr(x: pd.Series) -> str:
    q1, q2, q3 = np.percentile(x, [25, 50, 75])
    return f"{q2:.1f} ({q3 - q1:.1f})"


#: Table 4's entry for the model in a split the predict stages did not score.
_NOT_SCORED = "not scored"


def table4(readings: pd.DataFrame, model: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reading time by split: median (IQR) per role, readers' mean, model mean and the tests.

    The test compares, image by image, the readers' mean seconds with the model's seconds for
    both dimensions (paired t-test, as the paper, and Wilcoxon signed-rank).

    Returns
    -------
    table : pandas.DataFrame
        One row per split the readers read; the model's columns say ``not scored`` for a split
        the predict stages left out (``predict.splits``), and that split has no test.
    tests : pandas.DataFrame
        ``split`` and the tidy rows of the paired t-test and the Wilcoxon test (difference =
        readers - model).
    """
    per_image = readings.groupby(["split", "image_id"])["seconds"].mean().rename("readers").reset_index()
    paired = per_image.merge(model, on=["split", "image_id"], how="inner")
    dimension_columns = [c for c in model.columns if c not in ("split", "image_id", "both")]
    rows, tests = [], []
    for split in [s for s in SPLITS if s in set(per_image["split"])]:
        part = readings[readings["split"] == split]
        pair = paired[paired["split"] == split].dropna(subset=["both"])
        row = {"split": split, "images": part["image_id"].nunique()}
        for role in sorted(part["reader_role"].unique()):
            row[f"{role}s, median (IQR)"] = _median_iqr(part.loc[part["reader_role"] == role, "seconds"])
        row["readers, mean"] = f"{part['seconds'].mean():.2f}"
        model_columns = [*dimension_columns, "both"]
        if pair.empty:
            row.update(dict.fromkeys([*(f"model {column}, mean" for column in model_columns), "paired t-test"], _NOT_SCORED))
            rows.append(row)
            continue
        for column in model_columns:
            row[f"model {column}, mean"] = f"{pair[column].mean():.3f}"
        result = pd.concat([cs.paired_ttest(pair["readers"], pair["both"]), cs.wilcoxon(pair["readers"], pair["both"])], ignore_index=True)
        result.insert(0, "split", split)
        result["method"] = result["method"] + "; a = readers' mean seconds per image, b = model seconds (both dimensions)"
        tests.append(result)
        t = result.iloc[0]
        p_text = "< 0.001" if t["p_value"] < 0.001 else f"= {t['p_value']:.3f}"
        row["paired t-test"] = f"t = {t['statistic']:.1f}, P {p_text}"
        rows.append(row)
    return pd.DataFrame(rows), pd.concat(tests, ignore_index=True)


def _mean_seconds(readings: pd.DataFrame, model: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Readers' mean seconds per reading and the model's mean seconds for both dimensions, by split."""
    return readings.groupby("split")["seconds"].mean(), model.groupby("split")["both"].mean()


def timing_metrics(readings: pd.DataFrame, model: pd.DataFrame) -> dict:
    """The content of ``reports/metrics/timing.json``: ``reader_seconds_mean`` and
    ``model_seconds_both_mean``, each by split (:func:`reading_times`, :func:`model_seconds`)."""
    readers, models = _mean_seconds(readings, model)
    return {
        "reader_seconds_mean": {name: float(value) for name, value in readers.items()},
        "model_seconds_both_mean": {name: float(value) for name, value in models.items()},
    }


def paper_comparison(readings: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 4 test-split seconds against ours (:func:`cxrqa.report.paper.paper_vs_ours`)."""
    readers, models = _mean_seconds(readings, model)
    return paper_vs_ours({("both", "reader_seconds_test"): readers.get("test", float("nan")), ("both", "model_seconds_test"): models.get("test", float("nan"))})
