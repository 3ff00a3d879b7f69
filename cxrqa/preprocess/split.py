"""Seeded test/training/validation split, stratified by image quality.

The paper kept 105 test images and split the other 1033 into 826 training and 207 validation
images. For ``N`` images other than ``n_test + n_train + n_val`` the three counts are scaled by
``N / (n_test + n_train + n_val)`` and rounded by largest remainders so that they add up to ``N``
(:func:`split_sizes`): 100 images give 9 / 73 / 18.

Quality strata are the quantiles (tertiles by default) of each image's *mean score*: the mean over
all readers and both dimensions in ``ratings.csv``. Images without ratings form one more stratum.
Within each stratum, images are shuffled with the seed; each split takes its share of every
stratum (largest remainders again, so the totals are exact), test first, then training, then
validation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

SPLITS = ("test", "train", "validation")


def split_sizes(n: int, reference: Sequence[int]) -> list[int]:
    """Scale ``reference`` counts to total ``n`` with largest-remainder rounding.

    >>> split_sizes(1138, (105, 826, 207))
    [105, 826, 207]
    >>> split_sizes(100, (105, 826, 207))
    [9, 73, 18]
    >>> sum(split_sizes(7, (1, 1, 1)))
    7
    """
    total = sum(reference)
    exact = np.array([n * r / total for r in reference], dtype=float)
    sizes = np.floor(exact).astype(int)
    order = np.argsort(-(exact - sizes), kind="stable")
    sizes[order[: n - sizes.sum()]] += 1
    return sizes.tolist()


def quality_strata(image_ids: Sequence[str], ratings: pd.DataFrame | None, strata: int) -> pd.Series:
    """Stratum per image: quantile bin (0 = worst) of the mean score; ``-1`` for unrated images."""
    ids = pd.Index([str(i) for i in image_ids], name="image_id")
    if ratings is None or ratings.empty:
        return pd.Series(0, index=ids, dtype=int)  # nothing to stratify by: one stratum
    result = pd.Series(-1, index=ids, dtype=int)
    mean = ratings.assign(image_id=ratings["image_id"].astype(str)).groupby("image_id")["score"].mean()
    mean = mean.reindex(ids).dropna()
    if len(mean):
        ranks = mean.rank(method="first")
        bins = np.minimum((ranks.to_numpy() - 1) * max(strata, 1) // len(mean), max(strata, 1) - 1)
        result.loc[mean.index] = bins.astype(int)
    return result


def make_splits(
    image_ids: Sequence[str],
    ratings: pd.DataFrame | None,
    *,
    seed: int,
    n_test: int = 105,
    n_train: int = 826,
    n_val: int = 207,
    strata: int = 3,
) -> pd.DataFrame:
    """Assign each image to ``test``, ``train`` or ``validation`` (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Columns ``image_id, split``, in the order of ``image_ids``.

    Examples
    --------
    >>> ids = [f"CXR{i:04d}" for i in range(1138)]
    >>> ratings = pd.DataFrame({"image_id": ids, "score": np.arange(1138) % 10 + 1})
    >>> make_splits(ids, ratings, seed=1)["split"].value_counts().to_dict()
    {'train': 826, 'validation': 207, 'test': 105}
    """
    ids = [str(i) for i in image_ids]
    if len(set(ids)) != len(ids):
        raise ValueError("image ids must be unique")
    sizes = split_sizes(len(ids), (n_test, n_train, n_val))
    stratum = quality_strata(ids, ratings, strata)
    rng = np.random.default_rng(seed)
    groups = [stratum.index[stratum.values == s].tolist() for s in sorted(set(stratum.values))]
    group_sizes = [len(g) for g in groups]
    assignment: dict[str, str] = {}
    remaining = list(group_sizes)
    shuffled = [list(rng.permutation(g)) for g in groups]
    for split, size in zip(SPLITS, sizes):
        take = split_sizes(size, remaining) if sum(remaining) else [0] * len(groups)
        for index, count in enumerate(take):
            for image_id in shuffled[index][:count]:
                assignment[image_id] = split
            shuffled[index] = shuffled[index][count:]
            remaining[index] -= count
    return pd.DataFrame({"image_id": ids, "split": [assignment[i] for i in ids]})
