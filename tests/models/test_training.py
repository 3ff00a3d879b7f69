"""One optimisation step lowers the loss; gradients reach every part of the network."""

import pytest
import torch

from cxrqa.models import CaHDCLoss, CaHDCRGA, make_optimizer


def _batch(seed):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(4, 1, 96, 96, generator=generator)
    target = torch.tensor([2.0, 4.5, 7.0, 9.0])
    mask = (torch.rand(4, 1, 96, 96, generator=generator) > 0.5).float()
    return x, target, mask


@pytest.mark.parametrize(("kind", "use_attention", "roi_weight"), [
    ("l_alpha", True, 0.0), ("mse", True, 0.0), ("l_alpha", False, 0.0), ("l_alpha", True, 1.0),
])
def test_one_adam_step_lowers_the_loss_on_a_tiny_batch(kind, use_attention, roi_weight):
    torch.manual_seed(0)
    model = CaHDCRGA(train_size=(96, 96), use_attention=use_attention).train()
    loss_fn = CaHDCLoss(kind=kind, roi_weight=roi_weight)
    optimizer, scheduler = make_optimizer(model)
    x, target, mask = _batch(0)

    def loss():
        out = model(x)
        return loss_fn(out.score, out.side_scores, target, attention=out.attention, roi_mask=mask).total

    before = loss()
    optimizer.zero_grad()
    before.backward()
    optimizer.step()
    scheduler.step()
    with torch.no_grad():
        after = loss()
    assert after < before, (float(before), float(after))


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    model = CaHDCRGA(train_size=(96, 96)).train()
    x, target, mask = _batch(1)
    out = model(x)
    CaHDCLoss(roi_weight=0.5)(out.score, out.side_scores, target, attention=out.attention, roi_mask=mask).total.backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, missing
