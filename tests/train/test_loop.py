"""Training: runs, logs, keeps the best epoch, reloads, and resumes to the same end."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from cxrqa.models import load_checkpoint
from cxrqa.scoring import InputSpec
from cxrqa.train.data import load_image_set
from cxrqa.train.loop import train_dimension
from cxrqa.train.metrics import agreement


@pytest.fixture(scope="module")
def sets(tiny_study, tiny_params):
    processed, ratings = tiny_study
    model, _ = tiny_params
    spec = InputSpec(tuple(model.train_size))
    return (
        load_image_set(processed, ratings, "sharpness", ("train",), spec),
        load_image_set(processed, ratings, "sharpness", ("validation",), spec),
    )


def test_image_set_shapes_and_range(sets):
    train, val = sets
    assert train.images.shape == (18, 1, 64, 64) and val.images.shape == (6, 1, 64, 64)
    assert train.images.min() >= -1.0 and train.images.max() <= 1.0
    assert train.rois is not None and set(torch.unique(train.rois).tolist()) <= {0.0, 1.0} | set(torch.unique(train.rois).tolist())
    assert train.targets.min() >= 1 and train.targets.max() <= 10


def test_missing_split_is_a_clear_error(tiny_study):
    processed, ratings = tiny_study
    with pytest.raises(ValueError, match="no image in split"):
        load_image_set(processed, ratings, "sharpness", ("test",), InputSpec((64, 64)))


def run(sets, tiny_params, tmp_path, name, overrides=None, **kwargs):
    """Train sharpness; ``overrides`` change shared ``train`` keys, and ``train.sharpness`` keys
    when given as ``{"sharpness": {...}}``."""
    model, train = tiny_params
    overrides = dict(overrides or {})
    train = replace(train, **{k: v for k, v in overrides.items() if k != "sharpness"})
    train = train.with_dimension("sharpness", **overrides.get("sharpness", {}))
    return train_dimension(
        dimension="sharpness", train_set=sets[0], val_set=sets[1], model_params=model, train_params=train,
        out_dir=tmp_path / name, log_dir=tmp_path / f"{name}_logs", progress=False, **kwargs,
    )


RAW = {"ema_decay": 0.0, "calibration": "none", "sharpness": {"batch_norm": False}}
VARIANTS = {
    "raw_weights": RAW,
    "batch_norm": {**RAW, "sharpness": {"batch_norm": True}},
    "weight_average": {**RAW, "ema_decay": 0.9},
    "equated": {**RAW, "calibration": "linear"},
}


@pytest.mark.parametrize("overrides", VARIANTS.values(), ids=VARIANTS.keys())
def test_training_logs_and_keeps_best(sets, tiny_params, tmp_path, overrides):
    result = run(sets, tiny_params, tmp_path, "full", overrides)
    assert result["epochs_run"] == 3
    assert (tmp_path / "full" / "best.pt").is_file() and (tmp_path / "full" / "last.pt").is_file()
    metrics = json.loads((tmp_path / "full_logs" / "metrics.json").read_text())
    for name in ("train_loss", "learning_rate", "val_icc", "val_r", "val_srcc", "val_mad"):
        assert name in metrics
        assert (tmp_path / "full_logs" / "plots" / "metrics" / f"{name}.tsv").is_file()
    checkpoint = load_checkpoint(tmp_path / "full" / "best.pt")
    assert checkpoint.extra["dimension"] == "sharpness"
    assert checkpoint.extra["epoch"] == result["best_epoch"]
    assert checkpoint.preprocessing["input_size"] == [64, 64]
    # the stored best reproduces its own validation ICC
    with torch.inference_mode():
        scores = checkpoint.model(sets[1].images).score.numpy()
    # float32 rounding grows with the equating slope (large for a 3-epoch model's near-constant scores)
    tolerance = 1e-5 * max(1.0, abs(result["best"].get("calibration_slope", 1.0)))
    assert agreement(scores, sets[1].targets.numpy())["icc"] == pytest.approx(result["best"]["val_icc"], abs=tolerance)
    if overrides.get("calibration") == "linear":  # equated: the kept model has the MOS's mean and SD
        mos = sets[1].targets.numpy()
        assert scores.mean() == pytest.approx(mos.mean(), abs=10 * tolerance)
        assert scores.std() == pytest.approx(mos.std(), rel=10 * tolerance)


def test_a_finished_run_is_not_resumed_on_other_data_with_the_same_ids(sets, tiny_params, tmp_path):
    """A new simulator or reader study keeps the image ids; its training must start afresh."""
    run(sets, tiny_params, tmp_path, "run", RAW)
    before = torch.load(tmp_path / "run" / "last.pt", weights_only=True)
    again = run(sets, tiny_params, tmp_path, "run", RAW)
    assert again["seconds"] < 1.0  # same data: the finished run is resumed, nothing retrained
    train, val = sets
    relabelled = replace(train, targets=train.targets.flip(0))
    assert relabelled.image_ids == train.image_ids
    result = run((relabelled, val), tiny_params, tmp_path, "run", RAW)
    after = torch.load(tmp_path / "run" / "last.pt", weights_only=True)
    assert result["epochs_run"] == 3 and before["run_key"] != after["run_key"]
    assert any(not torch.equal(before["model"][key], after["model"][key]) for key in before["model"])


@pytest.mark.parametrize("ema_decay", [0.0, 0.9], ids=["raw_weights", "weight_average"])
def test_interrupted_run_resumes_to_the_same_end(sets, tiny_params, tmp_path, ema_decay):
    run(sets, tiny_params, tmp_path, "whole", {"ema_decay": ema_decay})
    first = run(sets, tiny_params, tmp_path, "parts", {"ema_decay": ema_decay}, stop_after_epoch=1)
    assert first["epochs_run"] == 1
    resumed = run(sets, tiny_params, tmp_path, "parts", {"ema_decay": ema_decay})  # default calibration: linear
    assert resumed["epochs_run"] == 3
    whole = torch.load(tmp_path / "whole" / "last.pt", weights_only=True)
    parts = torch.load(tmp_path / "parts" / "last.pt", weights_only=True)
    for key in whole["model"]:
        assert torch.equal(whole["model"][key], parts["model"][key]), key
    if ema_decay:
        for key, value in whole["average"]["average"].items():
            assert torch.equal(value, parts["average"]["average"][key]), key
    steps = (tmp_path / "parts_logs" / "plots" / "metrics" / "val_icc.tsv").read_text().strip().splitlines()
    assert len(steps) == 1 + 3  # header + one row per epoch, no duplicate after resuming


def test_validation_runs_every_k_th_epoch_and_after_the_last(sets, tiny_params, tmp_path):
    result = run(sets, tiny_params, tmp_path, "sparse", {"sharpness": {"epochs": 5, "validate_every": 2}})
    validated = [row["epoch"] for row in result_history(tmp_path / "sparse") if "val_icc" in row]
    assert validated == [2, 4, 5]
    assert result["best_epoch"] in validated and load_checkpoint(tmp_path / "sparse" / "best.pt").extra["epoch"] == result["best_epoch"]
    losses = (tmp_path / "sparse_logs" / "plots" / "metrics" / "train_loss.tsv").read_text().strip().splitlines()
    icc = (tmp_path / "sparse_logs" / "plots" / "metrics" / "val_icc.tsv").read_text().strip().splitlines()
    assert (len(losses), len(icc)) == (1 + 5, 1 + 3)  # every epoch's loss, the validated epochs' ICC


def result_history(out_dir):
    return torch.load(out_dir / "last.pt", weights_only=True)["state"]["history"]


def test_changed_parameters_start_afresh(sets, tiny_params, tmp_path):
    model, train = tiny_params
    run(sets, tiny_params, tmp_path, "a", stop_after_epoch=1)
    other = train_dimension(
        dimension="sharpness", train_set=sets[0], val_set=sets[1], model_params=model,
        train_params=replace(train, seed=train.seed + 1).with_dimension("sharpness", epochs=1), out_dir=tmp_path / "a", progress=False,
    )
    assert other["epochs_run"] == 1 and other["best_epoch"] == 1


def test_agreement_is_honest_for_constant_predictions():
    mos = np.array([4.0, 6.0, 8.0])
    assert agreement(np.full(3, 6.0), mos)["icc"] == 0.0


def test_run_key_sees_shared_keys_and_its_own_subsection_only(tiny_params):
    """Another dimension's settings neither restart nor change a run (dvc.yaml's params match)."""
    from cxrqa.train.loop import run_key

    model, train = tiny_params
    images = ["0" * 64, "1" * 64]  # fingerprints of the training and validation sets

    def key(params, dimension="gray_level"):
        return run_key(model, params, dimension, images)

    assert key(train.with_dimension("sharpness", epochs=16)) == key(train)
    assert key(train.with_dimension("sharpness", batch_norm=not train.sharpness.batch_norm)) == key(train)
    assert key(train.with_dimension("sharpness", loss="mse")) == key(train)
    assert key(train.with_dimension("gray_level", epochs=16)) != key(train)
    assert key(replace(train, batch_size=train.batch_size + 1)) != key(train)
    assert run_key(replace(model, fc_hidden=model.fc_hidden + 1), train, "gray_level", images) != key(train)
    assert key(train, "sharpness") != key(train)


def test_a_dimension_trains_on_its_own_loss(sets, tiny_params, tmp_path):
    """``train.<dimension>.loss`` picks the per-image error: the same seed takes other steps under each."""
    results = {kind: run(sets, tiny_params, tmp_path, kind, {**RAW, "sharpness": {"batch_norm": False, "epochs": 1, "loss": kind}})
               for kind in ("l_alpha", "mse")}
    kept = {kind: load_checkpoint(tmp_path / kind / "best.pt") for kind in results}
    assert kept["mse"].params["train"]["sharpness"]["loss"] == "mse"
    weights = {kind: checkpoint.model.state_dict() for kind, checkpoint in kept.items()}
    assert any(not torch.equal(weights["l_alpha"][name], weights["mse"][name]) for name in weights["mse"])
    # L_alpha divides each squared error by the MOS (1-10 scale), so its mean loss is the smaller
    assert results["l_alpha"]["best"]["train_loss"] < results["mse"]["best"]["train_loss"]


def test_checkpoint_records_the_parameters_its_run_read(sets, tiny_params, tmp_path):
    run(sets, tiny_params, tmp_path, "m", {"sharpness": {"epochs": 1}})
    checkpoint = load_checkpoint(tmp_path / "m" / "best.pt")
    _, train = tiny_params
    recorded_sharpness = {**vars(train.sharpness), "epochs": 1, "tile_overlap": list(train.sharpness.tile_overlap)}  # JSON has no tuples
    assert checkpoint.params["train"] == {**train.shared(), "sharpness": recorded_sharpness}
    assert "init_score" not in checkpoint.params["model"]
    # the architecture still records the initial score the weights were built with
    assert checkpoint.model.config["init_score"] == round(float(sets[0].targets.mean()), 4)


def test_every_forward_pass_runs_in_the_devices_autocast_context(sets, tiny_params, tmp_path, monkeypatch):
    # On CUDA that context is bf16 autocast (README: training uses bf16 on a GPU); on the CPU a no-op.
    import cxrqa.train.loop as loop

    entered = []
    real = loop.autocast_context

    def recording(device, **kwargs):
        entered.append(torch.device(device).type)
        return real(device, **kwargs)

    monkeypatch.setattr(loop, "autocast_context", recording)
    run(sets, tiny_params, tmp_path, "autocast", {"batch_size": 6, "sharpness": {"epochs": 2, "validate_every": 1}})
    steps_per_epoch = -(-len(sets[0]) // 6)
    assert entered == (["cpu"] * steps_per_epoch + ["cpu"]) * 2  # each step, then the epoch's validation
