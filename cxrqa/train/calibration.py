"""Linear equating of a model's scores to the readers' scale, fitted on the validation split.

A network trained briefly on noisy opinion scores regresses towards the mean: its sharpness scores
on validation spread about 0.7 times as widely as the MOS (slope of score on MOS 0.57 at r 0.83).
Pearson r does not see that, but ICC(A,1) does, since it measures absolute agreement: with the
spread matched, the same ranking gives ICC about r instead of about 0.78. Objective quality models
are mapped to the opinion scale before they are compared with it (ITU-T P.1401 fits a mapping on
the evaluated data itself); here the map is the linear equating of the validation split's scores to
its MOS, same mean and same standard deviation (Kolen & Brennan 2014, ch. 2), which maximises
ICC(A,1) among linear maps of the fitted data, and the test split is never used. The map is
folded into the last score layer (FC6) of the kept checkpoint, so the saved model is the plain
CaHDC-RGA and every scoring path applies it.

References
----------
.. [1] ITU-T P.1401 (2020) Methods, metrics and procedures for statistical evaluation,
   qualification and comparison of objective quality prediction models, clause 7.
.. [2] Kolen MJ, Brennan RL (2014) Test Equating, Scaling, and Linking, 3rd ed. Springer, ch. 2.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["fold_into_score_layer", "linear_equating"]


def linear_equating(predicted: np.ndarray, mos: np.ndarray) -> tuple[float, float]:
    """Slope and intercept that give ``predicted`` the mean and standard deviation of ``mos``.

    >>> linear_equating(np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0]))
    (2.0, 0.0)
    """
    predicted = np.asarray(predicted, dtype=np.float64)
    mos = np.asarray(mos, dtype=np.float64)
    if predicted.shape != mos.shape or predicted.size < 2:
        raise ValueError(f"need two equally long series of at least 2 scores, got {predicted.shape} and {mos.shape}")
    spread = predicted.std()
    if spread == 0:
        raise ValueError("the predicted scores are constant: no linear map gives them the MOS's spread")
    slope = float(mos.std() / spread)
    return slope, float(mos.mean() - slope * predicted.mean())


def fold_into_score_layer(score_layer: nn.Linear, slope: float, intercept: float) -> None:
    """Make ``score_layer`` output ``slope * old + intercept`` (in place)."""
    with torch.no_grad():
        score_layer.weight.mul_(slope)
        score_layer.bias.mul_(slope).add_(intercept)
