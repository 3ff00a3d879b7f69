"""The default digital reader study is shaped like the paper's (DESIGN §2, issue targets).

These checks use the design of the default study (1138 images, ten readers); the scores and calls
do not depend on the rendered pixels, so no image is rendered here.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from cxrqa.io.tables import mos_by_image
from cxrqa.stats import icc
from cxrqa.simulate.readers import DIMENSIONS

PAPER_MOS = {"gray_level": (7.75, 1.24), "sharpness": (8.01, 1.21)}


def icc_a1(wide: np.ndarray) -> float:
    """ICC(A,1) = Shrout-Fleiss ICC(2,1) of an n x k matrix, by :func:`cxrqa.stats.icc`."""
    n, k = wide.shape
    long = pd.DataFrame({"target": np.repeat(np.arange(n), k), "rater": np.tile(np.arange(k), n), "score": wide.ravel()})
    table = icc(long, "target", "rater", "score")
    return float(table.set_index("metric").at["ICC(2,1)", "estimate"])


@pytest.fixture(scope="module")
def mos(default_design):
    _, ratings, _ = default_design
    return mos_by_image(ratings)


def test_size_and_thirds(default_design):
    design, ratings, _ = default_design
    assert len(design) == 1138
    shares = design["category"].value_counts(normalize=True)
    assert set(shares.index) == {"excellent", "moderate", "poor"}
    assert np.allclose(shares.to_numpy(), 1 / 3, atol=0.01)
    assert ratings["reader_id"].nunique() == 10
    assert set(ratings["reader_role"]) == {"radiologist", "radiographer"}
    assert ratings["score"].between(1, 10).all()


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_mos_distribution_matches_paper(mos, dimension):
    mean, sd = PAPER_MOS[dimension]
    assert abs(mos[dimension].mean() - mean) <= 0.3
    assert abs(mos[dimension].std() - sd) <= 0.3


def test_categories_order_the_mos(default_design, mos):
    design, _, _ = default_design
    overall = mos.mean(axis=1).reindex(design["image_id"]).to_numpy()
    by_category = pd.Series(overall).groupby(design["category"].to_numpy()).mean()
    assert by_category["excellent"] > by_category["moderate"] > by_category["poor"]


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_mos_follows_latent_quality(default_design, mos, dimension):
    design, _, _ = default_design
    latent = design.set_index("image_id")[f"latent_{dimension}"]
    rho = spearmanr(latent, mos[dimension].reindex(latent.index)).statistic
    assert rho >= 0.9


def test_dimensions_are_distinct(mos):
    assert mos["gray_level"].corr(mos["sharpness"]) < 0.6


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_each_reader_against_the_others(default_design, dimension):
    _, ratings, _ = default_design
    wide = ratings[ratings["dimension"] == dimension].pivot(index="image_id", columns="reader_id", values="score")
    for reader in wide.columns:
        others = wide.drop(columns=reader).mean(axis=1)
        icc = icc_a1(np.column_stack([wide[reader].to_numpy(float), others.to_numpy()]))
        assert 0.55 <= icc <= 0.9, (reader, icc)


def test_icc_helper_reproduces_shrout_fleiss():
    # Shrout & Fleiss (1979) Table 2 data; published ICC(2,1) = 0.29.
    wide = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], float)
    assert icc_a1(wide) == pytest.approx(0.29, abs=0.005)


def test_reading_times(default_design):
    _, ratings, _ = default_design
    per_reading = ratings.drop_duplicates(["image_id", "reader_id"])
    assert 9 <= per_reading["seconds"].median() <= 13
    assert (per_reading["seconds"] > 0).all()


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_non_acceptable_share(default_design, dimension):
    _, _, calls = default_design
    calls = calls[calls["dimension"] == dimension]
    assert calls["reader_id"].nunique() == 3
    majority_acceptable = calls.groupby("image_id")["acceptable"].mean() > 0.5
    assert 0.10 <= 1 - majority_acceptable.mean() <= 0.40
    # and on a test-sized subset, as the paper's 105 test images
    subset = majority_acceptable.sample(105, random_state=0)
    assert 0.10 <= 1 - subset.mean() <= 0.40


def test_cohort_like_table_2(default_design):
    design, _, _ = default_design
    assert 45 <= design["patient_age"].mean() <= 58
    assert design["patient_age"].between(18, 91).all()
    assert 0.45 <= (design["patient_sex"] == "M").mean() <= 0.61
    assert set(design["vendor"]) == {"Canon", "Siemens", "GE", "Philips"}
    assert design["centre"].nunique() == 3


def test_same_seed_same_design_other_seed_differs(default_params, default_design):
    from dataclasses import replace

    from cxrqa.simulate.study import draw_design

    again = draw_design(default_params, ["RG1_UNCR.dcm"])
    for first, second in zip(default_design, again):
        pd.testing.assert_frame_equal(first, second)
    other = draw_design(replace(default_params, seed=default_params.seed + 1), ["RG1_UNCR.dcm"])
    assert not other[1]["score"].equals(default_design[1]["score"])
