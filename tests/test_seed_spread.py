"""pipelines/seed_spread.py: the test ICC of each seed's model, their mean and range."""

import json
import runpy
from pathlib import Path

import numpy as np
import pandas as pd

from cxrqa.stats import icc_pair

ROOT = Path(__file__).parents[1]


def _predictions(path: Path, dimension: str, noise: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mos = rng.uniform(2, 9, 40)
    split = ["test"] * 30 + ["validation"] * 10
    table = pd.DataFrame({
        "image_id": [f"CXR{i:04d}" for i in range(40)], "split": split, "dimension": dimension,
        "score": mos + rng.normal(0, noise, 40), "mos": mos, "seconds_per_image": 0.01, "device": "cpu", "batch_size": 4,
    })  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return table[table["split"] == "test"]


def test_spread_of_three_seeds_is_their_test_icc(tmp_path):
    main = runpy.run_path(str(ROOT / "pipelines" / "seed_spread.py"))["main"]
    params = tmp_path / "params.yaml"
    params.write_text((ROOT / "params.yaml").read_text().replace("extra_seeds: [20230101, 20240101]", "extra_seeds: [7, 8]"))
    expected = {}
    for dimension in ("gray_level", "sharpness"):
        tests = [
            _predictions(tmp_path / "pred" / f"{dimension}.csv", dimension, 0.3, 1),
            _predictions(tmp_path / "seeds" / "7" / f"{dimension}.csv", dimension, 0.6, 2),
            _predictions(tmp_path / "seeds" / "8" / f"{dimension}.csv", dimension, 0.9, 3),
        ]
        expected[dimension] = [float(icc_pair(t["score"].to_numpy(), t["mos"].to_numpy())["estimate"].iloc[0]) for t in tests]
    out = tmp_path / "seeds.json"
    args = ["--params", str(params), "--predictions", str(tmp_path / "pred"), "--seeds", str(tmp_path / "seeds"), "--out", str(out)]
    assert main(args) == 0
    written = json.loads(out.read_text())
    for dimension, values in expected.items():
        entry = written[dimension]
        assert list(entry["icc"]) == ["20221031", "7", "8"] and entry["n_seeds"] == 3
        assert list(entry["icc"].values()) == [round(v, 6) for v in values]
        assert entry["mean"] == round(float(np.mean(values)), 6) and entry["range"] == round(max(values) - min(values), 6)


def test_a_missing_seed_run_is_an_error_not_a_shorter_spread(tmp_path, capsys):
    main = runpy.run_path(str(ROOT / "pipelines" / "seed_spread.py"))["main"]
    for dimension in ("gray_level", "sharpness"):
        _predictions(tmp_path / "pred" / f"{dimension}.csv", dimension, 0.3, 1)
    args = ["--predictions", str(tmp_path / "pred"), "--seeds", str(tmp_path / "seeds"), "--out", str(tmp_path / "s.json"),
            "--params", str(ROOT / "params.yaml")]  # fmt: skip
    assert main(args) == 1 and not (tmp_path / "s.json").exists()
    assert "seed_spread: error" in capsys.readouterr().err
