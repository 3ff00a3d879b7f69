"""Seeded, vectorised bootstrap confidence intervals (percentile and BCa), optionally by cluster.

Resamples are represented as **frequency weights**: a resample of the ``n`` rows of the data
is the ``(n,)`` vector of how often each row was drawn. A batch of ``B`` resamples is a
``(B, n)`` matrix, and a vectorised statistic maps it to ``B`` values in one pass (weighted
sums, cumulative sums over a fixed sort order, batched ANOVA sums of squares). Leave-one-out
(jackknife) samples for the BCa acceleration are weights too, and a cluster bootstrap (whole
patients, whole readers) only changes how the weights are drawn: clusters are resampled and
every row inherits its cluster's count.

References
----------
.. [1] Efron B, Tibshirani RJ (1993). *An Introduction to the Bootstrap*. Chapman & Hall,
       chapters 13-14 (percentile and BCa intervals, jackknife acceleration, eq. 14.15).
.. [2] Davison AC, Hinkley DV (1997). *Bootstrap Methods and their Application*. Cambridge
       University Press, section 3.8 (resampling clusters).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from cxrqa.stats._result import make_frame
from cxrqa.stats._validate import check_confidence, require_columns

__all__ = ["bootstrap", "bootstrap_weights", "ci_from_distribution"]

_METHODS = ("percentile", "bca")


def bootstrap_weights(
    n: int, n_resamples: int, seed: int | np.random.Generator, clusters: np.ndarray | None = None
) -> np.ndarray:
    """Draw bootstrap resamples as a ``(n_resamples, n)`` matrix of row counts.

    Parameters
    ----------
    n : int
        Number of rows.
    n_resamples : int
        Number of resamples ``B``.
    seed : int or numpy.random.Generator
        Seed of :func:`numpy.random.default_rng` (or a generator). Without clusters the
        draws are those of ``rng.integers(0, n, (B, n))``, the same as
        :func:`scipy.stats.bootstrap` with the same generator.
    clusters : numpy.ndarray of int, optional
        Cluster code ``0..G-1`` of every row; clusters are drawn with replacement and each
        row gets its cluster's count.

    Returns
    -------
    numpy.ndarray
        ``float64`` counts; each row sums to ``n`` without clusters.

    Examples
    --------
    >>> bootstrap_weights(4, 2, seed=0).sum(axis=1)
    array([4., 4.])
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if clusters is None:
        idx = rng.integers(0, n, (n_resamples, n))
        return _counts(idx, n)
    n_clusters = int(clusters.max()) + 1
    idx = rng.integers(0, n_clusters, (n_resamples, n_clusters))
    return _counts(idx, n_clusters)[:, clusters]


