"""Do the scores fall with severity on real radiographs? Degradation ladders of real chest films, scored by ``cxrqa score``.

Issue #20's check on films the models never saw: real PA chest radiographs (default
``../shared/cxr-base``, NIH ChestX-ray14, 8-bit 512 x 512; any grayscale PNGs, 8- or 16-bit, read by
:func:`cxrqa.io.raster.read_raster`) are degraded in ``--steps`` steps of rising severity by
this script's own degradations (not the simulator's, so the check is not the study testing
itself), per dimension:

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
mean score per step. Then, per gray-level kind, how the films' rho depends on their own tone
(:func:`film_tone`, the darkest lung tone): Spearman between tone and rho, and for the films at
or above ``--light-tone`` and the others the mean rho, the mean score of the untouched film and the
mean change of the score at the first step. With several ``--models`` folders (e.g. the seed runs
under ``models/seeds``) each set is printed, then the spread of the mean rho across sets and the
figures of their ensemble (the mean of their scores). Numbers are printed (and written with ``--json FILE``),
never asserted. ``--sheet FILE`` also draws the gray-level ladders of the lightest and the darkest film
(:func:`write_sheet`), so that what a score says about a rung can be checked by eye. ``--channels``
prints which of the gray-level model's two input channels (display, detail) carries the clipping and
tone-curve changes of its score (:func:`channel_attribution`).

``--study-films phantom`` or ``--study-films builtin_real`` runs the same ladders, as a control, on
the study's own excellent films instead: validation films (never trained on) of that base kind
with a latent gray-level of at least 8.5 (``data/raw/truth.csv``), their preprocessed images
(``data/processed/images``) written as 8-bit PNGs like the NIH films. What the models read on
these but not on real films is the distance between the two, not the degradation.

Run: ``python benchmarks/bench_real_ladders.py [--images ../shared/cxr-base | --study-films KIND] [--films 20]
[--steps 5] [--models models [models/seeds/20230101 ...]] [--params FILE] [--light-tone 0.3] [--json FILE] [--sheet FILE] [--channels]``; the default
models and the two seed runs: ``--models models models/seeds/*``.
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

from cxrqa.io.raster import read_raster
from cxrqa.io.tables import read_splits
from cxrqa.models import Predictor, load_checkpoint
from cxrqa.scoring import InputSpec
from cxrqa.scoring.images import as_image, load_image

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


def film_tone(x: np.ndarray) -> float:
    """The 5th percentile of a film's central region (rows 20-80 %, columns 12.5-87.5 %): how dark its
    lungs get, lower for a darker film (the region DECISIONS.md compares the NIH and the study's films on)."""
    rows, cols = x.shape
    return float(np.percentile(x[int(0.2 * rows) : int(0.8 * rows), int(0.125 * cols) : int(0.875 * cols)], 5))


#: Latent gray-level from which a study film counts as excellent (the upper end of the 1-10 scale).
EXCELLENT_GRAY_LEVEL = 8.5


def study_films(raw: Path, processed: Path, base_kind: str, count: int, folder: Path) -> list[Path]:
    """Write up to ``count`` of the study's excellent validation films of ``base_kind`` (``truth.csv``'s
    ``base_kind``) to ``folder`` as 8-bit PNGs, first by image id, and return their paths.

    Excellent: latent gray-level at least :data:`EXCELLENT_GRAY_LEVEL`. Their preprocessed 16-bit
    images are rounded to 8 bits, as the NIH films are stored.
    """
    truth = pd.read_csv(raw / "truth.csv", usecols=["image_id", "base_kind", "latent_gray_level"])
    splits = read_splits(processed / "splits.csv")
    films = truth.merge(splits, on="image_id", validate="one_to_one")
    chosen = films[(films["split"] == "validation") & (films["base_kind"] == base_kind)
                   & (films["latent_gray_level"] >= EXCELLENT_GRAY_LEVEL)].sort_values("image_id")["image_id"].head(count)  # fmt: skip
    paths = []
    for image_id in chosen:
        x = load_image(processed / "images" / f"{image_id}.png")[0].numpy()
        paths.append(folder / f"{image_id}.png")
        Image.fromarray(np.round(x * 255).astype(np.uint8)).save(paths[-1])
    return paths


def png16(x: np.ndarray) -> np.ndarray:
    """Display values as a rung's 16-bit PNG holds them: clipped to [0, 1], ``round(65535 * x)``."""
    return np.rint(np.clip(x, 0, 1) * 65535).astype(np.uint16)


def write_ladders(images: list[Path], folder: Path, steps: int) -> pd.DataFrame:
    """Every rung of every ladder as a 16-bit PNG under ``folder``; returns ``file, film, tone, dimension, kind, step``
    (``tone``: :func:`film_tone` of the untouched film)."""
    rng = np.random.default_rng(20)
    rows = []
    for film in images:
        x = read_raster(film).image.astype(np.float64)
        tone = film_tone(x)
        for dimension, kinds in KINDS.items():
            for kind, degrade in kinds.items():
                for step in range(steps + 1):
                    path = folder / f"{film.stem}__{kind}__{step}.png"
                    Image.fromarray(png16(degrade(x, step / steps, rng))).save(path)
                    rows.append({"file": path.name, "film": film.stem, "tone": tone, "dimension": dimension, "kind": kind,
                                 "step": step})  # fmt: skip
    return pd.DataFrame(rows)


def scored(ladders: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """The rungs with their ``score``: ``scores`` is indexed by rung file name and holds its
    ``gray_level`` and ``sharpness`` scores; each ladder is judged on its own dimension's score."""
    table = ladders.join(scores[["gray_level", "sharpness"]], on="file", validate="many_to_one")
    table["score"] = np.where(table["dimension"] == "gray_level", table["gray_level"], table["sharpness"])
    return table


def per_film(table: pd.DataFrame) -> pd.DataFrame:
    """One row per dimension, kind and film of a :func:`scored` table: its ``tone``, Spearman ``rho``
    between step and score, the untouched film's score ``score_0`` and the change at the first step
    ``first_step``."""

    def film(g: pd.DataFrame) -> pd.Series:
        g = g.sort_values("step")
        return pd.Series({"tone": g["tone"].iloc[0], "rho": spearmanr(g["step"], g["score"]).statistic,
                          "score_0": g["score"].iloc[0], "first_step": g["score"].iloc[1] - g["score"].iloc[0]})  # fmt: skip

    return table.groupby(["dimension", "kind", "film"]).apply(film, include_groups=False).reset_index()


def ladder_figures(ladders: pd.DataFrame, scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """For one set of scores (as in :func:`scored`): the per-film Spearman rho summarised per kind, the
    mean score per step, and the :func:`per_film` table they come from."""
    table = scored(ladders, scores)
    films = per_film(table)
    summary = films.groupby(["dimension", "kind"])["rho"].agg(["mean", "min", "max", "count"]).reset_index()
    steps = table.pivot_table(index=["dimension", "kind"], columns="step", values="score", aggfunc="mean").round(2)
    return summary, steps, films


def tone_dependence(films: pd.DataFrame, light: float) -> pd.DataFrame:
    """Per gray-level kind of a :func:`per_film` table: Spearman between the films' tone and their rho
    (``tone_vs_rho``), and for the films with a tone at or above ``light`` (``light``) and the others,
    their number, mean rho, mean untouched score and mean change at the first step."""
    films = films[films["dimension"] == "gray_level"].assign(light=lambda f: f["tone"] >= light)
    groups = films.groupby(["kind", "light"]).agg(films=("rho", "size"), rho=("rho", "mean"), score_0=("score_0", "mean"),
                                                   first_step=("first_step", "mean")).reset_index()  # fmt: skip
    correlation = films.groupby("kind").apply(_tone_vs_rho, include_groups=False)
    return groups.assign(tone_vs_rho=groups["kind"].map(correlation))


def _tone_vs_rho(films: pd.DataFrame) -> float:
    """Spearman between the films' tone and their rho; NaN when either is the same for every film
    (every film's rho -1, say), where the correlation is undefined."""
    if films["tone"].nunique() < 2 or films["rho"].nunique() < 2:
        return float("nan")
    return float(spearmanr(films["tone"], films["rho"]).statistic)


#: Severities at which :func:`channel_attribution` degrades the films.
ATTRIBUTION_SEVERITIES = (0.2, 0.4, 0.6)


def channel_attribution(images: list[np.ndarray], checkpoint: Path, kinds=("clipping", "tone_curve"),
                        severities=ATTRIBUTION_SEVERITIES) -> pd.DataFrame:  # fmt: skip
    """Which input channel of a gray-level model with a detail channel carries a ladder's change of score.

    Each film (a prepared image, display values in [0, 1], as ``cxrqa score`` makes it) is degraded
    by each gray-level kind at each severity, after preparation so that the crop stays the same.
    The model then scores the untouched film, the degraded one, and two hybrids: the degraded
    display channel with the untouched film's detail channel (``display_only``), and the other way
    round (``detail_only``).

    Returns
    -------
    DataFrame
        ``kind, severity, both, display_only, detail_only``: the mean change of the score from the
        untouched film over the films, for the degraded film and for each hybrid.

    Raises
    ------
    ValueError
        When the checkpoint's model has no detail channel.
    """
    read = load_checkpoint(checkpoint)
    spec = InputSpec.from_dict(read.preprocessing, source=checkpoint)
    if not spec.detail_channel:
        raise ValueError(f"{checkpoint}: the model has no detail channel to attribute to")
    predictor = Predictor(read.model, device="cpu")

    def network_input(x: np.ndarray):
        return spec.network_input(as_image(png16(x)))

    untouched = [network_input(x) for x in images]
    base = predictor.predict(untouched).scores
    rng = np.random.default_rng(20)
    rows = []
    for kind in kinds:
        for severity in severities:
            degraded = [network_input(KINDS["gray_level"][kind](x, severity, rng)) for x in images]
            variants = {
                "both": degraded,
                "display_only": [np.concatenate([d[:1], u[1:]]) for d, u in zip(degraded, untouched)],
                "detail_only": [np.concatenate([u[:1], d[1:]]) for d, u in zip(degraded, untouched)],
            }
            changes = {name: float(np.mean(predictor.predict(inputs).scores - base)) for name, inputs in variants.items()}
            rows.append({"kind": kind, "severity": severity, **changes})
    return pd.DataFrame(rows)


def prepared_films(images: list[Path], params: Path | None) -> list[np.ndarray]:
    """The films as ``cxrqa score`` prepares them (decoded, cropped, resized; ``params``' preprocess
    section, else the packaged defaults, as ``cxrqa score`` reads them), as display values in [0, 1]."""
    from cxrqa.config import load_section
    from cxrqa.preprocess.pipeline import Task, prepare_image

    section = load_section(params, "preprocess")
    return [prepare_image(Task(path.stem, path), section).pixels / 65535.0 for path in images]


def print_attribution(models: Path, table: pd.DataFrame) -> None:
    """Print :func:`channel_attribution`'s table for one model set."""
    print(f"models {models}: mean change of the gray-level score from the untouched film, by input channel degraded")
    for row in table.itertuples():
        print(f"  {row.kind:18s} severity {row.severity:.1f}: both channels {row.both:+.2f}, "
              f"display channel only {row.display_only:+.2f}, detail channel only {row.detail_only:+.2f}")  # fmt: skip


def sheet_films(ladders: pd.DataFrame) -> list[str]:
    """The lightest and the darkest film of the ladders by their ``tone`` (:func:`film_tone`), one film
    when they coincide: the gray-level misses grow with how light a film is to begin with."""
    tones = ladders.drop_duplicates("film").set_index("film")["tone"]
    return list(dict.fromkeys([str(tones.idxmax()), str(tones.idxmin())]))


def write_sheet(
    path: Path, ladders: pd.DataFrame, score_sets: list[pd.DataFrame], rungs: Path, dimension: str = "gray_level"
) -> pd.DataFrame:
    """Draw ``dimension``'s ladders of the :func:`sheet_films` as a PNG contact sheet at ``path``: one row per
    film and kind, one column per step, each rung titled with its score under every model set (``a / b``).

    Parameters
    ----------
    path : Path
        The PNG to write.
    ladders : DataFrame
        :func:`write_ladders`' table.
    score_sets : list of DataFrame
        Scores per model set, as :func:`scored` takes them.
    rungs : Path
        The folder of the rung PNGs.
    dimension : str
        Whose ladders to draw.

    Returns
    -------
    DataFrame
        The titles drawn, indexed by film and kind, one column per step.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    films = sheet_films(ladders)
    rows = [(film, kind) for film in films for kind in KINDS[dimension]]
    chosen = ladders[(ladders["dimension"] == dimension) & ladders["film"].isin(films)].set_index(["film", "kind", "step"])
    per_set = [scored(ladders, scores).set_index(["film", "kind", "step"])["score"] for scores in score_sets]
    steps = sorted(chosen.index.get_level_values("step").unique())
    titles = pd.DataFrame(
        [[" / ".join(f"{score[(film, kind, step)]:.2f}" for score in per_set) for step in steps] for film, kind in rows],
        index=pd.MultiIndex.from_tuples(rows, names=["film", "kind"]), columns=steps,
    )  # fmt: skip
    figure, axes = plt.subplots(len(rows), len(steps), figsize=(1.7 * len(steps), 2.1 * len(rows)), squeeze=False)
    for row, (film, kind) in enumerate(rows):
        for column, step in enumerate(steps):
            axis = axes[row, column]
            axis.imshow(load_image(rungs / chosen.loc[(film, kind, step), "file"])[0].numpy(), cmap="gray", vmin=0, vmax=1)
            axis.set_title(titles.loc[(film, kind), step], fontsize=8)
            axis.set_xticks([])
            axis.set_yticks([])
        tone = chosen.loc[(film, kind, steps[0]), "tone"]
        axes[row, 0].set_ylabel(f"{kind}\n{film}\ntone {tone:.2f}", fontsize=7)
    figure.suptitle(f"{dimension.replace('_', '-')} ladders, steps {steps[0]}-{steps[-1]}: score per model set", fontsize=10)
    figure.tight_layout(rect=(0, 0, 1, 0.99))
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)
    return titles


def print_figures(title: str, summary: pd.DataFrame, steps: pd.DataFrame) -> None:
    """Print one model set's mean Spearman per kind against the target, then its mean score per step."""
    print(title)
    for row in summary.itertuples():
        status = "meets" if row.mean <= -0.9 else "MISSES"
        print(f"  {row.dimension:10s} {row.kind:18s} mean Spearman {row.mean:+.3f} (range {row.min:+.2f} to {row.max:+.2f}, "
              f"{row.count} films): {status} the target <= -0.9")  # fmt: skip
    print("mean score per step:")
    print(steps.to_string())


def print_tone_dependence(dependence: pd.DataFrame, light: float) -> None:
    """Print :func:`tone_dependence`'s table."""
    print(f"gray-level ladders by the films' own tone (5th percentile of the central region; light: >= {light:g}):")
    for row in dependence.itertuples():
        group = "light" if row.light else "darker"
        print(f"  {row.kind:18s} {group:6s} {row.films:2d} films: mean Spearman {row.rho:+.3f}, untouched score {row.score_0:.2f}, "
              f"first step {row.first_step:+.2f}; Spearman of tone and rho over all films {_signed(row.tone_vs_rho)}")  # fmt: skip


def _signed(value: float) -> str:
    return "undefined" if np.isnan(value) else f"{value:+.2f}"


def figures_record(summary: pd.DataFrame, steps: pd.DataFrame, dependence: pd.DataFrame) -> dict:
    """The JSON form of one model set's figures."""
    return {"summary": summary.to_dict("records"),
            "mean_score_per_step": {f"{d}/{k}": v for (d, k), v in steps.T.to_dict().items()},
            "tone_dependence": dependence.to_dict("records")}  # fmt: skip


def report_set(title: str, ladders: pd.DataFrame, scores: pd.DataFrame, light: float) -> tuple[pd.DataFrame, dict]:
    """Print one set of scores' figures under ``title`` (:func:`ladder_figures`, :func:`tone_dependence`);
    returns the per-kind summary and the figures' JSON form (:func:`figures_record`)."""
    summary, steps, films = ladder_figures(ladders, scores)
    dependence = tone_dependence(films, light)
    print_figures(title, summary, steps)
    print_tone_dependence(dependence, light)
    return summary, figures_record(summary, steps, dependence)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=ROOT.parent / "shared" / "cxr-base")
    parser.add_argument("--study-films", choices=("phantom", "builtin_real"),
                        help="instead of --images: the study's excellent validation films of this base kind (a control)")  # fmt: skip
    parser.add_argument("--raw", type=Path, default=ROOT / "data" / "raw", help="with --study-films: the simulate stage's output")
    parser.add_argument("--processed", type=Path, default=ROOT / "data" / "processed",
                        help="with --study-films: the preprocess stage's output")  # fmt: skip
    parser.add_argument("--films", type=int, default=20)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--models", type=Path, nargs="+", default=[ROOT / "models"],
                        help="one or more model folders (each with gray_level/ and sharpness/), e.g. the seed runs")  # fmt: skip
    parser.add_argument("--json", type=Path)
    parser.add_argument("--channels", action="store_true",
                        help="also attribute the clipping and tone-curve changes of the gray-level score to its two input "
                             "channels (display, detail)")  # fmt: skip
    parser.add_argument("--sheet", type=Path,
                        help="write a PNG contact sheet of the gray-level ladders of the lightest and the darkest film, "
                             "each rung titled with its score under every model set")  # fmt: skip
    parser.add_argument("--params", type=Path,
                        help="parameter file whose preprocess section scoring uses (models trained on other preprocessing)")  # fmt: skip
    parser.add_argument("--light-tone", type=float, default=0.3,
                        help="film tone (5th percentile of the central region) from which a film counts as light")  # fmt: skip
    args = parser.parse_args()
    score_sets = []
    with tempfile.TemporaryDirectory(prefix="ladders_") as scratch:
        folder = Path(scratch)
        (folder / "rungs").mkdir()
        if args.study_films:
            for needed in (args.raw / "truth.csv", args.processed / "splits.csv"):
                if not needed.exists():
                    raise SystemExit(f"--study-films needs {needed}: run `dvc repro split` first")
            (folder / "films").mkdir()
            images = study_films(args.raw, args.processed, args.study_films, args.films, folder / "films")
            source = f"excellent {args.study_films} validation films of the study"
        else:
            images = sorted(args.images.glob("*.png"))[: args.films]
            source = f"real films from {args.images}"
        if not images:
            raise SystemExit(f"no {source}")
        ladders = write_ladders(images, folder / "rungs", args.steps)
        for index, models in enumerate(args.models):
            out = folder / f"scores_{index}.csv"
            params = ["--params", str(args.params)] if args.params else []
            subprocess.run([sys.executable, "-m", "cxrqa.cli", "score", str(folder / "rungs"), "--models", str(models),
                            "--out", str(out), "--quiet", *params], check=True, cwd=ROOT)  # fmt: skip
            scores = pd.read_csv(out)
            scores["file"] = scores["file"].map(lambda path: Path(path).name)
            score_sets.append(scores.set_index("file")[["gray_level", "sharpness"]])
        if args.sheet:
            write_sheet(args.sheet, ladders, score_sets, folder / "rungs")
        if args.channels:
            prepared = prepared_films(images, args.params)
            attributions = [(models, channel_attribution(prepared, models / "gray_level" / "best.pt")) for models in args.models]
    print(f"{len(images)} {source}, {args.steps} steps per ladder")
    record = {"model_sets": []}
    per_set = []
    for models, scores in zip(args.models, score_sets):
        summary, figures = report_set(f"models {models}:", ladders, scores, args.light_tone)
        record["model_sets"].append({"models": str(models), **figures})
        per_set.append(summary.set_index(["dimension", "kind"])["mean"].rename(str(models)))
    if len(score_sets) > 1:
        # Training's own randomness moves these figures (seeds differ by up to 0.48 on one kind), so
        # a change is judged on several seeds; the ensemble shows what averaging the sets' scores gives.
        spread = pd.concat(per_set, axis=1)
        spread = spread.assign(mean=spread.mean(axis=1), range=spread.max(axis=1) - spread.min(axis=1))
        print("mean Spearman per model set, their mean and range:")
        print(spread.round(3).to_string())
        ensemble = sum(score_sets) / len(score_sets)
        _, record["ensemble"] = report_set(f"ensemble (mean score of the {len(score_sets)} model sets):", ladders, ensemble,
                                           args.light_tone)  # fmt: skip
    if args.channels:
        for models, table in attributions:
            print_attribution(models, table)
        record["channel_attribution"] = {str(models): table.to_dict("records") for models, table in attributions}
    if args.json:
        args.json.write_text(json.dumps(record, indent=2, default=float) + "\n")


if __name__ == "__main__":
    main()
