"""The one tidy result shape shared by every function of :mod:`cxrqa.stats`.

Every public statistic returns a :class:`pandas.DataFrame` with exactly the columns of
:data:`COLUMNS`, in that order, one row per reported quantity, so that results for several
dimensions or methods can be concatenated with :func:`pandas.concat` without surprises.
Columns that do not apply to a row hold ``NaN``; nothing is rounded.

=========== ==========================================================================
column      meaning
=========== ==========================================================================
metric      snake_case or conventional name of the quantity (``"ICC(2,1)"``, ``"auc"``)
estimate    point estimate
se          standard error of the estimate (``NaN`` where none is defined)
ci_low      lower confidence limit (level given by the function's ``confidence``)
ci_high     upper confidence limit
statistic   test statistic (t, z, F, chi-square, W) for the row's hypothesis test
df1         (numerator) degrees of freedom of the test, where it has some
df2         denominator degrees of freedom (F tests)
p_value     two-sided p-value of the test
n           number of observations (images, subjects, targets) behind the row
method      plain-words description: estimator, CI method, conventions, direction
=========== ==========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

COLUMNS: tuple[str, ...] = (
    "metric",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "statistic",
    "df1",
    "df2",
    "p_value",
    "n",
    "method",
)

_FLOAT_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "statistic", "df1", "df2", "p_value")


def make_frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """Build the tidy result frame from row mappings.

    Parameters
    ----------
    rows : sequence of mapping
        Each mapping gives some of :data:`COLUMNS`; ``metric``, ``estimate``, ``n`` and
        ``method`` are required, the others default to ``NaN``.

    Returns
    -------
    pandas.DataFrame
        Columns exactly :data:`COLUMNS`; floats as ``float64``, ``n`` as ``int64``.

    Examples
    --------
    >>> make_frame([{"metric": "bias", "estimate": 1.5, "n": 3, "method": "mean"}]).columns.tolist()
    ['metric', 'estimate', 'se', 'ci_low', 'ci_high', 'statistic', 'df1', 'df2', 'p_value', 'n', 'method']
    """
    records = []
    for row in rows:
        unknown = set(row) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown result columns {sorted(unknown)}")
        for key in ("metric", "estimate", "n", "method"):
            if key not in row:
                raise ValueError(f"result row is missing {key!r}")
        records.append({col: row.get(col, np.nan) for col in COLUMNS})
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    for col in _FLOAT_COLUMNS:
        frame[col] = frame[col].astype("float64")
    frame["n"] = frame["n"].astype("int64")
    frame["metric"] = frame["metric"].astype(str)
    frame["method"] = frame["method"].astype(str)
    return frame