def _counts(idx: np.ndarray, n: int) -> np.ndarray:
    rows = idx.shape[0]
    flat = (idx + (np.arange(rows) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=rows * n).reshape(rows, n).astype(float)


def _jackknife_weights(n: int, clusters: np.ndarray | None) -> np.ndarray:
    if clusters is None:
        return 1.0 - np.eye(n)
    n_clusters = int(clusters.max()) + 1
    return (clusters[None, :] != np.arange(n_clusters)[:, None]).astype(float)


def ci_from_distribution(
    theta_hat: float,
    theta_boot: np.ndarray,
    *,
    method: str = "bca",
    confidence: float = 0.95,
    theta_jack: np.ndarray | None = None,
) -> tuple[float, float]:
    """Percentile or BCa interval from a bootstrap distribution.

    Parameters
    ----------
    theta_hat : float
        Estimate on the original data.
    theta_boot : numpy.ndarray
        Bootstrap replicates.
    method : {"bca", "percentile"}
        Interval type.
    confidence : float
        Two-sided confidence level.
    theta_jack : numpy.ndarray, optional
        Jackknife (leave-one-unit-out) estimates; required for ``"bca"``.

    Returns
    -------
    tuple of float
        ``(ci_low, ci_high)``; quantiles use linear interpolation. For BCa the bias
        correction is ``z0 = ndtri((#{θ* < θ̂} + #{θ* ≤ θ̂}) / 2B)`` (ties count half, as in
        SciPy) and the acceleration is Efron & Tibshirani's eq. 14.15.

    Examples
    --------
    >>> lo, hi = ci_from_distribution(0.0, np.linspace(-1, 1, 101), method="percentile", confidence=0.9)
    >>> round(lo, 6), round(hi, 6)
    (-0.9, 0.9)
    """
    confidence = check_confidence(confidence)
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    theta_boot = np.asarray(theta_boot, dtype=float)
    if not np.isfinite(theta_boot).all():
        raise ValueError("bootstrap replicates contain NaN or infinite values (degenerate resamples)")
    alpha = (1.0 - confidence) / 2.0
    if method == "percentile":
        lo, hi = np.quantile(theta_boot, [alpha, 1.0 - alpha])
        return float(lo), float(hi)
    if theta_jack is None:
        raise ValueError("BCa needs the jackknife estimates theta_jack")
    b = theta_boot.size
    z0 = ndtri((np.count_nonzero(theta_boot < theta_hat) + np.count_nonzero(theta_boot <= theta_hat)) / (2.0 * b))
    u = theta_jack.mean() - theta_jack
    denom = np.sum(u**2)
    accel = np.sum(u**3) / (6.0 * denom**1.5) if denom > 0 else 0.0
    z_lo, z_hi = ndtri(alpha), ndtri(1.0 - alpha)
    a1 = ndtr(z0 + (z0 + z_lo) / (1.0 - accel * (z0 + z_lo)))
    a2 = ndtr(z0 + (z0 + z_hi) / (1.0 - accel * (z0 + z_hi)))
    if not (np.isfinite(a1) and np.isfinite(a2)):
        raise ValueError("BCa interval undefined: every bootstrap replicate lies on one side of the estimate")
    lo, hi = np.quantile(theta_boot, [a1, a2])
    return float(lo), float(hi)


def bootstrap(
    data: pd.DataFrame,
    statistic: Callable,
    *,
    cluster: str | None = None,
    n_resamples: int = 2000,
    method: str = "bca",
    confidence: float = 0.95,
    seed: int = 0,
    vectorized: bool = True,
    metric: str = "statistic",
) -> pd.DataFrame:
    """Bootstrap confidence interval of any statistic of a tidy DataFrame.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy data; rows are the resampling units unless ``cluster`` is given.
    statistic : callable
        If ``vectorized`` (default): ``statistic(weights) -> values`` where ``weights`` is a
        ``(r, len(data))`` array of row frequency weights (the original data is a row of
        ones) and ``values`` has shape ``(r,)``. Otherwise ``statistic(frame) -> float`` is
        called on every resampled DataFrame (simple but slow).
    cluster : str, optional
        Column whose values define clusters that are resampled whole (e.g. ``"patient_id"``).
    n_resamples : int, default 2000
        Number of bootstrap resamples.
    method : {"bca", "percentile"}, default "bca"
        Interval type; BCa uses the leave-one-unit-out jackknife (one unit = a row, or a
        cluster when ``cluster`` is given).
    confidence : float, default 0.95
        Two-sided confidence level.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same interval.
    vectorized : bool, default True
        See ``statistic``.
    metric : str, default "statistic"
        Name written to the ``metric`` column.

    Returns
    -------
    pandas.DataFrame
        One row in the columns of :data:`cxrqa.stats.COLUMNS`: ``estimate`` on the
        original data, ``se`` the standard deviation of the replicates, the interval, ``n``
        the number of resampling units.

    Raises
    ------
    ValueError
        Unknown ``method``, a missing cluster column, fewer than two units, fewer than
        two resamples, or a statistic undefined in more than half the resamples.

    Notes
    -----
    Resamples where the statistic is undefined (NaN or infinite, e.g. an AUC of a resample
    with one class only) are dropped and counted in ``method``.

    References
    ----------
    .. [1] Efron B, Tibshirani RJ (1993). *An Introduction to the Bootstrap*, ch. 13-14.
    .. [2] Davison AC, Hinkley DV (1997). *Bootstrap Methods and their Application*, 3.8.

    Examples
    --------
    The mean of a column, vectorised through the weights:

    >>> df = pd.DataFrame({"x": [1.0, 2.0, 4.0, 8.0, 3.0, 5.0]})
    >>> x = df["x"].to_numpy()
    >>> res = bootstrap(df, lambda w: w @ x / w.sum(axis=1), metric="mean", seed=1)
    >>> float(round(res.loc[0, "estimate"], 3))
    3.833
    >>> bool(res.loc[0, "ci_low"] < 3.833 < res.loc[0, "ci_high"])
    True
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    confidence = check_confidence(confidence)
    if int(n_resamples) < 2:
        raise ValueError(f"n_resamples must be at least 2, got {n_resamples}")
    n = len(data)
    clusters = None
    if cluster is not None:
        require_columns(data, [cluster])
        if data[cluster].isna().any():
            raise ValueError(f"cluster column {cluster!r} contains missing values")
        clusters = pd.factorize(data[cluster], sort=True)[0]
        units = int(clusters.max()) + 1
    else:
        units = n
    if units < 2:
        raise ValueError(f"need at least two resampling units, got {units}")

    if vectorized:
        def evaluate(w: np.ndarray) -> np.ndarray:
            out = np.asarray(statistic(w), dtype=float).reshape(-1)
            if out.shape != (w.shape[0],):
                raise ValueError(f"statistic returned shape {out.shape} for {w.shape[0]} weight rows")
            return out
    else:
        def evaluate(w: np.ndarray) -> np.ndarray:
            rows = np.arange(n)
            return np.array(
                [float(statistic(data.iloc[np.repeat(rows, wi.astype(int))])) for wi in w]
            )

    theta_hat = float(evaluate(np.ones((1, n)))[0])
    weights = bootstrap_weights(n, int(n_resamples), seed, clusters)
    theta_boot = evaluate(weights)
    finite = np.isfinite(theta_boot)
    dropped = int((~finite).sum())
    if dropped > n_resamples // 2:
        raise ValueError(
            f"the statistic is undefined (NaN/inf) in {dropped} of {n_resamples} resamples: too few units for a bootstrap"
        )
    theta_boot = theta_boot[finite]
    theta_jack = evaluate(_jackknife_weights(n, clusters)) if method == "bca" else None
    if theta_jack is not None and not np.isfinite(theta_jack).all():
        raise ValueError("the statistic is undefined in a leave-one-out sample: use method='percentile'")
    lo, hi = ci_from_distribution(theta_hat, theta_boot, method=method, confidence=confidence, theta_jack=theta_jack)
    unit = f"clusters of {cluster!r}" if cluster else "rows"
    if dropped:
        unit += f" ({dropped} degenerate resamples with an undefined statistic dropped)"
    return make_frame(
        [
            {
                "metric": metric,
                "estimate": theta_hat,
                "se": float(np.std(theta_boot, ddof=1)),
                "ci_low": lo,
                "ci_high": hi,
                "n": units,
                "method": f"bootstrap {method} CI, {n_resamples} resamples of {unit}, seed {seed}",
            }
        ]
    )
