"""Statistical process control charts: Shewhart individuals/moving range, X-bar, p, EWMA and CUSUM.

No well-kept Python library computes these charts, so they are written here from the textbook
formulas (Montgomery, *Introduction to Statistical Quality Control*, 7th ed.) and tested against
its worked examples and against R on fresh random data (``tests/stats/test_spc.py``). Each chart
takes the per-period values in time order and returns one row per period with the plotted
statistic, its centre line, its limits and whether the period signals; the limits of the
Shewhart charts come from the periods marked ``baseline`` (phase I), which the user chooses.

* :func:`individuals_chart`: individuals with moving-range limits, ``sigma = MR-bar / d2``
  (d2 = 1.128) and the MR chart's upper limit ``D4 MR-bar`` (D4 = 3.267), §6.4.
* :func:`xbar_chart`: means of periods of varying size, limits ``centre +- L sigma / sqrt(n_i)``
  with the pooled within-period standard deviation of the baseline, §6.3.1.
* :func:`p_chart`: a proportion per period of varying size, limits
  ``p-bar +- L sqrt(p-bar (1 - p-bar) / n_i)`` clipped to [0, 1], §7.2.2.
* :func:`ewma_chart`: ``z_t = lambda x_t + (1 - lambda) z_{t-1}``, ``z_0 = target``, exact
  time-varying limits ``target +- L sigma sqrt(lambda / (2 - lambda) (1 - (1 - lambda)^{2t}))``,
  §9.2 (Eq. 9.22-9.25).
* :func:`cusum_chart`: the tabular CUSUM, ``C+_t = max(0, x_t - (target + K) + C+_{t-1})``,
  ``C-_t = max(0, (target - K) - x_t + C-_{t-1})`` with ``K = k sigma``, a signal when either
  exceeds ``H = h sigma``, §9.1.2.

This module never imports torch.

References
----------
.. [1] Montgomery DC (2013) Introduction to Statistical Quality Control, 7th ed. Wiley.
   §6.3-6.4 (X-bar and individuals charts), §7.2 (p chart), §9.1 (tabular CUSUM, Table 9.2),
   §9.2 (EWMA, Example 9.2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["D2_MOVING_RANGE", "D4_MOVING_RANGE", "cusum_chart", "ewma_chart", "individuals_chart", "p_chart", "xbar_chart"]

#: d2 for moving ranges of two observations (Montgomery, Appendix Table VI).
D2_MOVING_RANGE = 1.128
#: D4 for moving ranges of two observations (Montgomery, Appendix Table VI).
D4_MOVING_RANGE = 3.267


def _series(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence")
    return array


def _baseline(baseline, length: int, minimum: int) -> np.ndarray:
    mask = np.asarray(baseline, dtype=bool)
    if mask.shape != (length,):
        raise ValueError(f"baseline must be one boolean per period ({length}), got shape {mask.shape}")
    if mask.sum() < minimum:
        raise ValueError(f"the baseline must hold at least {minimum} periods, it holds {int(mask.sum())}")
    return mask


def _chart(statistic, centre, lcl, ucl) -> pd.DataFrame:
    statistic = np.asarray(statistic, dtype=float)
    frame = pd.DataFrame({
        "period": np.arange(1, len(statistic) + 1),
        "statistic": statistic,
        "centre": np.broadcast_to(centre, statistic.shape).astype(float),
        "lcl": np.broadcast_to(lcl, statistic.shape).astype(float),
        "ucl": np.broadcast_to(ucl, statistic.shape).astype(float),
    })  # fmt: skip
    frame["signal"] = (frame["statistic"] > frame["ucl"]) | (frame["statistic"] < frame["lcl"])
    return frame


def individuals_chart(values, baseline, *, L: float = 3.0) -> pd.DataFrame:
    """Individuals chart with moving-range limits from the baseline periods.

    Parameters
    ----------
    values : sequence of float
        One value per period, in time order.
    baseline : sequence of bool
        The periods the limits are estimated from (at least two, consecutive pairs give the MR).
    L : float
        Width of the limits in standard deviations.

    Returns
    -------
    pandas.DataFrame
        ``period, statistic, centre, lcl, ucl, signal, moving_range, mr_ucl, mr_signal``.

    Examples
    --------
    >>> chart = individuals_chart([10, 11, 9, 10, 30], [True] * 4 + [False])
    >>> chart["signal"].tolist(), round(float(chart["ucl"][0]), 3)
    ([False, False, False, False, True], 13.546)
    """
    x = _series(values, "values")
    mask = _baseline(baseline, len(x), 2)
    moving = np.abs(np.diff(x))
    pairs = mask[1:] & mask[:-1]
    if not pairs.any():
        raise ValueError("the baseline holds no two consecutive periods to take a moving range from")
    mr_bar = moving[pairs].mean()
    centre, sigma = x[mask].mean(), mr_bar / D2_MOVING_RANGE
    chart = _chart(x, centre, centre - L * sigma, centre + L * sigma)
    chart["moving_range"] = np.concatenate([[np.nan], moving])
    chart["mr_ucl"] = D4_MOVING_RANGE * mr_bar
    chart["mr_signal"] = chart["moving_range"] > chart["mr_ucl"]
    return chart


def xbar_chart(means, sds, n, baseline, *, L: float = 3.0) -> pd.DataFrame:
    """X-bar chart of period means of varying size, limits from the baseline periods.

    The centre is the baseline's grand mean (weighted by size) and sigma the pooled within-period
    standard deviation ``sqrt(sum (n_i - 1) s_i^2 / sum (n_i - 1))`` of the baseline periods.

    Parameters
    ----------
    means, sds : sequence of float
        Mean and standard deviation of each period.
    n : sequence of int
        Observations per period (>= 1; periods of one observation add nothing to sigma).
    baseline : sequence of bool
        The periods the centre and sigma are estimated from.
    L : float
        Width of the limits in standard errors.

    Returns
    -------
    pandas.DataFrame
        ``period, statistic, centre, lcl, ucl, signal, n, sigma``.
    """
    x, s, size = _series(means, "means"), _series(sds, "sds"), _series(n, "n")
    if not (len(x) == len(s) == len(size)) or (size < 1).any():
        raise ValueError("means, sds and n must have one entry per period, and n must be at least 1")
    mask = _baseline(baseline, len(x), 1)
    dof = (size[mask] - 1).sum()
    if dof < 1:
        raise ValueError("the baseline periods hold too few observations to estimate sigma")
    sigma = float(np.sqrt(np.nansum((size[mask] - 1) * s[mask] ** 2) / dof))
    centre = float((size[mask] * x[mask]).sum() / size[mask].sum())
    half = L * sigma / np.sqrt(size)
    chart = _chart(x, centre, centre - half, centre + half)
    chart["n"] = size.astype(int)
    chart["sigma"] = sigma
    return chart


def p_chart(count, n, baseline, *, L: float = 3.0) -> pd.DataFrame:
    """p chart of a proportion per period of varying size, limits from the baseline periods.

    Parameters
    ----------
    count : sequence of int
        Items with the attribute (e.g. films not acceptable) per period.
    n : sequence of int
        Items per period (>= 1).
    baseline : sequence of bool
        The periods ``p-bar = sum count / sum n`` is estimated from.
    L : float
        Width of the limits in standard errors.

    Returns
    -------
    pandas.DataFrame
        ``period, statistic`` (the proportion), ``centre, lcl, ucl, signal, n``.

    Examples
    --------
    >>> p_chart([2, 3, 2, 9], [20, 20, 20, 20], [True, True, True, False])["signal"].tolist()
    [False, False, False, True]
    """
    x, size = _series(count, "count"), _series(n, "n")
    if len(x) != len(size) or (size < 1).any() or (x < 0).any() or (x > size).any():
        raise ValueError("count and n must have one entry per period, with 0 <= count <= n and n >= 1")
    mask = _baseline(baseline, len(x), 1)
    p_bar = x[mask].sum() / size[mask].sum()
    half = L * np.sqrt(p_bar * (1 - p_bar) / size)
    chart = _chart(x / size, p_bar, np.clip(p_bar - half, 0, 1), np.clip(p_bar + half, 0, 1))
    chart["n"] = size.astype(int)
    return chart


def ewma_chart(values, *, target: float, sigma: float, lam: float, L: float) -> pd.DataFrame:
    """EWMA chart with exact time-varying limits (Montgomery §9.2).

    Parameters
    ----------
    values : sequence of float
        One value per period (individual values, or standardised period means with ``sigma=1``).
    target : float
        The in-control mean ``mu_0``; the EWMA starts there.
    sigma : float
        The in-control standard deviation of ``values``.
    lam : float
        Weight of the newest value, in (0, 1].
    L : float
        Width of the limits.

    Returns
    -------
    pandas.DataFrame
        ``period, statistic`` (z_t), ``centre, lcl, ucl, signal``.

    Examples
    --------
    >>> ewma_chart([9.45, 7.99], target=10, sigma=1, lam=0.1, L=2.7)["statistic"].round(4).tolist()
    [9.945, 9.7495]
    """
    x = _series(values, "values")
    if not 0 < lam <= 1 or sigma <= 0:
        raise ValueError(f"lam must lie in (0, 1] and sigma be positive, got {lam} and {sigma}")
    z = np.empty_like(x)
    previous = target
    for t, value in enumerate(x):
        previous = lam * value + (1 - lam) * previous
        z[t] = previous
    t = np.arange(1, len(x) + 1)
    half = L * sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
    return _chart(z, target, target - half, target + half)


def cusum_chart(values, *, target: float, sigma: float, k: float, h: float) -> pd.DataFrame:
    """Tabular CUSUM (Montgomery §9.1.2), reference value ``K = k sigma``, decision ``H = h sigma``.

    Parameters
    ----------
    values : sequence of float
        One value per period.
    target, sigma : float
        The in-control mean and standard deviation of ``values``.
    k, h : float
        Reference value and decision interval in units of ``sigma`` (e.g. 0.5 and 5).

    Returns
    -------
    pandas.DataFrame
        ``period, upper, lower`` (C+ and C-), ``h`` (= H), ``signal`` (C+ > H or C- > H),
        ``direction`` (``up``, ``down`` or ``""``), ``run`` (periods since the sum that signals
        last stood at zero: the onset estimate N+ or N-).

    Examples
    --------
    >>> cusum_chart([9.45, 7.99, 9.29, 11.66, 12.16], target=10, sigma=1, k=0.5, h=5)["upper"].round(2).tolist()
    [0.0, 0.0, 0.0, 1.16, 2.82]
    """
    x = _series(values, "values")
    if sigma <= 0 or k < 0 or h <= 0:
        raise ValueError(f"sigma and h must be positive and k non-negative, got {sigma}, {k}, {h}")
    reference, decision = k * sigma, h * sigma
    upper, lower = np.zeros_like(x), np.zeros_like(x)
    runs_up, runs_down = np.zeros(len(x), dtype=int), np.zeros(len(x), dtype=int)
    c_up = c_down = 0.0
    n_up = n_down = 0
    for t, value in enumerate(x):
        c_up = max(0.0, value - (target + reference) + c_up)
        c_down = max(0.0, (target - reference) - value + c_down)
        n_up = n_up + 1 if c_up > 0 else 0
        n_down = n_down + 1 if c_down > 0 else 0
        upper[t], lower[t], runs_up[t], runs_down[t] = c_up, c_down, n_up, n_down
    signal_up, signal_down = upper > decision, lower > decision
    return pd.DataFrame({
        "period": np.arange(1, len(x) + 1),
        "upper": upper,
        "lower": lower,
        "h": decision,
        "signal": signal_up | signal_down,
        "direction": np.where(signal_up, "up", np.where(signal_down, "down", "")),
        "run": np.where(signal_up, runs_up, np.where(signal_down, runs_down, 0)),
    })  # fmt: skip
