"""Training loss of CaHDC-RGA: L_alpha on the score and the side scores, plus an ROI term.

References
----------
.. [1] Meng et al., "Automatic No-reference Quality Assessment in Chest Radiographs Based on Deep
   Convolutional Neural Networks", section "Loss function", Eqs. 1-2.
.. [2] Wu et al., "End-to-End Blind Image Quality Prediction With Cascaded Deep Neural Network",
   IEEE TIP 29, 2020 (CaHDC): auxiliary side-output losses.

Interpretations and deviations
------------------------------
- Eq. 1 is garbled by text extraction (``(s - s̄)^-2 / s^-α``). We read it, as DESIGN §4 does, as
  ``L_α(s) = (s - s̄)² / s̄^α`` with ``s̄`` the MOS target: the squared error divided by a power of
  the *target*, so an error on a low-quality image (small ``s̄``) costs more, which is the paper's
  stated purpose ("pay more attention to the low-score images"). Dividing by the prediction
  instead would let the network lower the loss by inflating its scores.
- Eq. 2 as printed sums ``L_α(Q)`` four times; we read it as ``L_α(Q) + Σ_i b_i L_α(Q_i)``.
- Each term is averaged over the batch.
- ``kind="mse"`` replaces L_α by the plain squared error (the gray-level default,
  ``train.gray_level.loss``); ``aux_weight=0`` drops the side-score terms (ablation).
- ROI guidance (not in the paper's equations; its "ROI-guided attention" needs some signal):
  ``roi_weight`` times the binary cross-entropy between the attention map and the ROI mask
  (area-resampled to the map's size), averaged over the images that have a mask. 0 disables it.

Examples
--------
>>> import torch
>>> loss = CaHDCLoss()
>>> target = torch.tensor([2.0, 8.0])
>>> terms = loss(torch.tensor([3.0, 9.0]), torch.full((2, 4), 5.0), target)
>>> round(float(terms.score), 4)  # (1/2 + 1/8) / 2
0.3125
"""

from __future__ import annotations

from typing import NamedTuple, get_args

import torch
import torch.nn.functional as F
from torch import nn

from cxrqa.config.schema import LossKind

__all__ = ["CaHDCLoss", "LossTerms", "l_alpha"]


def l_alpha(pred: torch.Tensor, target: torch.Tensor, *, alpha: float = 1.0) -> torch.Tensor:
    """Element-wise ``(pred - target)² / target^alpha`` (Meng et al., Eq. 1, our reading).

    Parameters
    ----------
    pred, target : Tensor
        Predicted and reference (MOS) scores, broadcastable; ``target`` must be positive.
    alpha : float
        Exponent; 0 gives the squared error.

    Raises
    ------
    ValueError
        When a target is not positive (the weight would be undefined).

    Examples
    --------
    >>> import torch
    >>> l_alpha(torch.tensor([3.0, 9.0]), torch.tensor([2.0, 8.0]))  # same error, low score costs more
    tensor([0.5000, 0.1250])
    """
    if not torch.all(target > 0):
        raise ValueError("L_alpha needs positive targets (the 1-10 MOS scale); got a target <= 0")
    return (pred - target).pow(2) / target.pow(alpha)


class LossTerms(NamedTuple):
    """The total loss and its parts (each a scalar tensor; unused parts are 0)."""

    total: torch.Tensor
    score: torch.Tensor
    side: torch.Tensor
    roi: torch.Tensor


