"""Table 2 (cohort by split) and the data of Figure 8 (MOS distributions, sample images)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import cxrqa.stats as cs
from cxrqa.io.tables import SPLITS

__all__ = ["mos_summary", "sample_images", "table2"]


def _splits(frame: pd.DataFrame) -> list[str]:
    return [name for name in SPLITS if name in set(frame["split"])] + sorted(set(frame["split"]) - set(SPLITS))


def table2(cohort: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Demographics by split with ANOVA on age and Pearson chi-square on sex (paper's Table 2).

    Parameters
    ----------
    cohort : pandas.DataFrame
        One row per image: ``image_id, split, age, sex`` (sex ``M``/``F``).

    Returns
    -------
    table : pandas.DataFrame
        Rows ``No. of images``, ``Age, years``, ``Male``, ``Female``; one column per split and
        ``Groups`` with the test's P value.
    tests : pandas.DataFrame
        The ANOVA and chi-square rows of :mod:`cxrqa.stats` (tidy).

    Examples
    --------
    >>> cohort = pd.DataFrame({"image_id": list("abcdefgh"), "split": ["train"] * 4 + ["test"] * 4,
    ...                        "age": [30, 40, 50, 60, 35, 45, 55, 65], "sex": list("MFMFMMFF")})
    >>> table2(cohort)[0].iloc[:, :3].to_numpy().tolist()[:2]
    [['No. of images', '4', '4'], ['Age, years', '45.00 ± 12.91 (30-60)', '50.00 ± 12.91 (35-65)']]
    """
    splits = _splits(cohort)
    tests = pd.concat(
        [cs.anova_oneway(cohort.dropna(subset=["age"]), "age", "split"), cs.chi_square(cohort[cohort["sex"].isin(["M", "F"])], "sex", "split")],
        ignore_index=True,
    )
    anova, chi = tests.iloc[0], tests.iloc[1]
    rows = {"No. of images": [], "Age, years": [], "Male": [], "Female": []}
    for split in splits:
        part = cohort[cohort["split"] == split]
        age = part["age"].dropna()
        rows["No. of images"].append(f"{len(part)}")
        rows["Age, years"].append(f"{age.mean():.2f} ± {age.std(ddof=1):.2f} ({age.min():.0f}-{age.max():.0f})")
        for sex, label in (("M", "Male"), ("F", "Female")):
            count = int((part["sex"] == sex).sum())
            rows[label].append(f"{count} ({100 * count / len(part):.1f}%)")
    groups = [
        "",
        f"P = {anova['p_value']:.2f} (ANOVA, F = {anova['statistic']:.2f})",
        f"P = {chi['p_value']:.2f} (Pearson chi-square = {chi['statistic']:.2f}, df = {chi['df1']:.0f})",
        "",
    ]
    table = pd.DataFrame([[label, *values] for label, values in rows.items()], columns=["", *splits])
    table["Groups"] = groups
    return table, tests


def mos_summary(mos: pd.DataFrame) -> pd.DataFrame:
    """MOS per dimension and split (and all splits): n, mean, SD, median, min, max.

    Parameters
    ----------
    mos : pandas.DataFrame
        ``dimension, split, image_id, mos`` (:func:`cxrqa.report.inputs.load_mos`).
    """
    both = pd.concat([mos, mos.assign(split="all")], ignore_index=True)
    order = {name: index for index, name in enumerate([*SPLITS, "all"])}
    summary = (
        both.groupby(["dimension", "split"])["mos"]
        .agg(n="size", mean="mean", sd=lambda x: x.std(ddof=1), median="median", min="min", max="max")
        .reset_index()
    )
    summary["_o"] = summary["split"].map(order)
    return summary.sort_values(["dimension", "_o"], kind="mergesort").drop(columns="_o").reset_index(drop=True)


def sample_images(mos_wide: pd.DataFrame, n: int, seed: int) -> list[str]:
    """``n`` images spread over the quality range: one drawn at random from each of ``n`` MOS bins.

    Parameters
    ----------
    mos_wide : pandas.DataFrame
        Index ``image_id``; one MOS column per dimension (their mean orders the images).
    n : int
        Number of images.
    seed : int
        Seed of the draw within each bin.

    Returns
    -------
    list of str
        Image ids, from the worst to the best mean MOS.

    Examples
    --------
    >>> wide = pd.DataFrame({"gray_level": np.arange(20.0)}, index=[f"i{k:02d}" for k in range(20)])
    >>> sample_images(wide, 4, seed=0) == sample_images(wide.iloc[::-1], 4, seed=0)
    True
    >>> len(sample_images(wide, 4, seed=0))
    4
    """
    quality = mos_wide.mean(axis=1).sort_index()
    ordered = quality.sort_values(kind="mergesort")
    rng = np.random.default_rng(seed)
    names = ordered.index.to_numpy()
    bins = np.array_split(np.arange(len(names)), min(n, len(names)))
    return [str(names[rng.choice(positions)]) for positions in bins if len(positions)]
