"""Statistical process control charts: Shewhart individuals/moving range, X-bar, p, EWMA and CUSUM.

No well-kept Python library computes these charts, so they are written here from the textbook
formulas (Montgomery, *Introduction to Statistical Quality Control*, 7th ed.) and tested against
its worked examples and against R on fresh random data (``tests/stats/test_spc.py``). Each chart
takes the per-period values in time order and returns one row per period with the plotted
statistic, its centre line, its limits and whether the period signals; the limits of the
Shewhart charts come from the periods marked ``baseline`` (phase I), which the user chooses.

* :func:`individuals_chart`: individuals with moving-range limits, ``sigma = MR-bar / d2``
  (d2 = 1.128) and the MR chart's upper limit ``MR-bar (1 + L d3 / d2)`` (d3 = 0.853; D4 = 3.267 at L = 3), §6.4.
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
* :func:`cusum_arl`: the zero-state average run length (ARL) of the tabular CUSUM for a mean shift
  of ``shift`` sigma, by the Markov chain of Brook & Evans (1972); the two-sided ARL from the
  one-sided ones as ``1 / ARL = 1 / ARL+ + 1 / ARL-``, §9.1.3 (Table 9.3).
* :func:`ewma_arl`: the zero-state ARL of the two-sided EWMA with the asymptotic limits
  ``+- L sqrt(lambda / (2 - lambda))``, by the Markov chain of Lucas & Saccucci (1990), §9.2.2
  (Table 9.11).

This module never imports torch.

References
----------
.. [1] Montgomery DC (2013) Introduction to Statistical Quality Control, 7th ed. Wiley.
   §6.3-6.4 (X-bar and individuals charts), §7.2 (p chart), §9.1 (tabular CUSUM, Table 9.2),
   §9.2 (EWMA, Example 9.2).
.. [2] Brook D, Evans DA (1972) An approach to the probability distribution of cusum run length.
   Biometrika 59:539-549.
.. [3] Lucas JM, Saccucci MS (1990) Exponentially weighted moving average control schemes:
   properties and enhancements. Technometrics 32:1-12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import betabinom, norm
from scipy.special import ndtr

__all__ = [
    "D2_MOVING_RANGE",
    "D3_MOVING_RANGE",
    "cusum_arl",
    "cusum_chart",
    "ewma_arl",
    "ewma_chart",
    "individuals_chart",
    "p_chart",
    "xbar_chart",
]

#: d2 for moving ranges of two observations (Montgomery, Appendix Table VI).
D2_MOVING_RANGE = 1.128
#: d3 for moving ranges of two observations (Montgomery, Appendix Table VI): the SD of MR is d3 sigma.
D3_MOVING_RANGE = 0.853


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


def individuals_chart(values, baseline, *, L: float = 3.0, min_sigma: float = 0.0) -> pd.DataFrame:
    """Individuals chart with moving-range limits from the baseline periods.

    Parameters
    ----------
    values : sequence of float
        One value per period, in time order.
    baseline : sequence of bool
        The periods the limits are estimated from (at least two, consecutive pairs give the MR).
    L : float
        Width of the limits in standard deviations.
    min_sigma : float
        Least sigma: when ``MR-bar / d2`` is smaller (a few baseline periods that happen to lie
        close together), sigma is ``min_sigma`` and the MR chart's centre ``d2 min_sigma``.

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
    mr_bar = max(moving[pairs].mean(), D2_MOVING_RANGE * min_sigma)
    centre, sigma = x[mask].mean(), mr_bar / D2_MOVING_RANGE
    chart = _chart(x, centre, centre - L * sigma, centre + L * sigma)
    chart["moving_range"] = np.concatenate([[np.nan], moving])
    chart["mr_ucl"] = mr_bar * (1 + L * D3_MOVING_RANGE / D2_MOVING_RANGE)
    chart["mr_signal"] = chart["moving_range"] > chart["mr_ucl"]
    return chart


def xbar_chart(means, sds, n, baseline, *, L: float = 3.0, centre_error: bool = False) -> pd.DataFrame:
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
    centre_error : bool
        Widen the limits by the error of the estimated centre: ``L sigma sqrt(1/n_i + 1/N_B)``
        with ``N_B`` the baseline's observations (the standard error of ``mean_i - centre``).

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
    half = L * sigma * np.sqrt(1 / size + (1 / size[mask].sum() if centre_error else 0.0))
    chart = _chart(x, centre, centre - half, centre + half)
    chart["n"] = size.astype(int)
    chart["sigma"] = sigma
    return chart


