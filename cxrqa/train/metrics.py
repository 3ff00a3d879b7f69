"""Agreement of predicted scores with the readers' MOS, as point estimates for validation.

The report computes the same quantities with confidence intervals (:mod:`cxrqa.stats`); during
training only the point estimates are needed, once per epoch.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from cxrqa.stats import icc_pair, pearson

__all__ = ["agreement"]


def agreement(predicted: np.ndarray, mos: np.ndarray) -> dict[str, float]:
    """ICC(A,1) (:func:`cxrqa.stats.icc_pair`), Pearson r, Spearman rho and MAD of predictions against the MOS.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([5.0, 6.5, 7.0, 8.2, 9.1])
    >>> result = agreement(m + 0.1, m)  # a constant offset: perfect r, slightly lower ICC
    >>> round(result["r"], 3), round(result["srcc"], 3), round(result["mad"], 3), 0.99 < result["icc"] < 1
    (1.0, 1.0, 0.1, True)
    """
    predicted = np.asarray(predicted, dtype=float)
    mos = np.asarray(mos, dtype=float)
    if np.ptp(predicted) == 0:
        # A constant prediction agrees with nothing; ICC and r are undefined, report them as 0.
        return {"icc": 0.0, "r": 0.0, "srcc": 0.0, "mad": float(np.mean(np.abs(predicted - mos)))}
    return {
        "icc": float(icc_pair(predicted, mos)["estimate"].iloc[0]),
        "r": float(pearson(predicted, mos)["estimate"].iloc[0]),
        "srcc": float(spearmanr(predicted, mos).statistic),
        "mad": float(np.mean(np.abs(predicted - mos))),
    }
