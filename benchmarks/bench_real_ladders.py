"""Do the scores fall with severity on real radiographs? Degradation ladders of real chest films, scored by ``cxrqa score``.

Issue #20's check on films the models never saw: real PA chest radiographs (default
``../shared/cxr-base``, NIH ChestX-ray14, 8-bit 512 x 512) are degraded in ``--steps`` steps of
rising severity by this script's own degradations (not the simulator's, so the check is not the
study testing itself), per dimension:

* gray-level: ``contrast`` (grey levels compressed towards mid-grey), ``exposure_noise`` (the
  quantum noise of a falling dose at unchanged display levels, as a digital system shows an
  underexposure), ``tone_curve`` (a gamma that darkens the mid-tones), ``tone_curve_lighter`` (its
  inverse, lightening them), ``clipping`` (the bright end burnt out: mediastinum, spine and
  diaphragm white), ``clipping_dark`` (the dark end burnt out: the lungs black, as a detector
  saturated by an overexposure shows them);
* sharpness: ``focal_blur`` (Gaussian), ``motion`` (a horizontal line kernel), ``smoothing`` (a
  median filter, as over-processed noise reduction).

Every rung (the undegraded film is step 0) is written as a 16-bit PNG and scored with
``cxrqa score --models MODELS``. For each film and kind, Spearman's rho between severity step and
the dimension's score; printed: the mean rho per kind (target: at most -0.9), its range, and the
mean score per step. With several ``--models`` folders (e.g. the seed runs under ``models/seeds``)
each set is printed, then the spread of the mean rho across sets and the figures of their
ensemble (the mean of their scores). Numbers are printed (and written with ``--json FILE``),
never asserted.

Run: ``python benchmarks/bench_real_ladders.py [--images ../shared/cxr-base] [--films 20] [--steps 5]
[--models models [models/seeds/20230101 ...]] [--params FILE] [--json FILE]``; the default models and the two seed
runs: ``--models models models/seeds/*``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]


def _contrast(x, s, rng):
    return 0.5 + (x - 0.5) * (1 - 0.75 * s)


def _exposure_noise(x, s, rng):
    # A lower dose on a digital detector is displayed at the same gray levels (the system rescales
    # the signal) with more quantum noise, largest where fewest photons arrive (dense tissue,
    # bright in MONOCHROME2): noise SD grows as the dose falls and with the displayed value.
    return x + rng.normal(0, 0.002 + 0.06 * s, x.shape) * np.sqrt(np.clip(x, 0.01, 1))


def _tone_curve(x, s, rng):
    return np.clip(x, 0, 1) ** (1 + 2.5 * s)


def _tone_curve_lighter(x, s, rng):
    # Both directions, since the NIH films' mid-tones are lighter than the study's ideal films':
    # darkening them first moves them towards that ideal (DECISIONS.md, 2026-12-05).
    return np.clip(x, 0, 1) ** (1 / (1 + 2.5 * s))


def _clipping(x, s, rng):
    level = np.quantile(x, 1 - 0.45 * s) if s > 0 else 1.0
    return np.minimum(x, level) / max(level, 1e-6)


def _clipping_dark(x, s, rng):
    # _clipping of the inverted film: the darkest 45 % x s of the pixels (lungs first) burnt to black.
    return 1.0 - _clipping(1.0 - x, s, rng)


def _focal_blur(x, s, rng):
    return ndimage.gaussian_filter(x, 0.01 + 4.0 * s)


def _motion(x, s, rng):
    length = 1 + int(round(14 * s))
    return ndimage.uniform_filter1d(x, length, axis=1)


def _smoothing(x, s, rng):
    size = 1 + 2 * int(round(3 * s))
    return ndimage.median_filter(x, size=size)


#: Degradation kinds per dimension: ``f(image in [0, 1], severity in [0, 1], rng) -> image``.
KINDS = {
    "gray_level": {"contrast": _contrast, "exposure_noise": _exposure_noise, "tone_curve": _tone_curve,
                   "tone_curve_lighter": _tone_curve_lighter, "clipping": _clipping, "clipping_dark": _clipping_dark},
    "sharpness": {"focal_blur": _focal_blur, "motion": _motion, "smoothing": _smoothing},
}


def write_ladders(images: list[Path], folder: Path, steps: int) -> pd.DataFrame:
    """Every rung of every ladder as a 16-bit PNG under ``folder``; returns ``file, film, dimension, kind, step``."""
    rng = np.random.default_rng(20)
    rows = []
    for film in images:
        x = np.asarray(Image.open(film).convert("L"), dtype=np.float64) / 255.0
        for dimension, kinds in KINDS.items():
            for kind, degrade in kinds.items():
                for step in range(steps + 1):
                    y = np.clip(degrade(x, step / steps, rng), 0, 1)
                    path = folder / f"{film.stem}__{kind}__{step}.png"
                    Image.fromarray(np.round(y * 65535).astype(np.uint16)).save(path)
                    rows.append({"file": path.name, "film": film.stem, "dimension": dimension, "kind": kind, "step": step})
    return pd.DataFrame(rows)


def ladder_figures(ladders: pd.DataFrame, scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-film Spearman rho summarised per kind, and the mean score per step, for one set of scores.

    ``scores`` is indexed by rung file name and holds its ``gray_level`` and ``sharpness`` scores; each
    ladder is judged on its own dimension's score.
    """
    table = ladders.join(scores[["gray_level", "sharpness"]], on="file", validate="many_to_one")
    table["score"] = np.where(table["dimension"] == "gray_level", table["gray_level"], table["sharpness"])
    rho = table.groupby(["dimension", "kind", "film"]).apply(lambda g: spearmanr(g["step"], g["score"]).statistic,
                                                              include_groups=False).rename("rho").reset_index()  # fmt: skip
    summary = rho.groupby(["dimension", "kind"])["rho"].agg(["mean", "min", "max", "count"]).reset_index()
    steps = table.pivot_table(index=["dimension", "kind"], columns="step", values="score", aggfunc="mean").round(2)
    return summary, steps


