"""``cxrqa score``: both quality scores for any radiograph files or folders."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cxrqa.cli_options import add_params_option, add_progress_option
from cxrqa.io.tables import DIMENSIONS

if TYPE_CHECKING:
    from cxrqa.config.schema import PreprocessParams
    from cxrqa.models import Checkpoint
    from cxrqa.scoring import Scorer


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``score`` subcommand."""
    parser = subparsers.add_parser(
        "score",
        help="score gray-level and sharpness of DICOM files or folders",
        description=(
            "Score the gray-level and the sharpness (1-10, 10 best) of every radiograph named or found "
            "under the folders named.\n\n"
            "Reads: PATH... (DICOM or grayscale raster files, folders recursively), "
            "--models/<dimension>/best.pt for gray_level and sharpness. Both checkpoints are read and "
            "checked before any file is preprocessed: an unreadable one, one whose input specification is "
            "malformed, or one that records the other dimension (swapped folders), stops the run.\n"
            "Preprocessing (decode, crop, resize): the 'preprocess' section of --params when given; "
            "without it, the section the checkpoints record, if they do (checkpoints trained so far "
            "record none); otherwise the packaged defaults (cxrqa/config/defaults.yaml, a copy of the "
            "repository's params.yaml). No params.yaml is needed.\n"
            "Writes: --out CSV with file, image_id, gray_level, sharpness, seconds (decode, crop, "
            "resize and both models), and beside it <out>.errors.csv listing the files that could not "
            "be used, with the reason. Exits non-zero only when no file could be scored."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    parser.add_argument("--models", required=True, help="folder with gray_level/best.pt and sharpness/best.pt")
    parser.add_argument("--out", required=True, help="CSV to write")
    add_params_option(parser, "preprocess", default=None)
    parser.add_argument("--workers", type=int, help="preprocessing processes (default: params)")
    add_progress_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``cxrqa score``."""
    import sys
    import tempfile
    import time

    import pandas as pd

    from cxrqa.preprocess.pipeline import collect_inputs, make_tasks, preprocess_many

    models = Path(args.models)
    scorers = {dimension: load_model(models, dimension) for dimension in DIMENSIONS}
    params = preprocess_params(args.params, models, {dimension: scorer.checkpoint for dimension, scorer in scorers.items()})
    files = collect_inputs(args.paths)
    if not files:
        raise FileNotFoundError(f"no file found under {' '.join(args.paths)}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cxrqa_score_") as work:
        manifest, errors = preprocess_many(
            make_tasks(files), work, params, workers=args.workers, progress=not args.no_progress
        )
        preprocess_seconds = time.perf_counter() - started
        result = pd.DataFrame({"file": manifest["source_file"], "image_id": manifest["image_id"]})
        if len(manifest):
            paths = [Path(work) / "images" / f"{image_id}.png" for image_id in manifest["image_id"]]
            seconds = pd.Series(preprocess_seconds / len(manifest), index=result.index)
            for dimension, scorer in scorers.items():
                prediction = scorer.score_files(paths)
                result[dimension] = prediction.scores.round(3)
                seconds += prediction.seconds
            result["seconds"] = seconds.round(3)
    result.to_csv(out, index=False)
    errors.to_csv(out.with_name(out.stem + ".errors.csv"), index=False)
    print(f"cxrqa score: {len(result)} scored, {len(errors)} unusable -> {out}")
    if len(errors):
        for row in errors.head(10).itertuples():
            print(f"  {row.file}: {row.reason} {row.detail}", file=sys.stderr)
    return 0 if len(result) else 1


def checkpoint_path(models: Path, dimension: str) -> Path:
    """Where ``cxrqa score`` looks for the model of ``dimension`` under ``models``.

    >>> checkpoint_path(Path("models"), "sharpness").as_posix()
    'models/sharpness/best.pt'
    """
    return models / dimension / "best.pt"


def load_model(models: Path, dimension: str) -> Scorer:
    """The scorer of the checkpoint of ``dimension`` under ``models``, checked to be that dimension's.

    The checkpoint is read once and its input specification checked (:class:`cxrqa.scoring.Scorer`).
    A checkpoint that records no dimension (``extra["dimension"]``) is accepted with a note on
    stderr.

    Parameters
    ----------
    models : Path
        The folder of ``<dimension>/best.pt`` (``--models``).
    dimension : str
        ``gray_level`` or ``sharpness``.

    Raises
    ------
    FileNotFoundError
        When there is no checkpoint.
    ValueError
        When it cannot be read, its input specification is malformed
        (:class:`cxrqa.scoring.InputSpecError`), or it records another dimension (e.g. swapped
        model folders).
    """
    import sys

    from cxrqa.scoring import Scorer

    path = checkpoint_path(models, dimension)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no {dimension} model (train it with `dvc repro train@{dimension}`)")
    scorer = Scorer(path)
    recorded = scorer.dimension
    if recorded is None:
        print(f"cxrqa score: note: {path} records no dimension; scoring it as {dimension}", file=sys.stderr)
    elif recorded != dimension:
        raise ValueError(
            f"{path}: the {dimension} folder {path.parent} holds a {recorded} model, not a {dimension} "
            f"one (are the model folders under {models} swapped?)"
        )
    return scorer


def preprocess_params(params: Path | None, models: Path, checkpoints: dict[str, Checkpoint]) -> PreprocessParams:
    """The preprocessing to score with, in this order of precedence.

    1. The ``preprocess`` section of the parameter file ``params``, when one is given.
    2. The ``preprocess`` section the checkpoints' ``params`` record (the models trained so far
       record none); when both record one they must agree.
    3. The packaged defaults (:data:`cxrqa.config.PACKAGED_DEFAULTS`), a copy of the
       repository's ``params.yaml`` (a test keeps them identical).

    Parameters
    ----------
    params : Path or None
        ``--params``.
    models : Path
        ``--models``, to name the checkpoints in messages.
    checkpoints : dict
        Dimension to its loaded checkpoint (:func:`load_model`).

    Raises
    ------
    ConfigError
        When the file's or a checkpoint's section is malformed.
    ValueError
        When the two checkpoints record different preprocessing.
    """
    from cxrqa.config import load_section

    if params is not None:
        return load_section(params, "preprocess")
    recorded = recorded_preprocess(models, checkpoints)
    if len(set(recorded.values())) > 1:
        raise ValueError(
            f"{' and '.join(map(str, recorded))} were trained with different preprocessing; "
            "choose one with --params FILE"
        )
    return next(iter(recorded.values())) if recorded else load_section(None, "preprocess")


def recorded_preprocess(models: Path, checkpoints: dict[str, Checkpoint]) -> dict[Path, PreprocessParams]:
    """The ``preprocess`` sections the checkpoints' ``params`` hold, by checkpoint file (none today).

    Raises
    ------
    ConfigError
        When a recorded section is malformed; the message names the checkpoint.
    """
    from cxrqa.config.loader import build
    from cxrqa.config.schema import PreprocessParams

    recorded = {}
    for dimension, checkpoint in checkpoints.items():
        section = checkpoint.params.get("preprocess") if isinstance(checkpoint.params, dict) else None
        if section is not None:
            path = checkpoint_path(models, dimension)
            recorded[path] = build(PreprocessParams, section, where="preprocess", source=path)
    return recorded
