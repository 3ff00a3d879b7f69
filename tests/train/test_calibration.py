"""Linear equating to the MOS scale and its folding into the score layer."""

import numpy as np
import pytest
import torch
from torch import nn

from cxrqa.train.calibration import fold_into_score_layer, linear_equating


def test_equated_scores_have_the_mos_mean_and_sd_and_keep_the_ranking():
    rng = np.random.default_rng(0)
    mos = rng.uniform(3, 9, 200)
    compressed = 0.5 * mos + 3.0 + rng.normal(0, 0.3, 200)
    slope, intercept = linear_equating(compressed, mos)
    equated = slope * compressed + intercept
    assert equated.mean() == pytest.approx(mos.mean()) and equated.std() == pytest.approx(mos.std())
    assert np.corrcoef(equated, mos)[0, 1] == pytest.approx(np.corrcoef(compressed, mos)[0, 1])


def test_equating_maximises_agreement_among_linear_maps():
    """ICC(A,1) of the equated scores beats the raw scores and the least-squares fit."""
    from cxrqa.train.metrics import agreement

    rng = np.random.default_rng(1)
    mos = rng.uniform(3, 9, 300)
    compressed = 0.5 * mos + 3.0 + rng.normal(0, 0.6, 300)
    slope, intercept = linear_equating(compressed, mos)
    ls_slope, ls_intercept = np.polyfit(compressed, mos, 1)
    icc = lambda s: agreement(s, mos)["icc"]  # noqa: E731
    equated = icc(slope * compressed + intercept)
    assert equated > icc(compressed) and equated > icc(ls_slope * compressed + ls_intercept)


def test_constant_scores_are_refused():
    with pytest.raises(ValueError, match="constant"):
        linear_equating(np.full(5, 7.0), np.arange(5.0))


def test_folding_makes_the_layer_output_the_mapped_score():
    torch.manual_seed(0)
    layer = nn.Linear(4, 1)
    x = torch.randn(6, 4)
    before = layer(x).detach()
    fold_into_score_layer(layer, 1.7, -2.5)
    assert torch.allclose(layer(x).detach(), 1.7 * before - 2.5, atol=1e-6)
