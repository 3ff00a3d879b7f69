"""Table 2 (cohort by split) and the data of Figure 8 (MOS distributions, sample images)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import cxrqa.stats as cs
from cxrqa.io.tables import SPLITS
from cxrqa.report.paper import paper_vs_ours

__all__ = [
    "DEVELOPMENT_SPLITS",
    "cohort_metrics",
    "cohort_table",
    "development_mos",
    "distribution_mos",
    "mos_summary",
    "paper_comparison",
    "sample_images",
    "sample_table",
    "table2",
]

#: The splits whose MOS the paper summarises (its training and validation images, n = 1033).
DEVELOPMENT_SPLITS = SPLITS[:2]


def cohort_table(splits: pd.DataFrame, demographics: pd.DataFrame) -> pd.DataFrame:
    """One row per image of ``splits``: ``image_id, split, age, sex`` (the input of :func:`table2`).

    Parameters
    ----------
    splits : pandas.DataFrame
        :func:`cxrqa.report.inputs.read_splits`.
    demographics : pandas.DataFrame
        :func:`cxrqa.report.inputs.read_demographics` (an image without a row gets NaN).
    """
    return splits.merge(demographics, on="image_id", how="left")


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


def development_mos(mos: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``mos`` in the :data:`DEVELOPMENT_SPLITS` (what the paper's MOS summary covers)."""
    return mos[mos["split"].isin(DEVELOPMENT_SPLITS)]


def distribution_mos(mos: pd.DataFrame) -> pd.DataFrame:
    """The MOS Figure 8a draws: :func:`development_mos`, or every image when the study has no
    training or validation split."""
    development = development_mos(mos)
    return development if len(development) else mos


def sample_table(mos: pd.DataFrame, reference_standard: pd.DataFrame, *, split: str, n: int, seed: int) -> pd.DataFrame:
    """Figure 8b: ``n`` images of ``split`` spread over the quality range, with their MOS and calls.

    Parameters
    ----------
    mos : pandas.DataFrame
        :func:`cxrqa.report.inputs.load_mos`.
    reference_standard : pandas.DataFrame
        :func:`cxrqa.report.inputs.reference_standard`.
    split : str
        The split the images are drawn from.
    n, seed : int
        As :func:`sample_images`.

    Returns
    -------
    pandas.DataFrame
        ``image_id``, one MOS column per dimension, ``<dimension>_acceptable`` (the majority
        calls), ``non_acceptable`` (non-acceptable in either dimension) and ``caption``
        (``image_id``, the gray-level / sharpness MOS and ``*`` when non-acceptable), from the
        worst to the best image.
    """
    wide = mos[mos["split"] == split].pivot_table(index="image_id", columns="dimension", values="mos")
    chosen = sample_images(wide, n, seed)
    flags = reference_standard[reference_standard["image_id"].isin(chosen)].pivot_table(
        index="image_id", columns="dimension", values="acceptable", aggfunc="first"
    )
    samples = wide.loc[chosen].join(flags.add_suffix("_acceptable")).reset_index()
    samples["non_acceptable"] = ~samples.filter(like="_acceptable").all(axis=1)
    samples["caption"] = (
        samples["image_id"] + "\n" + samples["gray_level"].map("{:.1f}".format) + " / " + samples["sharpness"].map("{:.1f}".format)
        + samples["non_acceptable"].map({True: " *", False: ""})
    )
    return samples


def cohort_metrics(cohort: pd.DataFrame, mos: pd.DataFrame, reference_standard: pd.DataFrame, tests: pd.DataFrame, *, split: str) -> dict:
    """The content of ``reports/metrics/cohort.json``.

    Parameters
    ----------
    cohort : pandas.DataFrame
        :func:`cohort_table`.
    mos : pandas.DataFrame
        :func:`cxrqa.report.inputs.load_mos`.
    reference_standard : pandas.DataFrame
        :func:`cxrqa.report.inputs.reference_standard`.
    tests : pandas.DataFrame
        The tests of :func:`table2` (the age ANOVA, then the sex chi-square).
    split : str
        The analysed split (its non-acceptable images are counted).

    Returns
    -------
    dict
        Per dimension ``mos_mean_development``, ``mos_sd_development`` and
        ``non_acceptable_<split>``; ``n_images`` per split, ``age_anova_p``, ``sex_chi_square_p``.
    """
    development = development_mos(mos)
    analysed = set(mos.loc[mos["split"] == split, "image_id"])
    metrics: dict = {
        dimension: {
            "mos_mean_development": float(development.loc[development["dimension"] == dimension, "mos"].mean()),
            "mos_sd_development": float(development.loc[development["dimension"] == dimension, "mos"].std(ddof=1)),
            f"non_acceptable_{split}": int(
                (~reference_standard[reference_standard["image_id"].isin(analysed) & (reference_standard["dimension"] == dimension)]["acceptable"]).sum()
            ),
        }
        for dimension in sorted(mos["dimension"].unique())
    }
    metrics["n_images"] = {name: int(count) for name, count in cohort["split"].value_counts().sort_index().items()}
    metrics["age_anova_p"] = float(tests.iloc[0]["p_value"])
    metrics["sex_chi_square_p"] = float(tests.iloc[1]["p_value"])
    return metrics


def paper_comparison(metrics: dict, cohort: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 2 and MOS figures against ours (:func:`cxrqa.report.paper.paper_vs_ours`).

    Parameters
    ----------
    metrics : dict
        :func:`cohort_metrics`.
    cohort : pandas.DataFrame
        :func:`cohort_table` (mean age and men per split).
    """
    ours = {(d, "mos_mean"): v["mos_mean_development"] for d, v in metrics.items() if isinstance(v, dict) and "mos_mean_development" in v}
    ours |= {(d, "mos_sd"): v["mos_sd_development"] for d, v in metrics.items() if isinstance(v, dict) and "mos_sd_development" in v}
    ours |= {("both", f"age_mean_{name}"): age for name, age in cohort.groupby("split")["age"].mean().items()}
    ours |= {("both", f"male_{name}"): count for name, count in cohort[cohort["sex"] == "M"].groupby("split").size().items()}
    ours |= {("both", "age_anova_p"): metrics["age_anova_p"], ("both", "sex_chi_square_p"): metrics["sex_chi_square_p"]}
    return paper_vs_ours(ours)
