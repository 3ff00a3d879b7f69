"""The fused CPU path gives the eager model's scores; Predictor batches and keeps order."""

import warnings

import numpy as np
import pytest
import torch

import cxrqa.models.inference as inference
from cxrqa.models import CaHDCRGA, FusedCPUForward, Predictor, select_device


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(4)
    m = CaHDCRGA(train_size=(128, 128)).eval()
    for fc in (*m.side_fcs, m.fc6):  # make scores depend visibly on the features
        torch.nn.init.normal_(fc.weight, std=0.5)
    return m


@pytest.mark.parametrize("size", [(128, 128), (131, 97), (256, 192), (64, 80)])
def test_fused_path_matches_eager(model, size):
    fast = FusedCPUForward(model)
    assert fast.fused  # this PyTorch build has the oneDNN fused operators
    x = torch.randn(2, 1, *size)
    with torch.inference_mode():
        want, got = model(x), fast(x)
    torch.testing.assert_close(got.score, want.score, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(got.side_scores, want.side_scores, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(got.attention, want.attention, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kwargs", [{"use_attention": False}, {"attention_mode": "multiply"}, {"sip_pooling": "mean"}])
def test_fused_path_matches_eager_for_ablations(kwargs):
    torch.manual_seed(5)
    m = CaHDCRGA(train_size=(128, 128), **kwargs).eval()
    x = torch.randn(1, 1, 128, 128)
    with torch.inference_mode():
        torch.testing.assert_close(FusedCPUForward(m)(x).score, m(x).score, rtol=1e-4, atol=1e-4)


def test_missing_operators_fall_back_to_eager(model, monkeypatch):
    monkeypatch.setattr(inference, "_fused_ops_available", lambda: False)
    fast = FusedCPUForward(model)
    assert not fast.fused
    x = torch.randn(1, 1, 128, 128)
    with torch.inference_mode():
        assert torch.equal(fast(x).score, model(x).score)


def test_disagreeing_operators_fall_back_with_a_warning(model, monkeypatch):
    real = FusedCPUForward._conv

    def broken(self, x, conv, attr="relu"):
        return real(self, x, conv, attr) + 1.0

    monkeypatch.setattr(FusedCPUForward, "_conv", broken)
    with pytest.warns(RuntimeWarning, match="disagree"):
        fast = FusedCPUForward(model)
    assert not fast.fused


def test_fused_path_checks_its_input(model):
    fast = FusedCPUForward(model)
    with pytest.raises(ValueError, match="at least 64"):
        fast(torch.zeros(1, 1, 32, 128))
    with pytest.raises(ValueError, match="CaHDCRGA"):
        FusedCPUForward(torch.nn.Linear(2, 2))


def test_predictor_scores_mixed_sizes_in_order(model):
    rng = np.random.default_rng(0)
    images = [rng.standard_normal(s).astype(np.float32) for s in [(128, 128), (128, 128), (96, 64 + 16), (128, 128)]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = Predictor(model, device="cpu", batch_size=2).predict(images)
    with torch.inference_mode():
        want = [float(model(torch.from_numpy(im)[None, None]).score) for im in images]
    np.testing.assert_allclose(out.scores, want, rtol=1e-4, atol=1e-4)
    assert out.seconds.shape == (4,) and np.all(out.seconds > 0)
    assert out.seconds[0] == out.seconds[1]  # one batch of two


def test_predictor_and_device_errors(model):
    with pytest.raises(ValueError, match="batch_size"):
        Predictor(model, device="cpu", batch_size=0)
    with pytest.raises(ValueError, match="H x W"):
        Predictor(model, device="cpu").predict([np.zeros((1, 1, 128, 128), np.float32)])
    assert select_device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            select_device("cuda")
