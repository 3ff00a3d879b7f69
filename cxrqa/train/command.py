"""``cxrqa train``: train CaHDC-RGA for one quality dimension."""

from __future__ import annotations

import argparse
import json

from cxrqa.cli_options import add_params_option, add_progress_option
from cxrqa.config import load_section
from cxrqa.io.tables import DIMENSIONS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train`` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="train CaHDC-RGA for one dimension (resumes an interrupted run)",
        description=(
            "Train one CaHDC-RGA model for one quality dimension on the training split and keep the "
            "best epoch by validation ICC(A,1).\n\n"
            "Reads: --processed/images/*.png, --processed/rois/*.png, --processed/splits.csv, the "
            "readers' scores in --ratings, and the 'model' and 'train' sections of --params.\n"
            "Writes: --out/best.pt (best checkpoint with its parameters and preprocessing), "
            "--out/last.pt (resume state), --out/summary.json, and DVCLive logs in --logs. "
            "A run interrupted after an epoch resumes from --out/last.pt when the parameters and "
            "images are unchanged."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dimension", required=True, choices=DIMENSIONS)
    parser.add_argument("--processed", required=True, help="preprocess stage output folder")
    parser.add_argument("--ratings", required=True, help="ratings.csv of the study")
    parser.add_argument("--out", required=True, help="checkpoint folder")
    parser.add_argument("--logs", help="DVCLive folder (default: no logging)")
    add_params_option(parser, "model", "train")
    parser.add_argument("--epochs", type=int, help="override train.<dimension>.epochs")
    add_progress_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    from pathlib import Path

    from cxrqa.scoring import InputSpec
    from cxrqa.train.data import load_image_set
    from cxrqa.train.loop import train_dimension

    model_params = load_section(args.params, "model")
    train_params = load_section(args.params, "train")
    if args.epochs is not None:
        train_params = train_params.with_dimension(args.dimension, epochs=args.epochs)
    spec = InputSpec.from_params(model_params, train_params.for_dimension(args.dimension))
    train_set = load_image_set(args.processed, args.ratings, args.dimension, ("train",), spec)
    val_set = load_image_set(args.processed, args.ratings, args.dimension, ("validation",), spec)
    result = train_dimension(
        dimension=args.dimension,
        train_set=train_set,
        val_set=val_set,
        model_params=model_params,
        train_params=train_params,
        out_dir=args.out,
        log_dir=args.logs,
        progress=not args.no_progress,
    )
    Path(args.out, "summary.json").write_text(json.dumps(dict(result), indent=2, sort_keys=True) + "\n")
    best = result["best"]
    print(
        f"cxrqa train {args.dimension}: best epoch {result['best_epoch']} of {result['epochs_run']}: "
        f"val ICC {best.get('val_icc', float('nan')):.3f}, r {best.get('val_r', float('nan')):.3f}, "
        f"MAD {best.get('val_mad', float('nan')):.3f} ({result['seconds']:.0f} s on {result['device']})"
    )
    return 0