def p_chart(count, n, baseline, *, L: float = 3.0, limits: str = "normal") -> pd.DataFrame:
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
        Width of the limits in standard errors (``normal``), or the normal tail ``Phi(-L)`` each
        side that the probability limits keep (``predictive``).
    limits : {"normal", "predictive"}
        ``normal``: Montgomery's ``p-bar +- L sqrt(p-bar (1 - p-bar) / n_i)``. ``predictive``:
        probability limits from the predictive distribution of a period's count given the
        baseline's ``c`` of ``N_B``, beta-binomial ``(n_i, c + 1/2, N_B - c + 1/2)`` (the binomial
        with the Jeffreys posterior of ``p``): a period signals when its count is as extreme as a
        tail of probability below ``Phi(-L)``. They hold for small counts and for a baseline with
        no (or only) items with the attribute, where the normal limits collapse onto ``p-bar``,
        and include the error of the estimated ``p-bar``. The limits shown lie half an item
        inside the first count that signals.

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
    if limits not in ("normal", "predictive"):
        raise ValueError(f"limits must be 'normal' or 'predictive', got {limits!r}")
    mask = _baseline(baseline, len(x), 1)
    p_bar = x[mask].sum() / size[mask].sum()
    if limits == "normal":
        half = L * np.sqrt(p_bar * (1 - p_bar) / size)
        lcl, ucl = np.clip(p_bar - half, 0, 1), np.clip(p_bar + half, 0, 1)
    else:
        lcl, ucl = _predictive_limits(x[mask].sum(), size[mask].sum(), size.astype(int), norm.sf(L))
    chart = _chart(x / size, p_bar, lcl, ucl)
    chart["n"] = size.astype(int)
    return chart


