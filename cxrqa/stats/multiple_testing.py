"""Adjusted p-values for a family of tests: Holm's step-down method (family-wise error rate).

Holm's adjustment is uniformly more powerful than Bonferroni's and, like it, needs no assumption
about the dependence between the tests (e.g. the DeLong tests of one model against several
baselines on the same images). The arithmetic is statsmodels' ``multipletests(method="holm")``;
this wrapper adds what a results table needs: untestable comparisons (``NaN`` p-values) stay
``NaN`` and do not count in the family.

References
----------
.. [1] Holm S (1979). A simple sequentially rejective multiple test procedure.
       *Scand J Stat* 6(2):65-70.
.. [2] Wright SP (1992). Adjusted P-values for simultaneous inference. *Biometrics*
       48(4):1005-1013 (the adjusted p-value form used here).
"""

from __future__ import annotations

import numpy as np
from statsmodels.stats.multitest import multipletests

from cxrqa.stats._validate import as_vector

__all__ = ["holm"]


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values, in the order given.

    The ``i``-th smallest of ``m`` p-values is multiplied by ``m - i + 1``, made monotone
    (a running maximum) and capped at 1; a test is rejected at family-wise level ``alpha`` when
    its adjusted p-value is below ``alpha``.

    Parameters
    ----------
    p_values : array_like
        One-dimensional p-values in [0, 1]; ``NaN`` marks a comparison that could not be tested.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values aligned with ``p_values``; ``NaN`` where the input is ``NaN``, and
        the family is the non-missing p-values only.

    Raises
    ------
    ValueError
        A p-value outside [0, 1], an infinite one, or an input that is not one-dimensional.

    References
    ----------
    .. [1] Holm S (1979). *Scand J Stat* 6(2):65-70.
    .. [2] Wright SP (1992). *Biometrics* 48(4):1005-1013.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(3)
    array([0.03, 0.06, 0.06])
    >>> holm([0.01, float("nan"), 0.04]).round(3)
    array([0.02,  nan, 0.04])
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"p_values must be one-dimensional, got shape {p.shape}")
    tested = ~np.isnan(p)
    values = as_vector(p[tested], "p_values", min_n=0)
    if ((values < 0) | (values > 1)).any():
        raise ValueError(f"p_values must lie in [0, 1], got {values[(values < 0) | (values > 1)][:5].tolist()}")
    out = np.full_like(p, np.nan)
    if values.size:
        out[tested] = multipletests(values, method="holm")[1]
    return out
