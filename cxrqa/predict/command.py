"""``cxrqa predict`` (pipeline stage) and ``cxrqa score`` (any radiograph files)."""

from __future__ import annotations

import argparse

from cxrqa.cli_options import add_params_option
from cxrqa.config import load_section
from cxrqa.io.tables import DIMENSIONS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``predict`` subcommand."""
    parser = subparsers.add_parser(
        "predict",
        help="score the study's preprocessed images with one dimension's model",
        description=(
            "Score the preprocessed images of the chosen splits with the best checkpoint of one "
            "dimension.\n\n"
            "Reads: --model (best.pt), --processed/images/*.png and splits.csv, --ratings (for the "
            "MOS column), the 'predict' section of --params.\n"
            "Writes: --out CSV (image_id, split, dimension, score, mos, seconds_per_image, device, "
            "batch_size: images, or a patch model's tiles, per forward pass) and, with --attention-dir, <image_id>.png attention overlays of a fixed "
            "sample of test images."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dimension", required=True, choices=DIMENSIONS)
    parser.add_argument("--model", required=True, help="checkpoint (best.pt) of the dimension")
    parser.add_argument("--processed", required=True, help="preprocess stage output folder")
    parser.add_argument("--ratings", required=True, help="ratings.csv of the study")
    parser.add_argument("--out", required=True, help="predictions CSV to write")
    parser.add_argument("--attention-dir", help="folder for attention overlays of sample test images")
    add_params_option(parser, "predict")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``cxrqa predict``."""
    from pathlib import Path

    from cxrqa.predict.predict import SCORED_SPLITS, attention_sample, predict_split, write_attention_overlays
    from cxrqa.scoring import Scorer

    params = load_section(args.params, "predict")
    splits = SCORED_SPLITS[params.splits]
    device = None if params.device == "auto" else params.device
    scorer = Scorer(args.model, device=device, batch_size=params.batch_size)
    table = predict_split(scorer, args.processed, args.ratings, args.dimension, splits)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_suffix(".tmp")
    table.to_csv(temporary, index=False)
    temporary.replace(out)
    if args.attention_dir:
        test_ids = table.loc[table["split"] == "test", "image_id"].tolist()
        sample = attention_sample(test_ids, params.n_attention, params.seed)
        write_attention_overlays(scorer, args.processed, sample, args.attention_dir)
    test = table[table["split"] == "test"]
    print(
        f"cxrqa predict {args.dimension}: {len(table)} images scored on {table['device'].iloc[0]} "
        f"({table['seconds_per_image'].mean():.3f} s per image); test MAD vs MOS "
        f"{(test['score'] - test['mos']).abs().mean():.3f}"
    )
    return 0
