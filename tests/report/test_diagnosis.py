"""The per-kind diagnosis: the split it reads, the groups it forms, its numbers against numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxrqa.report.diagnosis import error_by_kind


def test_each_kind_and_severity_tertile_has_its_bias_mae_and_r_and_other_splits_are_left_out():
    rng = np.random.default_rng(3)
    ids = [f"I{k}" for k in range(30)]
    mos = rng.uniform(3, 9, 30)
    score = mos + np.where(np.arange(30) < 15, 1.0, 0.0) + rng.normal(0, 0.2, 30)  # kind "over" scored 1 point high
    predictions = pd.DataFrame({"image_id": ids, "split": ["validation"] * 24 + ["test"] * 6, "dimension": "gray_level",
                                "score": score, "mos": mos})  # fmt: skip
    truth = pd.DataFrame({"image_id": ids, "gray_level_kind": ["over"] * 15 + ["under"] * 15,
                          "gray_level_severity": rng.uniform(0, 1, 30)})  # fmt: skip
    table = error_by_kind(predictions, truth).set_index(["kind", "severity"])
    assert table.loc[("over", "all"), "n"] == 15 and table.loc[("under", "all"), "n"] == 9  # 6 test films left out
    over = predictions.iloc[:15]
    assert table.loc[("over", "all"), "bias"] == pytest.approx((over["score"] - over["mos"]).mean())
    assert table.loc[("over", "all"), "r"] == pytest.approx(np.corrcoef(over["score"], over["mos"])[0, 1])
    assert table.loc[("over", "all"), "bias"] > 0.8 > abs(table.loc[("under", "all"), "bias"])
    assert table.loc["over"].loc[["mild", "moderate", "severe"], "n"].tolist() == [5, 5, 5]
    assert np.isnan(table.loc[("under", "mild"), "r"])  # three films: no r
