"""Checkpoints carry their config and reload (weights_only) to identical predictions."""

import pickle

import pytest
import torch

from cxrqa.models import CaHDCRGA, load_checkpoint, save_checkpoint


@pytest.mark.parametrize("kwargs", [{}, {"use_attention": False}, {"attention_mode": "multiply", "unet_channels": (8, 16, 32)}, {"sip_pooling": "mean"}])
def test_saved_checkpoint_reloads_to_identical_predictions(tmp_path, kwargs):
    torch.manual_seed(3)
    model = CaHDCRGA(train_size=(128, 128), **kwargs).eval()
    for p in model.parameters():  # move away from the initial state so the weights matter
        p.data.add_(0.01 * torch.randn_like(p))
    params = {"stem_channels": 32, "loss": {"alpha": 1.0, "aux_weight": 0.1}}
    prep = {"size": [128, 128], "standardise": "per_image", "mean": 0.0, "std": 1.0}
    path = save_checkpoint(tmp_path / "sub" / "model.pt", model, params, prep, {"dimension": "sharpness"})
    assert path.is_file() and [p.name for p in path.parent.iterdir()] == ["model.pt"]  # no temp left

    loaded = load_checkpoint(path)
    assert loaded.params == params and loaded.preprocessing == prep
    assert loaded.extra == {"dimension": "sharpness"}
    assert loaded.model.config == model.config and not loaded.model.training
    x = torch.randn(2, 1, 144, 112)
    with torch.no_grad():
        want, got = model(x), loaded.model(x)
    assert torch.equal(want.score, got.score) and torch.equal(want.side_scores, got.side_scores)


def test_checkpoint_is_readable_with_weights_only(tmp_path):
    path = save_checkpoint(tmp_path / "m.pt", CaHDCRGA(train_size=(128, 128)), {}, {})
    payload = torch.load(path, weights_only=True)
    assert payload["arch"] == "CaHDCRGA" and payload["model_config"]["train_size"] == [128, 128]


def test_non_plain_values_are_refused(tmp_path):
    from pathlib import Path

    with pytest.raises(ValueError, match="params.folder"):
        save_checkpoint(tmp_path / "m.pt", CaHDCRGA(train_size=(128, 128)), {"folder": Path("x")}, {})
    assert not list(tmp_path.iterdir())


def test_other_files_are_refused(tmp_path):
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(ValueError, match="not a CaHDC-RGA checkpoint"):
        load_checkpoint(other)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps(object(), protocol=2))
    with pytest.raises(ValueError, match="Weights only load failed") as caught:
        load_checkpoint(evil)
    assert str(evil) in str(caught.value) and isinstance(caught.value.__cause__, pickle.UnpicklingError)


@pytest.mark.parametrize(
    "damage",
    [lambda data: data[: len(data) // 2], lambda data: data[:-10], lambda data: b"", lambda data: b"plain text"],
    ids=["half", "tail-cut", "empty", "text"],
)
def test_unreadable_files_are_value_errors_naming_the_file(tmp_path, damage):
    path = save_checkpoint(tmp_path / "m.pt", CaHDCRGA(train_size=(128, 128)), {}, {})
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ValueError, match="cannot read the checkpoint") as caught:
        load_checkpoint(path)
    assert str(caught.value).startswith(f"{path}: ") and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda payload: payload["state_dict"].pop("fc6.weight"), "RuntimeError: .*Missing key.*fc6.weight"),
        (lambda payload: payload.pop("extra"), "KeyError: 'extra'"),
        (lambda payload: payload["model_config"].update(stem_channels="many"), "TypeError: "),
    ],
    ids=["weights", "extra", "config"],
)
def test_damaged_payload_is_a_value_error_naming_the_file(tmp_path, damage, message):
    path = save_checkpoint(tmp_path / "m.pt", CaHDCRGA(train_size=(128, 128)), {}, {})
    payload = torch.load(path, weights_only=True)
    damage(payload)
    torch.save(payload, path)
    with pytest.raises(ValueError, match=f"damaged CaHDC-RGA checkpoint: {message}") as caught:
        load_checkpoint(path)
    assert str(caught.value).startswith(f"{path}: ")
