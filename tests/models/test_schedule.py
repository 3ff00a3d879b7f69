"""Eq. 3 learning rate, its LambdaLR, and the Adam settings."""

import math

import pytest
import torch

from cxrqa.models import learning_rate, make_optimizer, steps_to_floor


def test_paper_schedule_values():
    assert learning_rate(0) == pytest.approx(1e-3)
    assert learning_rate(100) == pytest.approx(8e-4)
    assert learning_rate(250) == pytest.approx(1e-3 * 0.8**2.5)
    assert learning_rate(10**6) == pytest.approx(3e-5)
    floor = steps_to_floor()
    assert learning_rate(floor) == pytest.approx(3e-5)
    assert learning_rate(floor - 1) > 3e-5
    assert floor == math.ceil(100 * math.log(0.03) / math.log(0.8))


def test_lambda_lr_follows_learning_rate_step_by_step():
    optimizer, scheduler = make_optimizer(torch.nn.Linear(3, 1), decay_steps=10.0)
    seen = []
    for _ in range(200):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    want = [learning_rate(t, decay_steps=10.0) for t in range(200)]
    assert seen == pytest.approx(want, rel=1e-12)
    assert all(a >= b for a, b in zip(seen, seen[1:]))
    assert seen[-1] == pytest.approx(3e-5)


def test_adam_settings_of_the_paper():
    optimizer, _ = make_optimizer(torch.nn.Linear(3, 1))
    group = optimizer.param_groups[0]
    assert isinstance(optimizer, torch.optim.Adam)
    assert group["betas"] == (0.9, 0.999) and group["eps"] == 1e-8 and group["weight_decay"] == 0


def test_frozen_parameters_are_left_out():
    model = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Linear(3, 1))
    model[0].requires_grad_(False)
    optimizer, _ = make_optimizer(model)
    assert sum(p.numel() for g in optimizer.param_groups for p in g["params"]) == 4


@pytest.mark.parametrize(
    "kwargs",
    [{"base_lr": 0.0}, {"min_lr": 1e-2}, {"decay": 1.5}, {"decay": 0.0}, {"decay_steps": 0.0}],
)
def test_bad_settings_raise(kwargs):
    with pytest.raises(ValueError):
        learning_rate(0, **kwargs)
    with pytest.raises(ValueError):
        make_optimizer(torch.nn.Linear(2, 1), **kwargs)


def test_negative_step_and_frozen_model_raise():
    with pytest.raises(ValueError, match="step"):
        learning_rate(-1)
    with pytest.raises(ValueError, match="no trainable"):
        make_optimizer(torch.nn.Linear(2, 1).requires_grad_(False))


def test_batched_adam_steps_to_the_weights_of_the_per_tensor_loop():
    """The optimiser runs torch's foreach Adam; on the CPU it must give the for-loop's weights bit
    for bit, or trained models would depend on the dispatch."""
    from cxrqa.config import DEFAULT_PARAMS, load_section
    from cxrqa.models import build_model

    model_params = load_section(DEFAULT_PARAMS, "model")
    weights = []
    for foreach in (True, False):
        torch.manual_seed(0)
        model = build_model(model_params, init_score=5.0)
        optimizer, scheduler = make_optimizer(model, base_lr=1e-3, decay_steps=3.0)
        if not foreach:
            optimizer.param_groups[0]["foreach"] = False
        assert optimizer.param_groups[0]["foreach"] is foreach
        generator = torch.Generator().manual_seed(1)
        for _ in range(5):
            images = torch.randn(2, 1, 64, 64, generator=generator)
            loss = (model(images).score - 5.0).square().mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
        weights.append([p.detach().clone() for p in model.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*weights))
