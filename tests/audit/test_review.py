"""The review queue: films below a cut-off, far below their device, or with DI out of band, with reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxrqa.audit.review import review_queue, robust_z

CUTOFFS = {"gray_level": 7.0, "sharpness": 7.2}


def films() -> pd.DataFrame:
    even = np.tile(np.linspace(8.3, 8.7, 20), 2)  # two devices of evenly spread scores: robust z within +-1.4
    frame = pd.DataFrame({
        "sop_instance_uid": [f"1.2.{i}" for i in range(40)], "source": [f"/a/{i}.dcm" for i in range(40)],
        "station_name": ["S1"] * 20 + ["S2"] * 20, "device_key": ["k1"] * 20 + ["k2"] * 20, "study_date": "2025-01-01",
        "gray_level": even, "sharpness": even[::-1].copy(), "deviation_index": 0.0,
    })  # fmt: skip
    frame.loc[3, "gray_level"] = 6.0  # below the cut-off and far below its device: two reasons
    frame.loc[25, "sharpness"] = 7.5  # above the cut-off, but far below its device
    frame.loc[30, "deviation_index"] = -4.2  # DI out of band only
    return frame


def test_each_film_is_queued_for_its_reasons_and_ranked_by_their_number():
    queue = review_queue(films(), cutoffs=CUTOFFS, di_band=3.0, review_z=3.0, length=10)
    assert queue["sop_instance_uid"].tolist() == ["1.2.3", "1.2.25", "1.2.30"]
    assert queue["rank"].tolist() == [1, 2, 3]
    assert queue.loc[0, "reasons"].startswith("gray_level below cut-off (6.00 < 7); gray_level far below its device (z ")
    assert queue.loc[1, "reasons"].startswith("sharpness far below its device")
    assert queue.loc[2, "reasons"] == "DI out of band (-4.2)"
    assert len(review_queue(films(), cutoffs=CUTOFFS, di_band=3.0, review_z=3.0, length=2)) == 2


def test_robust_z_uses_the_median_and_mad_of_the_device():
    z = robust_z(pd.Series([1.0, 2.0, 3.0, 4.0, 100.0]), pd.Series(["a"] * 5))
    assert z.iloc[2] == 0.0 and z.iloc[3] == pytest.approx(1 / 1.4826)  # MAD 1: an outlier does not inflate it
    assert robust_z(pd.Series([5.0, 5.0, 5.0]), pd.Series(["a"] * 3)).isna().all()  # MAD 0: no z, not infinity
