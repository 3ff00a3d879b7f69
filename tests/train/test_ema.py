"""The weight average: the exponential formula, the swap in and out, and its checks."""

import pytest
import torch
from torch import nn

from cxrqa.train.ema import WeightAverage


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))


@pytest.mark.parametrize("updates, same", [(79, True), (200, False)])
def test_a_decay_above_the_warm_up_changes_nothing_until_the_warm_up_reaches_it(updates, same):
    """(1 + t) / (10 + t) reaches 0.9 after (10 * 0.9 - 1) / (1 - 0.9) = 80 updates (README, Training)."""
    model = _model()
    averages = [WeightAverage(model, decay=decay) for decay in (0.9, 0.95)]
    for _ in range(updates):
        with torch.no_grad():
            model[0].weight.add_(torch.randn_like(model[0].weight))
        for average in averages:
            average.update(model)
    assert torch.equal(averages[0].average["0.weight"], averages[1].average["0.weight"]) == same


def test_average_follows_the_exponential_formula_with_warm_up():
    model = _model()
    average = WeightAverage(model, decay=0.5)
    expected = model[0].weight.detach().clone()
    for step in range(1, 6):
        with torch.no_grad():
            model[0].weight.add_(1.0)
        average.update(model)
        decay = min(0.5, (1 + step) / (10 + step))
        expected = decay * expected + (1 - decay) * model[0].weight.detach()
        assert torch.allclose(average.average["0.weight"], expected)
    # integer buffers are copied, not averaged
    model.train()
    model(torch.randn(2, 1, 5, 5))
    average.update(model)
    assert int(average.average["1.num_batches_tracked"]) == 1


def test_applied_swaps_the_average_in_and_restores_the_weights():
    model = _model()
    average = WeightAverage(model, decay=0.9)
    start = model[0].weight.detach().clone()
    with torch.no_grad():
        model[0].weight.add_(3.0)
    trained = model[0].weight.detach().clone()
    with average.applied(model) as averaged:
        assert torch.equal(averaged[0].weight, start)
    assert torch.equal(model[0].weight, trained)


def test_state_round_trips():
    model = _model()
    average = WeightAverage(model, decay=0.9)
    with torch.no_grad():
        model[0].weight.mul_(2.0)
    average.update(model)
    restored = WeightAverage(_model(), decay=0.9)
    restored.load_state_dict(average.state_dict())
    assert restored.updates == 1
    assert torch.equal(restored.average["0.weight"], average.average["0.weight"])


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.1])
def test_decay_outside_the_open_interval_is_refused(decay):
    with pytest.raises(ValueError, match="must lie in"):
        WeightAverage(_model(), decay)


def test_update_is_bit_for_bit_each_tensors_own_lerp():
    """The batched update gives the bytes of ``average.lerp_(weight, 1 - decay)`` per tensor, so
    a trained model does not depend on how the update is dispatched."""
    model = _model()
    average = WeightAverage(model, decay=0.99)
    expected = {name: value.detach().clone() for name, value in model.state_dict().items()}
    for step in range(1, 4):
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.add_(torch.randn_like(parameter))
        average.update(model)
        decay = min(0.99, (1 + step) / (10 + step))
        for name, value in model.state_dict().items():
            if value.is_floating_point():
                expected[name].lerp_(value, 1.0 - decay)
            else:
                expected[name].copy_(value)
    assert all(torch.equal(average.average[name], expected[name]) for name in expected)
