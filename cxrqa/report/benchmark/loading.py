"""Read what the benchmark report compares: the classical baselines, the ablation and seed runs and the readers' files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from cxrqa.io.tables import DIMENSIONS, PREDICTION_COLUMNS, read_acceptability, read_baselines, read_ratings
from cxrqa.report.inputs import load_predictions

__all__ = ["load_ablations", "load_baselines", "load_inputs", "load_seed_spread"]


def load_baselines(path: str | Path) -> pd.DataFrame:
    """``results/baselines.csv`` checked and sorted by dimension, method, split and image.

    Raises
    ------
    ValueError
        A method named neither ``regressor_<name>`` nor ``feature_<name>``, or what
        :func:`cxrqa.io.tables.read_baselines` rejects.
    """
    table = read_baselines(path)
    bad = ~table["method"].str.startswith(("regressor_", "feature_"))
    if bad.any():
        raise ValueError(f"{path}: method {table.loc[bad, 'method'].iloc[0]!r} is neither regressor_<name> nor feature_<name>")
    return table.sort_values(["dimension", "method", "split", "image_id"], kind="mergesort").reset_index(drop=True)


def load_ablations(folder: str | Path | None, dimensions=DIMENSIONS) -> tuple[pd.DataFrame, list[str]]:
    """Prediction CSVs of the ablation runs, ``<folder>/<name>/<dimension>.csv``.

    A missing folder, an empty one or a run without some dimension is skipped, never an error;
    the notes say what was found and what was not.

    Returns
    -------
    predictions : pandas.DataFrame
        ``ablation`` and the columns of :data:`cxrqa.io.tables.PREDICTION_COLUMNS`.
    notes : list of str
        One line per run (or one saying there is none).
    """
    empty = pd.DataFrame(columns=["ablation", *PREDICTION_COLUMNS])
    if not folder or not Path(folder).is_dir():
        return empty, [f"no ablation folder at {folder!r}: no ablation is included"]
    frames, notes = [], []
    for run in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        found = [d for d in dimensions if (run / f"{d}.csv").is_file()]
        if not found:
            notes.append(f"{run.name}: no prediction file, skipped")
            continue
        frames.append(load_predictions(run, found).assign(ablation=run.name))
        absent = [d for d in dimensions if d not in found]
        notes.append(f"{run.name}: {', '.join(found)}" + (f" (no {', '.join(absent)})" if absent else ""))
    if not frames:
        return empty, notes or [f"{folder} holds no ablation run: no ablation is included"]
    return pd.concat(frames, ignore_index=True)[list(empty.columns)], notes


def load_seed_spread(path: str | Path | None) -> tuple[pd.DataFrame | None, str]:
    """The test ICC of the model trained with several seeds (``reports/metrics/seeds.json``).

    Written by ``seeds/dvc.yaml`` (``pipelines/seed_spread.py``), which is run on demand: a missing
    file is skipped, never an error.

    Returns
    -------
    table : pandas.DataFrame or None
        One row per dimension: ``dimension, seeds`` (how many), ``icc_by_seed`` (``seed: ICC``
        pairs, the default model's seed first), ``mean, min, max, range``; ``None`` without file.
    note : str
        What was found.
    """
    if not path or not Path(path).is_file():
        return None, f"no seed-spread file at {path!r} (run `dvc repro seeds/dvc.yaml`): training's own variance is not shown"
    spread = json.loads(Path(path).read_text())
    rows = [
        {
            "dimension": dimension,
            "seeds": entry["n_seeds"],
            "icc_by_seed": ", ".join(f"{seed}: {value:.3f}" for seed, value in entry["icc"].items()),
            **{key: entry[key] for key in ("mean", "min", "max", "range")},
        }
        for dimension, entry in sorted(spread.items())
    ]
    return pd.DataFrame(rows), f"{path}: {rows[0]['seeds']} seeds per dimension"


def load_inputs(ratings: str | Path, acceptability: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The readers' ratings and acceptability calls, checked (:mod:`cxrqa.io.tables`)."""
    return read_ratings(ratings), read_acceptability(acceptability)
