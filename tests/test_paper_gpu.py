"""``benchmarks/paper_gpu.py`` runs the stages with exactly the settings of ``make paper-gpu``."""

from pathlib import Path

import pytest
import yaml

from cxrqa.config import load_section

ROOT = Path(__file__).resolve().parents[1]


def test_overrides_are_every_setting_of_the_recipe_with_the_epochs_filled_in(paper_gpu):
    overrides = paper_gpu.paper_gpu_overrides(ROOT / "Makefile", epochs=7)
    recipe = (ROOT / "Makefile").read_text().split("paper-gpu:")[1].split("\n\n")[0]
    assert len(overrides) == recipe.count("-S ")
    assert overrides["train.gray_level.epochs"] == overrides["train.sharpness.epochs"] == 7
    assert overrides["model.hc_channels"] == [64, 128, 256, 512]
    assert overrides["model.train_size"] == [768, 512]
    assert overrides["train.device"] == "cuda" and overrides["predict.batch_size"] == 32


def test_applied_overrides_load_strictly_as_the_papers_configuration(paper_gpu, tmp_path):
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params = paper_gpu.apply_overrides(params, paper_gpu.paper_gpu_overrides(ROOT / "Makefile", epochs=60))
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    model, train = load_section(path, "model"), load_section(path, "train")
    assert model.stem_channels == 32 and model.train_size == (768, 512)
    assert train.batch_size == 16 and train.for_dimension("sharpness").epochs == 60
    assert not train.for_dimension("gray_level").batch_norm
    assert load_section(path, "predict").device == "cuda"


def test_an_override_of_a_key_params_yaml_lacks_is_an_error(paper_gpu):
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    with pytest.raises(KeyError, match="train.warmup"):
        paper_gpu.apply_overrides(params, {"train.warmup": 5})
    with pytest.raises(KeyError, match="schedule.warmup"):  # a missing section, not only a missing leaf
        paper_gpu.apply_overrides(params, {"schedule.warmup": 5})
