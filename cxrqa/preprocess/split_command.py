"""``cxrqa split``: the seeded, quality-stratified test/training/validation split."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cxrqa.cli_options import add_params_option


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``split`` subcommand."""
    parser = subparsers.add_parser(
        "split",
        help="split preprocessed images into test/train/validation, stratified by quality",
        description=(
            "Reads MANIFEST (manifest.csv of 'cxrqa preprocess') and RATINGS (ratings.csv: image_id, "
            "reader_id, reader_role, dimension, score, seconds; optional) and writes OUT "
            "(splits.csv: image_id, split with split in test, train, validation). Sizes follow the paper "
            "(105/826/207 of 1138), scaled proportionally for other numbers of images; strata are "
            "tertiles of each image's mean reader score."
        ),
    )
    parser.add_argument("--manifest", required=True, type=Path)
    parser.add_argument("--ratings", type=Path, help="ratings.csv (without it the split is not stratified)")
    parser.add_argument("--out", required=True, type=Path)
    add_params_option(parser, "split", default=None)
    parser.add_argument("--seed", type=int, help="overrides split.seed")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``cxrqa split``; returns the exit status."""
    from cxrqa.config import load_section
    from cxrqa.io.tables import read_image_ids, read_ratings
    from cxrqa.preprocess.split import make_splits

    params = load_section(args.params, "split", {"seed": args.seed})
    image_ids = read_image_ids(args.manifest, "manifest")
    ratings = read_ratings(args.ratings) if args.ratings is not None else None
    splits = make_splits(
        image_ids, ratings, seed=params.seed, n_test=params.n_test,
        n_train=params.n_train, n_val=params.n_val, strata=params.strata,
    )  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    splits.to_csv(args.out, index=False)
    counts = splits["split"].value_counts().to_dict()
    print(f"cxrqa split: {counts} written to {args.out}", file=sys.stderr)
    return 0