def _predictive_limits(count: float, total: float, n: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """Beta-binomial probability limits of each period's share (see :func:`p_chart`)."""
    lcl, ucl = np.empty(len(n)), np.empty(len(n))
    for index, size in enumerate(n):
        counts = np.arange(size + 1)
        predictive = betabinom(size, count + 0.5, total - count + 0.5)
        low = counts[predictive.cdf(counts) < tail]  # counts that signal low
        high = counts[predictive.sf(counts - 1) < tail]  # counts that signal high
        lcl[index] = (low.max() + 0.5) / size if len(low) else 0.0
        ucl[index] = (high.min() - 0.5) / size if len(high) else 1.0
    return lcl, ucl


def ewma_chart(
    values, *, target: float, sigma: float, lam: float, L: float, common_sd=0.0, reset: bool = False
) -> pd.DataFrame:
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
    common_sd : float or sequence of float
        Standard deviation (per period, in the units of ``values``) of an error that all the
        values share, ``x_t = mu + e_t + c_t d`` with one ``d ~ N(0, 1)``: e.g. the error of an
        estimated target. The limits then hold the exact variance of ``z_t``,
        ``sigma^2 sum w_j^2 + (sum w_j c_j)^2`` with ``w_j = lambda (1 - lambda)^(t - j)``; with
        0 they are Montgomery's Eq. 9.25.
    reset : bool
        Restart the EWMA at the target after each signal (its weights and limits too).

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
    common = np.broadcast_to(np.asarray(common_sd, dtype=float), x.shape)
    z, half = np.empty_like(x), np.empty_like(x)
    previous, own, shared = target, 0.0, 0.0  # z, sum of w_j^2 and sum of w_j c_j since the (re)start
    for t, value in enumerate(x):
        previous = lam * value + (1 - lam) * previous
        own = lam**2 + (1 - lam) ** 2 * own
        shared = lam * common[t] + (1 - lam) * shared
        z[t], half[t] = previous, L * np.sqrt(sigma**2 * own + shared**2)
        if reset and abs(previous - target) > half[t]:
            previous, own, shared = target, 0.0, 0.0
    return _chart(z, target, target - half, target + half)


def cusum_chart(values, *, target: float, sigma: float, k, h: float, reset: bool = False) -> pd.DataFrame:
    """Tabular CUSUM (Montgomery §9.1.2), reference value ``K = k sigma``, decision ``H = h sigma``.

    Parameters
    ----------
    values : sequence of float
        One value per period.
    target, sigma : float
        The in-control mean and standard deviation of ``values``.
    k : float or sequence of float
        Reference value in units of ``sigma`` (e.g. 0.5), or one per period.
    h : float
        Decision interval in units of ``sigma`` (e.g. 5).
    reset : bool
        Set both sums to zero after a signal (Montgomery §9.1.2: after the assignable cause is
        removed), so that each signal is a fresh accumulation of evidence.

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
    reference = np.broadcast_to(np.asarray(k, dtype=float) * sigma, x.shape)
    if sigma <= 0 or (reference < 0).any() or h <= 0:
        raise ValueError(f"sigma and h must be positive and k non-negative, got {sigma}, {k}, {h}")
    decision = h * sigma
    upper, lower = np.zeros_like(x), np.zeros_like(x)
    runs_up, runs_down = np.zeros(len(x), dtype=int), np.zeros(len(x), dtype=int)
    c_up = c_down = 0.0
    n_up = n_down = 0
    for t, value in enumerate(x):
        c_up = max(0.0, value - (target + reference[t]) + c_up)
        c_down = max(0.0, (target - reference[t]) - value + c_down)
        n_up = n_up + 1 if c_up > 0 else 0
        n_down = n_down + 1 if c_down > 0 else 0
        upper[t], lower[t], runs_up[t], runs_down[t] = c_up, c_down, n_up, n_down
        if reset and max(c_up, c_down) > decision:
            c_up = c_down = 0.0
            n_up = n_down = 0
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


def _shifts(shift) -> tuple[np.ndarray, bool]:
    array = np.asarray(shift, dtype=float)
    if array.ndim > 1 or not np.isfinite(array).all():
        raise ValueError("shift must be a finite number or a 1-D sequence of finite numbers")
    return np.atleast_1d(array), array.ndim == 0


def _absorption_time(transition: np.ndarray, start: int) -> np.ndarray:
    """Expected steps to absorption from state ``start``: ``(I - P)^{-1} 1``, one chain per shift."""
    count, states, _ = transition.shape
    system = np.eye(states) - transition
    return np.linalg.solve(system, np.ones((count, states, 1)))[:, start, 0]


def _cusum_upper_arl(shifts: np.ndarray, k: float, h: float, states: int) -> np.ndarray:
    # Brook & Evans (1972): t transient states of width w = 2h / (2t - 1); state i stands for
    # C = i w and covers ((i - 1/2) w, (i + 1/2) w], state 0 covers [0, w/2] (the atom C = 0 with
    # it), and C > h = (t - 1/2) w signals. From i, C' = max(0, i w + x - k) with x ~ N(shift, 1).
    width = 2 * h / (2 * states - 1)
    level = width * np.arange(states)
    upper = level + width / 2
    cdf = ndtr(upper[None, None, :] - level[None, :, None] + k - shifts[:, None, None])
    transition = np.diff(cdf, axis=-1, prepend=0.0)
    return _absorption_time(transition, 0)


def cusum_arl(shift, *, k: float, h: float, sided: str = "two", states: int = 300):
    """Zero-state average run length of the tabular CUSUM, by the Markov chain of Brook & Evans.

    The chart is :func:`cusum_chart` on standardised values, ``C+_t = max(0, x_t - k + C+_{t-1})``
    and ``C-_t = max(0, -k - x_t + C-_{t-1})`` from ``C+_0 = C-_0 = 0`` (no head start), signalling
    at the first ``t`` with ``C+_t > h`` (one-sided) or with either sum above ``h`` (two-sided),
    when ``x_t ~ N(shift, 1)``. The one-sided ARL is that of the upper sum; a downward shift of the
    upper sum has the ARL of the lower sum at ``-shift``. The one-sided ARL comes from the Markov
    chain of Brook & Evans (1972) with ``states`` transient states of width ``2h / (2 states - 1)``
    (the chain R's ``spc::xcusum.arl(method = "mc", r = states)`` builds, state for state). Its
    error falls as ``1 / states^2``: at the default 300 states it stays below 0.02 % of the exact
    ARL (spc's integral-equation solution) for ``0.25 <= k <= 1``, ``2 <= h <= 6`` and shifts of
    0-2 sigma, and reaches about 0.1 % only for ARLs beyond 1e8.
    The two-sided ARL combines the two one-sided ones as ``1 / ARL = 1 / ARL+ + 1 / ARL-``
    (Montgomery §9.1.3, after Siegmund 1985). That combination is exact when the two sums cannot
    both be positive at once (``k`` large against ``h``, as for ``k = 1/2``, ``h = 4-5``) and an
    approximation otherwise; R's ``spc::xcusum.arl(sided = "two")`` (version 0.6.7) computes the
    two-sided ARL by the same combination, and Montgomery's Table 9.3 uses it too.

    Parameters
    ----------
    shift : float or sequence of float
        The mean shift in units of sigma (0: in control, the ARL0).
    k : float
        Reference value in units of sigma (>= 0), e.g. 0.5 for a chart tuned to a one-sigma shift.
    h : float
        Decision interval in units of sigma (> 0), e.g. 4 or 5.
    sided : {"two", "one"}
        The two-sided chart (both sums) or the upper sum alone.
    states : int
        Transient states of the Markov chain (>= 2); more is slower and more exact.

    Returns
    -------
    float or numpy.ndarray
        The ARL in periods, a float for a scalar ``shift`` and one per shift otherwise.

    References
    ----------
    .. [1] Brook D, Evans DA (1972) An approach to the probability distribution of cusum run
       length. Biometrika 59:539-549.
    .. [2] Montgomery DC (2013) Introduction to Statistical Quality Control, 7th ed., §9.1.3 and
       Table 9.3.
    .. [3] Siegmund D (1985) Sequential Analysis: Tests and Confidence Intervals. Springer.

    Examples
    --------
    >>> round(cusum_arl(0, k=0.5, h=5), 1), round(cusum_arl(1, k=0.5, h=5), 2)
    (465.4, 10.38)
    """
    if not (np.isfinite(k) and k >= 0):
        raise ValueError(f"k must be a finite number >= 0, got {k}")
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"h must be a finite number > 0, got {h}")
    if sided not in ("one", "two"):
        raise ValueError(f"sided must be 'one' or 'two', got {sided!r}")
    if int(states) != states or states < 2:
        raise ValueError(f"states must be an integer >= 2, got {states}")
    shifts, scalar = _shifts(shift)
    upper = _cusum_upper_arl(shifts, float(k), float(h), int(states))
    if sided == "one":
        arl = upper
    else:
        lower = _cusum_upper_arl(-shifts, float(k), float(h), int(states))
        arl = 1 / (1 / upper + 1 / lower)
    return float(arl[0]) if scalar else arl


def ewma_arl(shift, *, lam: float, L: float, states: int = 301):
    """Zero-state average run length of the two-sided EWMA with asymptotic limits (Lucas & Saccucci).

    The chart is :func:`ewma_chart` on standardised values, ``z_t = lam x_t + (1 - lam) z_{t-1}``
    from ``z_0 = 0``, but with the fixed (asymptotic) limits ``+- L sqrt(lam / (2 - lam))``: it
    signals at the first ``t`` with ``|z_t|`` above them, when ``x_t ~ N(shift, 1)``. The ARL
    comes from the Markov chain of Lucas & Saccucci (1990): the in-control band is cut into
    ``states = 2m + 1`` intervals of equal width, each represented by its midpoint, and the chain
    starts in the middle one (``z_0 = 0``). This is the quantity R's
    ``spc::xewma.arl(l = lam, c = L, mu = shift, sided = "two", limits = "fix")`` computes (by a
    Gauss-Legendre Nystroem solution of the ARL integral equation). The chain's error falls as
    ``1 / states^2``: at the default 301 states it stays below 0.08 % for ``0.05 <= lam <= 0.5``,
    ``2.4 <= L <= 3.2`` and shifts of 0-2 sigma (largest for small ``lam`` with wide limits,
    0.15 % at ``lam = 0.05``, ``L = 3.2``); ``lam = 1`` (the Shewhart chart) is exact.

    Parameters
    ----------
    shift : float or sequence of float
        The mean shift in units of sigma (0: in control, the ARL0).
    lam : float
        Weight of the newest value, in (0, 1]; ``lam = 1`` is the Shewhart chart.
    L : float
        Width of the limits in units of the asymptotic standard deviation of ``z`` (> 0).
    states : int
        Transient states of the Markov chain, odd (>= 3); more is slower and more exact.

    Returns
    -------
    float or numpy.ndarray
        The ARL in periods, a float for a scalar ``shift`` and one per shift otherwise.

    References
    ----------
    .. [1] Lucas JM, Saccucci MS (1990) Exponentially weighted moving average control schemes:
       properties and enhancements. Technometrics 32:1-12.
    .. [2] Montgomery DC (2013) Introduction to Statistical Quality Control, 7th ed., §9.2.2 and
       Table 9.11.

    Examples
    --------
    >>> round(ewma_arl(0, lam=0.1, L=2.814)), round(ewma_arl(1, lam=0.1, L=2.814), 1)  # Table 9.11: 500, 10.3
    (499, 10.3)
    """
    if not (np.isfinite(lam) and 0 < lam <= 1):
        raise ValueError(f"lam must lie in (0, 1], got {lam}")
    if not (np.isfinite(L) and L > 0):
        raise ValueError(f"L must be a finite number > 0, got {L}")
    if int(states) != states or states < 3 or states % 2 == 0:
        raise ValueError(f"states must be an odd integer >= 3, got {states}")
    shifts, scalar = _shifts(shift)
    lam, states = float(lam), int(states)
    limit = L * np.sqrt(lam / (2 - lam))
    edges = np.linspace(-limit, limit, states + 1)
    middle = (edges[:-1] + edges[1:]) / 2
    # From the interval around c_i, z' = (1 - lam) c_i + lam x lands in [a, b] with probability
    # Phi((b - (1 - lam) c_i) / lam - shift) - Phi((a - (1 - lam) c_i) / lam - shift).
    cdf = ndtr((edges[None, None, :] - (1 - lam) * middle[None, :, None]) / lam - shifts[:, None, None])
    transition = np.diff(cdf, axis=-1)
    arl = _absorption_time(transition, states // 2)
    return float(arl[0]) if scalar else arl
