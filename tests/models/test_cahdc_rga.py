"""Shapes, sizes, attention range and input checks of the CaHDC-RGA network."""

import pytest
import torch

from cxrqa.models import MIN_INPUT_SIDE, CaHDCRGA, count_parameters, sip_repeats
from cxrqa.models.cahdc_rga import SiPNet


@pytest.fixture(scope="module")
def small_model():
    torch.manual_seed(0)
    return CaHDCRGA(train_size=(128, 128)).eval()


@pytest.mark.parametrize("size", [(128, 128), (129, 97), (64, 64), (200, 136), (96, 160)])
def test_output_shapes_for_several_input_sizes(small_model, size):
    x = torch.randn(2, 1, *size)
    with torch.no_grad():
        out = small_model(x)
    assert out.score.shape == (2,)
    assert out.side_scores.shape == (2, 4)
    assert out.attention.shape == (2, 1, *size)
    assert torch.isfinite(out.score).all() and torch.isfinite(out.side_scores).all()


def test_forward_features_and_head_compose_to_forward(small_model):
    x = torch.randn(1, 1, 128, 128)
    with torch.no_grad():
        features, attention = small_model.forward_features(x)
        score, side = small_model.forward_head(features)
        out = small_model(x)
    assert features.shape == (1, 4 * 64)
    assert torch.equal(score, out.score) and torch.equal(side, out.side_scores)
    assert torch.equal(attention, out.attention)


def test_sipnet_maps_are_8_to_15_a_side_at_the_training_size():
    model = CaHDCRGA(train_size=(768, 512)).eval()
    assert model.sip_repeats == (5, 4, 3, 2)
    sizes = []

    def grab(module, inputs, output):
        sizes.append(tuple(output.shape[-2:]))

    for sipnet in model.sipnets:
        sipnet.downs[-1].register_forward_hook(grab)
    with torch.no_grad():
        model(torch.randn(1, 1, 768, 512))
    assert len(sizes) == 4
    for height, width in sizes:
        assert 8 <= height <= 15 and 8 <= width <= 15, sizes


@pytest.mark.parametrize("size", [(512, 512), (384, 256), (1024, 1024), (256, 384)])
def test_sip_repeats_rule_for_other_training_sizes(size):
    height, width = size
    for level, repeats in enumerate(sip_repeats(size), start=1):
        h, w = height, width
        for _ in range(level + repeats):
            h, w = (h + 1) // 2, (w + 1) // 2
        assert 8 <= min(h, w) and max(h, w) <= 15


def test_sip_repeats_refuses_a_training_size_no_r_serves():
    with pytest.raises(ValueError, match="aspect ratio"):
        sip_repeats((1024, 512))
    with pytest.raises(ValueError, match="at least"):
        sip_repeats((32, 512))


@pytest.mark.parametrize("mode", ["residual", "multiply"])
def test_attention_map_lies_in_unit_interval_even_for_extreme_inputs(mode):
    torch.manual_seed(1)
    model = CaHDCRGA(train_size=(128, 128), attention_mode=mode).eval()
    for module in model.unet.modules():  # push the logits far from 0
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            module.weight.data.mul_(50)
    with torch.no_grad():
        attention = model(100 * torch.randn(2, 1, 128, 128)).attention
    assert attention.min() >= 0 and attention.max() <= 1
    assert attention.min() < 0.01 and attention.max() > 0.99  # really saturated both ways


def test_attention_changes_the_score_and_modes_differ():
    torch.manual_seed(2)
    residual = CaHDCRGA(train_size=(128, 128), attention_mode="residual").eval()
    multiply = CaHDCRGA(train_size=(128, 128), attention_mode="multiply").eval()
    multiply.load_state_dict(residual.state_dict())
    for fc in (*residual.side_fcs, residual.fc6):  # make the scores depend on the features
        torch.nn.init.normal_(fc.weight, std=1.0)
    multiply.load_state_dict(residual.state_dict())
    x = torch.randn(1, 1, 128, 128)
    with torch.no_grad():
        assert not torch.allclose(residual(x).side_scores, multiply(x).side_scores)


def test_without_attention_there_is_no_unet_and_no_map():
    with_attention = CaHDCRGA(train_size=(128, 128))
    without = CaHDCRGA(train_size=(128, 128), use_attention=False)
    assert without.unet is None
    assert count_parameters(without) < count_parameters(with_attention)
    out = without.eval()(torch.randn(1, 1, 128, 128))
    assert out.attention is None and out.score.shape == (1,)


