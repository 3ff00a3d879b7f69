"""Each training stage depends on the shared ``train`` keys and its own subsection only.

``cxrqa.train.loop.run_key`` decides when a checkpoint may be resumed, DVC decides when a stage
reruns; both must see the same parameters, or a change to one dimension's settings retrains the
other (DVC) or resumes a run with settings it was not started with (run key).
"""

from pathlib import Path

import yaml

from cxrqa.config import load_section
from cxrqa.config.schema import TRAINED_DIMENSIONS

ROOT = Path(__file__).resolve().parents[2]


def _expected_train_params() -> list[str]:
    shared = load_section(ROOT / "params.yaml", "train").shared()
    return ["model", *(f"train.{key}" for key in shared), "train.${item.dimension}"]


def _stage(path: Path, name: str) -> dict:
    stage = yaml.safe_load(path.read_text())["stages"][name]
    return stage.get("do", stage)


def test_train_stage_params_are_model_shared_keys_and_own_subsection():
    assert sorted(_stage(ROOT / "dvc.yaml", "train")["params"]) == sorted(_expected_train_params())


def test_ablation_stage_params_match_the_train_stage():
    (entry,) = _stage(ROOT / "ablations" / "dvc.yaml", "ablation")["params"]
    assert sorted(entry["params.yaml"]) == sorted([*_expected_train_params(), "predict"])


def test_every_train_key_is_shared_or_in_a_dimension_subsection():
    section = yaml.safe_load((ROOT / "params.yaml").read_text())["train"]
    shared = set(load_section(ROOT / "params.yaml", "train").shared())
    assert set(section) == shared | set(TRAINED_DIMENSIONS)


def test_paper_gpu_sets_only_existing_keys(paper_gpu):
    """``dvc exp run -S`` adds an unknown key silently; the strict loader would then fail the run."""
    overrides = paper_gpu.paper_gpu_overrides(ROOT / "Makefile", epochs=60)
    assert overrides, "the Makefile's paper-gpu recipe sets nothing"
    paper_gpu.apply_overrides(yaml.safe_load((ROOT / "params.yaml").read_text()), overrides)  # KeyError names a missing key
