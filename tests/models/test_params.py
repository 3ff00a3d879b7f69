"""The ``model`` section of params.yaml builds the network, loss and optimiser."""

from pathlib import Path

import pytest
import yaml

from cxrqa.config import ConfigError, load_section
from cxrqa.config.schema import ModelParams
from cxrqa.models import build_loss, build_model, build_optimizer

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path, section):
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"model": section}))
    return path


@pytest.fixture
def section():
    return yaml.safe_load((ROOT / "params.yaml").read_text())["model"]


def test_make_paper_gpu_sets_the_papers_configuration(section, tmp_path, paper_gpu):
    # params.yaml holds a slim CPU default; `make paper-gpu` must restore the paper's network.
    overrides = paper_gpu.paper_gpu_overrides(ROOT / "Makefile", epochs=60)
    model_overrides = {key: value for key, value in overrides.items() if key.startswith("model.")}
    section = paper_gpu.apply_overrides({"model": section}, model_overrides)["model"]
    params = load_section(_write(tmp_path, section), "model")
    assert isinstance(params, ModelParams)
    assert params.stem_channels == 32 and params.hc_channels == (64, 128, 256, 512)
    assert params.sip_channels == 64 and params.fc_hidden == 128 and params.train_size == (768, 512)
    assert (params.loss.alpha, params.loss.aux_weight) == (1.0, 0.1)
    optim = params.optim
    assert (optim.base_lr, optim.min_lr, optim.decay, optim.decay_steps) == (1e-3, 3e-5, 0.8, 100.0)
    assert (optim.beta1, optim.beta2, optim.eps) == (0.9, 0.999, 1e-8)
    model = build_model(params, init_score=5.5)
    assert model.sip_repeats == (5, 4, 3, 2)
    loss = build_loss(params, kind="mse")
    assert (loss.kind, loss.alpha, loss.aux_weight) == ("mse", 1.0, 0.1)
    optimizer, _ = build_optimizer(model, params)
    assert optimizer.param_groups[0]["lr"] == 1e-3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["loss"].update(kind="mse"), "unknown key 'model.loss.kind'"),
        (lambda s: s["loss"].update(aux_weight=-1), "model.loss.aux_weight"),
        (lambda s: s["optim"].update(min_lr=1.0), "min_lr <= base_lr"),
        (lambda s: s["optim"].pop("eps"), "missing key 'model.optim.eps'"),
        (lambda s: s.update(train_size=[32, 512]), "model.train_size"),
        (lambda s: s.update(hc_channels=[64, 128]), "model.hc_channels"),
        (lambda s: s.update(use_attention=False, loss={**s["loss"], "roi_weight": 1.0}), "use_attention"),
        (lambda s: s.update(attention_mode="gate"), "model.attention_mode"),
        (lambda s: s.update(sip_pooling="median"), "model.sip_pooling"),
    ],
)
def test_mistakes_name_the_key(section, tmp_path, change, message):
    change(section)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_section(_write(tmp_path, section), "model")
