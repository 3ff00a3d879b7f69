"""Folding the training-time batch norms gives the plain network the same outputs."""

import torch

from cxrqa.models.cahdc_rga import CaHDCRGA
from cxrqa.train.batchnorm import NORMS_ATTRIBUTE, attach_batchnorm, fold_batchnorm

CONFIG = dict(stem_channels=4, hc_channels=(8, 8, 16, 16), sip_channels=8, fc_hidden=8, unet_channels=(4, 4, 8), train_size=(64, 64))


def test_folded_model_matches_normalised_model_in_eval_mode():
    torch.manual_seed(0)
    model = CaHDCRGA(**CONFIG)
    norms = attach_batchnorm(model)
    assert len(norms) > 10 and hasattr(model, NORMS_ATTRIBUTE)
    model.train()
    for _ in range(3):  # give the running statistics and affine parameters non-trivial values
        model(torch.randn(4, 1, 64, 64) * 2 + 0.5)
    with torch.no_grad():
        for norm in norms.values():
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-0.2, 0.2)
    model.eval()
    x = torch.randn(2, 1, 80, 64)
    with torch.no_grad():
        expected = model(x)
        plain = fold_batchnorm(model, CaHDCRGA(**CONFIG)).eval()
        got = plain(x)
    assert not hasattr(plain, NORMS_ATTRIBUTE)
    assert torch.allclose(got.score, expected.score, atol=1e-4)
    assert torch.allclose(got.side_scores, expected.side_scores, atol=1e-4)
    assert torch.allclose(got.attention, expected.attention, atol=1e-5)


def test_norms_change_the_training_function():
    torch.manual_seed(0)
    plain = CaHDCRGA(**CONFIG)
    normed = CaHDCRGA(**CONFIG)
    normed.load_state_dict(plain.state_dict())
    attach_batchnorm(normed)
    x = torch.randn(4, 1, 64, 64)
    assert not torch.allclose(plain(x).side_scores, normed.train()(x).side_scores)