class CaHDCLoss(nn.Module):
    """``L = L(Q) + aux_weight · Σ_i L(Q_i) + roi_weight · BCE(attention, ROI)``.

    Parameters
    ----------
    kind : {"l_alpha", "mse"}
        Per-image error: Eq. 1's L_alpha or the plain squared error.
    alpha : float
        Exponent of L_alpha (paper: 1).
    aux_weight : float
        b_i, the weight of each side score's term (paper: 0.1; 0 disables).
    roi_weight : float
        Weight of the ROI attention term (0 disables).
    """

    def __init__(
        self,
        *,
        kind: LossKind = "l_alpha",
        alpha: float = 1.0,
        aux_weight: float = 0.1,
        roi_weight: float = 0.0,
    ) -> None:
        super().__init__()
        if kind not in get_args(LossKind):
            raise ValueError(f"loss kind must be one of {get_args(LossKind)}, got {kind!r}")
        if aux_weight < 0 or roi_weight < 0:
            raise ValueError(
                f"loss weights must be 0 or more, got aux_weight={aux_weight}, roi_weight={roi_weight}"
            )
        self.kind = kind
        self.alpha = float(alpha)
        self.aux_weight = float(aux_weight)
        self.roi_weight = float(roi_weight)

    def error(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Per-element error of the configured kind."""
        if self.kind == "mse":
            return (pred - target).pow(2)
        return l_alpha(pred, target, alpha=self.alpha)

    def forward(
        self,
        score: torch.Tensor,
        side_scores: torch.Tensor,
        target: torch.Tensor,
        *,
        attention: torch.Tensor | None = None,
        roi_mask: torch.Tensor | None = None,
        roi_valid: torch.Tensor | None = None,
    ) -> LossTerms:
        """Loss of one batch.

        Parameters
        ----------
        score : Tensor
            ``(N,)`` predicted Q.
        side_scores : Tensor
            ``(N, 4)`` predicted Q1..Q4.
        target : Tensor
            ``(N,)`` MOS.
        attention : Tensor, optional
            ``(N, 1, H, W)`` attention map in [0, 1]; needed when ``roi_weight > 0``.
        roi_mask : Tensor, optional
            ``(N, 1, h, w)`` or ``(N, h, w)`` ROI masks in [0, 1] (any size; area-resampled).
            Without masks the ROI term is 0.
        roi_valid : Tensor, optional
            ``(N,)`` booleans: which images have a real mask (default: all).

        Returns
        -------
        LossTerms
        """
        target = target.to(score.dtype)
        if score.shape != target.shape or score.ndim != 1:
            raise ValueError(
                f"score and target must both have shape (N,), got {tuple(score.shape)} and {tuple(target.shape)}"
            )
        if side_scores.ndim != 2 or side_scores.shape[0] != score.shape[0]:
            raise ValueError(f"side_scores must have shape (N, levels), got {tuple(side_scores.shape)}")
        zero = score.new_zeros(())
        main = self.error(score, target).mean()
        side = (
            self.error(side_scores, target[:, None]).sum(dim=1).mean() if self.aux_weight > 0 else zero
        )
        roi = zero
        if self.roi_weight > 0 and roi_mask is not None:
            if attention is None:
                raise ValueError("roi_weight > 0 with ROI masks needs the attention map (use_attention)")
            roi = self.roi_term(attention, roi_mask, roi_valid)
        total = main + self.aux_weight * side + self.roi_weight * roi
        return LossTerms(total=total, score=main, side=side, roi=roi)

    @staticmethod
    def roi_term(
        attention: torch.Tensor, roi_mask: torch.Tensor, roi_valid: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Mean binary cross-entropy between the attention map and the (resampled) ROI mask."""
        if roi_mask.ndim == 3:
            roi_mask = roi_mask[:, None]
        if roi_mask.ndim != 4 or roi_mask.shape[0] != attention.shape[0]:
            raise ValueError(
                f"roi_mask must be (N, 1, h, w) or (N, h, w) with N={attention.shape[0]}, "
                f"got {tuple(roi_mask.shape)}"
            )
        target = F.adaptive_avg_pool2d(roi_mask.to(attention.dtype), attention.shape[-2:])
        prob = attention.float().clamp(1e-6, 1 - 1e-6)
        per_image = F.binary_cross_entropy(prob, target.float(), reduction="none").mean(dim=(1, 2, 3))
        if roi_valid is None:
            return per_image.mean()
        valid = roi_valid.to(per_image.device, torch.bool)
        if not valid.any():
            return per_image.new_zeros(())
        return per_image[valid].mean()
