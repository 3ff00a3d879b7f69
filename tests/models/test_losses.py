"""The L_alpha loss weights low-quality images more; switches and the ROI term behave."""

import pytest
import torch

from cxrqa.models import CaHDCLoss, l_alpha


def test_l_alpha_weights_low_scores_more():
    targets = torch.tensor([2.0, 5.0, 9.0])
    for error in (0.5, -0.5, 2.0):
        losses = l_alpha(targets + error, targets, alpha=1.0)
        assert losses[0] > losses[1] > losses[2]
        assert torch.allclose(losses, error**2 / targets)


def test_alpha_zero_and_mse_kind_are_the_squared_error():
    pred, target = torch.tensor([3.0, 6.0]), torch.tensor([2.0, 8.0])
    assert torch.allclose(l_alpha(pred, target, alpha=0.0), (pred - target) ** 2)
    terms = CaHDCLoss(kind="mse", aux_weight=0.0)(pred, torch.zeros(2, 4), target)
    assert torch.isclose(terms.total, ((pred - target) ** 2).mean())


def test_total_combines_score_and_weighted_side_terms():
    score = torch.tensor([3.0, 7.0])
    side = torch.tensor([[2.0, 3.0, 4.0, 5.0], [7.0, 8.0, 9.0, 6.0]])
    target = torch.tensor([4.0, 8.0])
    terms = CaHDCLoss(alpha=1.0, aux_weight=0.1)(score, side, target)
    want_score = ((score - target) ** 2 / target).mean()
    want_side = ((side - target[:, None]) ** 2 / target[:, None]).sum(dim=1).mean()
    assert torch.isclose(terms.score, want_score)
    assert torch.isclose(terms.side, want_side)
    assert torch.isclose(terms.total, want_score + 0.1 * want_side)
    off = CaHDCLoss(aux_weight=0.0)(score, side, target)
    assert torch.isclose(off.total, want_score) and off.side == 0


def test_roi_term_prefers_attention_on_the_roi_and_has_gradient():
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., 8:24, 4:14] = 1
    good = (0.05 + 0.9 * mask).requires_grad_()
    bad = (0.95 - 0.9 * mask)
    loss = CaHDCLoss(roi_weight=1.0)
    args = (torch.tensor([5.0]), torch.full((1, 4), 5.0), torch.tensor([5.0]))
    good_terms = loss(*args, attention=good, roi_mask=mask)
    bad_terms = loss(*args, attention=bad, roi_mask=mask)
    assert good_terms.roi < bad_terms.roi
    assert torch.isclose(good_terms.total, good_terms.roi)  # perfect scores: only the ROI term left
    good_terms.total.backward()
    assert good.grad is not None and good.grad.abs().sum() > 0


def test_roi_term_resamples_masks_and_skips_images_without_one():
    attention = torch.full((2, 1, 16, 16), 0.5)
    attention[0] = 0.9
    mask = torch.ones(2, 64, 64)
    both = CaHDCLoss.roi_term(attention, mask)
    first_only = CaHDCLoss.roi_term(attention, mask, torch.tensor([True, False]))
    none = CaHDCLoss.roi_term(attention, mask, torch.tensor([False, False]))
    assert first_only < both  # the first image agrees with its mask better
    assert none == 0


def test_roi_term_is_off_without_weight_or_masks():
    args = (torch.tensor([5.0]), torch.full((1, 4), 5.0), torch.tensor([5.0]))
    attention = torch.rand(1, 1, 8, 8)
    assert CaHDCLoss(roi_weight=0.0)(*args, attention=attention, roi_mask=torch.ones(1, 8, 8)).roi == 0
    assert CaHDCLoss(roi_weight=1.0)(*args, attention=attention).roi == 0
    with pytest.raises(ValueError, match="attention map"):
        CaHDCLoss(roi_weight=1.0)(*args, roi_mask=torch.ones(1, 8, 8))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"kind": "l1"}, "loss kind"), ({"aux_weight": -0.1}, "0 or more"), ({"roi_weight": -1.0}, "0 or more")],
)
def test_bad_settings_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CaHDCLoss(**kwargs)


def test_bad_targets_and_shapes_raise():
    loss = CaHDCLoss()
    with pytest.raises(ValueError, match="positive targets"):
        loss(torch.tensor([1.0]), torch.ones(1, 4), torch.tensor([0.0]))
    with pytest.raises(ValueError, match=r"shape \(N,\)"):
        loss(torch.ones(2, 1), torch.ones(2, 4), torch.ones(2))
    with pytest.raises(ValueError, match="side_scores"):
        loss(torch.ones(2), torch.ones(3, 4), torch.ones(2))