def print_figures(title: str, summary: pd.DataFrame, steps: pd.DataFrame) -> None:
    """Print one model set's mean Spearman per kind against the target, then its mean score per step."""
    print(title)
    for row in summary.itertuples():
        status = "meets" if row.mean <= -0.9 else "MISSES"
        print(f"  {row.dimension:10s} {row.kind:18s} mean Spearman {row.mean:+.3f} (range {row.min:+.2f} to {row.max:+.2f}, "
              f"{row.count} films): {status} the target <= -0.9")  # fmt: skip
    print("mean score per step:")
    print(steps.to_string())


def figures_record(summary: pd.DataFrame, steps: pd.DataFrame) -> dict:
    """The JSON form of one model set's figures."""
    return {"summary": summary.to_dict("records"),
            "mean_score_per_step": {f"{d}/{k}": v for (d, k), v in steps.T.to_dict().items()}}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=ROOT.parent / "shared" / "cxr-base")
    parser.add_argument("--films", type=int, default=20)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--models", type=Path, nargs="+", default=[ROOT / "models"],
                        help="one or more model folders (each with gray_level/ and sharpness/), e.g. the seed runs")  # fmt: skip
    parser.add_argument("--json", type=Path)
    parser.add_argument("--params", type=Path,
                        help="parameter file whose preprocess section scoring uses (models trained on other preprocessing)")  # fmt: skip
    args = parser.parse_args()
    images = sorted(args.images.glob("*.png"))[: args.films]
    if not images:
        raise SystemExit(f"no PNG films under {args.images}")
    score_sets = []
    with tempfile.TemporaryDirectory(prefix="ladders_") as scratch:
        folder = Path(scratch)
        (folder / "rungs").mkdir()
        ladders = write_ladders(images, folder / "rungs", args.steps)
        for index, models in enumerate(args.models):
            out = folder / f"scores_{index}.csv"
            params = ["--params", str(args.params)] if args.params else []
            subprocess.run([sys.executable, "-m", "cxrqa.cli", "score", str(folder / "rungs"), "--models", str(models),
                            "--out", str(out), "--quiet", *params], check=True, cwd=ROOT)  # fmt: skip
            scores = pd.read_csv(out)
            scores["file"] = scores["file"].map(lambda path: Path(path).name)
            score_sets.append(scores.set_index("file")[["gray_level", "sharpness"]])
    print(f"{len(images)} real films from {args.images}, {args.steps} steps per ladder")
    record = {"model_sets": []}
    per_set = []
    for models, scores in zip(args.models, score_sets):
        summary, steps = ladder_figures(ladders, scores)
        print_figures(f"models {models}:", summary, steps)
        record["model_sets"].append({"models": str(models), **figures_record(summary, steps)})
        per_set.append(summary.set_index(["dimension", "kind"])["mean"].rename(str(models)))
    if len(score_sets) > 1:
        # Training's own randomness moves these figures (seeds differ by up to 0.48 on one kind), so
        # a change is judged on several seeds; the ensemble shows what averaging the sets' scores gives.
        spread = pd.concat(per_set, axis=1)
        spread = spread.assign(mean=spread.mean(axis=1), range=spread.max(axis=1) - spread.min(axis=1))
        print("mean Spearman per model set, their mean and range:")
        print(spread.round(3).to_string())
        ensemble = sum(score_sets) / len(score_sets)
        summary, steps = ladder_figures(ladders, ensemble)
        print_figures(f"ensemble (mean score of the {len(score_sets)} model sets):", summary, steps)
        record["ensemble"] = figures_record(summary, steps)
    if args.json:
        args.json.write_text(json.dumps(record, indent=2, default=float) + "\n")


if __name__ == "__main__":
    main()