def test_paper_layer_widths():
    model = CaHDCRGA()
    stem_convs = [m for m in model.stem.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(stem_convs) == 5
    assert all(c.out_channels == 32 and c.stride == (1, 1) and c.kernel_size == (3, 3) for c in stem_convs)
    assert [c.out_channels for c in model.hcnet] == [64, 128, 256, 512]
    assert all(c.stride == (2, 2) for c in model.hcnet)
    assert all(s.reduce.kernel_size == (1, 1) and s.reduce.out_channels == 64 for s in model.sipnets)
    assert [(fc.in_features, fc.out_features) for fc in model.side_fcs] == [(64, 1)] * 4
    assert (model.fc5.in_features, model.fc5.out_features) == (256, 128)
    assert (model.fc6.in_features, model.fc6.out_features) == (128, 1)


def test_initial_scores_start_near_init_score(small_model):
    with torch.no_grad():
        out = small_model(torch.randn(3, 1, 128, 128))
    assert torch.allclose(out.score, torch.full((3,), 5.5), atol=1.0)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (torch.zeros(1, 1, MIN_INPUT_SIDE - 1, 128), "at least 64 x 64"),
        (torch.zeros(1, 1, 128, 10), "at least 64 x 64"),
        (torch.zeros(1, 3, 128, 128), "N x 1 x H x W"),
        (torch.zeros(1, 128, 128), "N x 1 x H x W"),
        (torch.zeros(1, 1, 128, 128, dtype=torch.int64), "floating-point"),
    ],
)
def test_bad_inputs_raise_clear_value_errors(small_model, x, message):
    with pytest.raises(ValueError, match=message):
        small_model(x)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hc_channels": (64, 128, 256)}, "hc_channels"),
        ({"unet_channels": (16, 32)}, "unet_channels"),
        ({"attention_mode": "gate"}, "attention_mode"),
        ({"sip_pooling": "median"}, "sip_pooling"),
        ({"stem_channels": 0}, "at least 1"),
        ({"train_size": (32, 32)}, "at least 64"),
    ],
)
def test_bad_constructor_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CaHDCRGA(**kwargs)


@pytest.mark.parametrize(("pooling", "reduce"), [("max", torch.amax), ("mean", torch.mean)])
def test_sipnet_pools_its_last_map_globally(pooling, reduce):
    torch.manual_seed(2)
    sipnet = SiPNet(in_chans=4, channels=6, repeats=2, pooling=pooling)
    x = torch.randn(3, 4, 40, 32)
    last = x
    with torch.no_grad():
        last = torch.relu(sipnet.reduce(last))
        for down in sipnet.downs:
            last = torch.relu(down(last))
        assert last.shape[-2:] == (10, 8)
        torch.testing.assert_close(sipnet(x), reduce(last, dim=(-2, -1)))


def test_mean_pooling_weighs_every_position_and_max_only_the_largest():
    sipnet_max = SiPNet(in_chans=1, channels=1, repeats=0, pooling="max")
    sipnet_mean = SiPNet(in_chans=1, channels=1, repeats=0, pooling="mean")
    one_spot, two_spots = torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8)
    one_spot[..., 2, 2] = 1.0
    two_spots[..., 2, 2] = two_spots[..., 5, 5] = 1.0
    assert torch.equal(sipnet_max.pool(one_spot), sipnet_max.pool(two_spots))
    assert torch.equal(sipnet_mean.pool(two_spots), 2 * sipnet_mean.pool(one_spot))


def test_constructor_is_keyword_only():
    with pytest.raises(TypeError):
        CaHDCRGA(1)  # noqa


@pytest.mark.parametrize("batch_norm", [True, False])
def test_in_place_relu_gives_the_out_of_place_gradients_bit_for_bit(monkeypatch, batch_norm):
    """The network's ReLUs run in place (they save an allocation per activation in training); the
    scores and every gradient must equal those of out-of-place ReLUs bit for bit, with and without
    the training-time BatchNorm, or trained models would depend on it."""
    import torch.nn.functional as functional

    from cxrqa.models import cahdc_rga
    from cxrqa.train.batchnorm import attach_batchnorm

    def out_of_place(x, inplace=False):
        return torch.relu(x)

    results = []
    for relu in (functional.relu, out_of_place):
        monkeypatch.setattr(cahdc_rga.F, "relu", relu)
        torch.manual_seed(0)
        model = CaHDCRGA(train_size=(64, 64))
        if batch_norm:
            attach_batchnorm(model)
        model.train()
        images = torch.randn(3, 1, 96, 64, generator=torch.Generator().manual_seed(1))
        out = model(images)
        (out.score.square().sum() + out.side_scores.sum() + out.attention.mean()).backward()
        results.append([out.score.detach()] + [p.grad.clone() for p in model.parameters()])
        monkeypatch.undo()
    assert all(torch.equal(a, b) for a, b in zip(*results))
