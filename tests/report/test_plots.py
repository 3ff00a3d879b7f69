"""Figures whose scaling is decided from the data: the training curves."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from cxrqa.report.plots import training_curves


def _curves(first_slope: float) -> pd.DataFrame:
    rows = []
    for dimension, slopes in {"gray_level": [2.5, 1.3, 1.2, 1.1], "sharpness": [first_slope, 1.6, 1.4, 1.3]}.items():
        for step, value in enumerate(slopes):
            rows.append({"dimension": dimension, "metric": "calibration_slope", "step": step, "value": value})
            rows.append({"dimension": dimension, "metric": "learning_rate", "step": step, "value": 1e-3 * 0.9**step})
    return pd.DataFrame(rows)


def _axis(fig, title_start):
    return next(ax for ax in fig.axes if ax.get_title().startswith(title_start))


def test_an_off_scale_first_epoch_does_not_flatten_the_calibration_panel():
    fig = training_curves(_curves(first_slope=65.0))
    ax = _axis(fig, "calibration_slope")
    low, high = ax.get_ylim()
    assert ax.get_title() == "calibration_slope (epoch 1 off scale)"
    assert low < 1.1 and 1.6 < high < 3.0  # every later epoch shows, the 65 does not
    assert _axis(fig, "learning_rate").get_yscale() == "log"
    plt.close(fig)


def test_curves_are_plotted_against_epochs_counted_from_one():
    fig = training_curves(_curves(first_slope=1.7))
    ax = _axis(fig, "calibration_slope")
    assert ax.get_title() == "calibration_slope"  # nothing off scale, nothing clipped
    assert ax.lines[0].get_xdata().tolist() == pytest.approx([1, 2, 3, 4])
    plt.close(fig)
