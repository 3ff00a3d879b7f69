"""Test-split agreement of the model trained with several seeds: how much training itself varies.

    python pipelines/seed_spread.py --predictions results/predictions --seeds results/seeds \
        --out reports/metrics/seeds.json

Reads the default model's predictions (``<predictions>/<dimension>.csv``, trained with
``train.seed``) and those of the models ``seeds/dvc.yaml`` trains with ``seed_spread.extra_seeds``
(``<seeds>/<seed>/<dimension>.csv``), and writes per dimension each seed's ICC(A,1) between score
and MOS on the test split (:func:`cxrqa.stats.icc_pair`), their mean, minimum, maximum and range:
the spread a change of the model must exceed to count, and the spread a user reproducing the
study on another machine with another seed should expect.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from cxrqa.config import load_section
from cxrqa.io.tables import DIMENSIONS, read_predictions
from cxrqa.stats import icc_pair


def test_icc(path: Path, dimension: str) -> float:
    """ICC(A,1) of score against MOS on the test split of one dimension's predictions table."""
    table = read_predictions(path, dimension)
    test = table[table["split"] == "test"]
    if test.empty:
        raise ValueError(f"{path}: no test-split rows")
    return float(icc_pair(test["score"].to_numpy(), test["mos"].to_numpy())["estimate"].iloc[0])


def spread(predictions: Path, seeds_dir: Path, seed: int, extra_seeds: list[int]) -> dict:
    """Per dimension: ``{"icc": {seed: value}, "mean", "min", "max", "range", "n_seeds"}``."""
    result = {}
    for dimension in DIMENSIONS:
        values = {str(seed): test_icc(predictions / f"{dimension}.csv", dimension)}
        for extra in extra_seeds:
            values[str(extra)] = test_icc(seeds_dir / str(extra) / f"{dimension}.csv", dimension)
        series = pd.Series(values)
        result[dimension] = {
            "icc": {key: round(value, 6) for key, value in values.items()},
            "mean": round(float(series.mean()), 6),
            "min": round(float(series.min()), 6),
            "max": round(float(series.max()), 6),
            "range": round(float(series.max() - series.min()), 6),
            "n_seeds": len(values),
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml", type=Path)
    parser.add_argument("--predictions", default="results/predictions", type=Path)
    parser.add_argument("--seeds", default="results/seeds", type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    seed = load_section(args.params, "train").seed
    extra_seeds = list(load_section(args.params, "seed_spread").extra_seeds)
    try:
        result = spread(args.predictions, args.seeds, seed, extra_seeds)
    except (OSError, ValueError) as error:
        print(f"seed_spread: error: {error}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    for dimension, entry in result.items():
        print(f"{dimension}: test ICC(A,1) mean {entry['mean']:.3f}, range {entry['min']:.3f}-{entry['max']:.3f} over {entry['n_seeds']} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
