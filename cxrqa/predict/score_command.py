"""``cxrqa score``: both quality scores for any radiograph files or folders."""

from __future__ import annotations

import argparse
from pathlib import Path
from cxrqa.cli_options import add_params_option, add_progress_option


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
    from cxrqa.scoring import load_scorers, scoring_preprocess

    models = Path(args.models)
    scorers = load_scorers(models)
    params = scoring_preprocess(args.params, models, {dimension: scorer.checkpoint for dimension, scorer in scorers.items()})
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
