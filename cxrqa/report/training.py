"""The training report: the DVCLive summary as a metrics file and the captions of the attention overlays.

The curves and overlays themselves are read by :mod:`cxrqa.report.inputs` and drawn by
:mod:`cxrqa.report.plots`; this report never loads a model.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["attention_overlays", "training_metrics"]


def attention_overlays(overlays: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """The saved attention overlays with the model score, the MOS and a caption of both.

    Parameters
    ----------
    overlays : pandas.DataFrame
        :func:`cxrqa.report.inputs.attention_images` (``dimension, image_id, path``).
    predictions : pandas.DataFrame
        :func:`cxrqa.report.inputs.load_predictions`.

    Returns
    -------
    pandas.DataFrame
        ``dimension, image_id, path, score, mos, caption`` (caption: dimension, image, then
        ``model <score>, MOS <mos>`` to two decimals), in the order of ``overlays``.

    Examples
    --------
    >>> overlays = pd.DataFrame({"dimension": ["sharpness"], "image_id": ["CXR1"], "path": ["a.png"]})
    >>> scores = pd.DataFrame({"dimension": ["sharpness"], "image_id": ["CXR1"], "score": [7.123], "mos": [6.5]})
    >>> attention_overlays(overlays, scores).loc[0, "caption"]
    'sharpness CXR1\\nmodel 7.12, MOS 6.50'
    """
    scores = predictions[["dimension", "image_id", "score", "mos"]]
    table = overlays.merge(scores, on=["dimension", "image_id"], how="left")
    table["caption"] = table["dimension"] + " " + table["image_id"] + "\nmodel " + table["score"].map("{:.2f}".format) + ", MOS " + table["mos"].map("{:.2f}".format)
    return table


def training_metrics(summary: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The content of ``reports/metrics/training.json``: ``{dimension: {metric: value}}``.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`cxrqa.report.inputs.load_training_summary` (``dimension, metric, value``).
    """
    return {dimension: dict(zip(part["metric"], part["value"])) for dimension, part in summary.groupby("dimension", sort=True)}
