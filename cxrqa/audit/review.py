"""The review queue: the films of an audit most worth a look, each with the reasons (torch-free).

A film enters the queue for any of three reasons:

* ``below cut-off``: a dimension's score is below its acceptability cut-off;
* ``far below its device``: a dimension's score lies more than ``review_z`` robust standard
  deviations below its device's median, ``z = (score - median) / (1.4826 MAD)`` over the device's
  films (Rousseeuw & Croux 1993), so that a film unusual for a good device is found even above
  the cut-off (a film far *above* its device's usual score is no reason to look);
* ``DI out of band``: ``|DI|`` above the action band (AAPM TG-232: |DI| > 3 calls for action).

The queue is ordered by the number of reasons, then by the lowest robust z of the two
dimensions, then by SOP Instance UID, so the same audit always gives the same queue. It holds
no patient identity: films are named by SOP Instance UID, station and study date.

References
----------
.. [1] Rousseeuw PJ, Croux C (1993) Alternatives to the median absolute deviation. J Am Stat
   Assoc 88:1273-1283 (1.4826 MAD estimates the SD of normal data).
.. [2] Dave JK, Jones AK, Fisher R et al. (2018) Current state of practice regarding digital
   radiography exposure indicators and deviation indices: Report of AAPM Imaging Physics
   Committee Task Group 232. Med Phys 45:e1146-e1160.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxrqa.io.tables import DIMENSIONS

__all__ = ["QUEUE_COLUMNS", "robust_z", "review_queue"]

#: Columns of :func:`review_queue`.
QUEUE_COLUMNS = (
    "rank", "sop_instance_uid", "station_name", "device_key", "study_date", "gray_level", "sharpness",
    "gray_level_z", "sharpness_z", "deviation_index", "reasons",
)  # fmt: skip

#: Consistency constant of the MAD for normal data.
MAD_TO_SD = 1.4826


def robust_z(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Each value's robust z within its group: ``(value - median) / (1.4826 MAD)``.

    A group whose MAD is 0 (half its values equal) gives NaN, not an infinite z.

    >>> robust_z(pd.Series([1.0, 2.0, 3.0, 10.0]), pd.Series(["a"] * 4)).round(3).tolist()
    [-1.012, -0.337, 0.337, 5.059]
    """
    grouped = values.groupby(groups)
    median = grouped.transform("median")
    mad = (values - median).abs().groupby(groups).transform("median") * MAD_TO_SD
    return (values - median) / mad.where(mad > 0)


def review_queue(
    scores: pd.DataFrame,
    *,
    cutoffs: dict[str, float],
    di_band: float,
    review_z: float,
    length: int,
) -> pd.DataFrame:
    """The ``length`` films most worth a look, with the reasons (see the module docstring).

    Parameters
    ----------
    scores : pandas.DataFrame
        The audit's scores.
    cutoffs : dict
        Dimension to its acceptability cut-off.
    di_band : float
        The DI action band.
    review_z : float
        Robust z below ``-review_z`` is far below the device.
    length : int
        Most films returned.

    Returns
    -------
    pandas.DataFrame
        :data:`QUEUE_COLUMNS` plus ``source`` (to read the film for the contact sheet; not for
        publication, since a folder name may carry identity), ranked from 1.
    """
    if length < 1 or review_z <= 0 or di_band <= 0:
        raise ValueError("length must be at least 1, review_z and di_band positive")
    frame = scores.reset_index(drop=True)
    reasons = pd.Series([[] for _ in range(len(frame))], index=frame.index, dtype=object)
    for dimension in DIMENSIONS:
        score = frame[dimension].astype(float)
        frame[f"{dimension}_z"] = robust_z(score, frame["device_key"])
        for index in frame.index[score < cutoffs[dimension]]:
            reasons[index].append(f"{dimension} below cut-off ({score[index]:.2f} < {cutoffs[dimension]:g})")
        for index in frame.index[frame[f"{dimension}_z"] < -review_z]:
            reasons[index].append(f"{dimension} far below its device (z {frame.at[index, f'{dimension}_z']:.1f})")
    di = frame["deviation_index"].astype(float)
    for index in frame.index[di.abs() > di_band]:
        reasons[index].append(f"DI out of band ({di[index]:+.1f})")
    frame["n_reasons"] = reasons.map(len)
    frame["reasons"] = reasons.map("; ".join)
    frame["lowest_z"] = frame[[f"{dimension}_z" for dimension in DIMENSIONS]].min(axis=1).fillna(0.0)
    queue = frame[frame["n_reasons"] > 0].sort_values(
        ["n_reasons", "lowest_z", "sop_instance_uid"], ascending=[False, True, True], kind="stable"
    ).head(length)  # fmt: skip
    queue = queue.assign(rank=np.arange(1, len(queue) + 1))
    return queue[list(QUEUE_COLUMNS) + ["source"]].reset_index(drop=True)
