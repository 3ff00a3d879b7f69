"""``cxrqa baselines``: classical no-reference measures and regressors on them (pipeline stage)."""

from __future__ import annotations

import argparse

from cxrqa.cli_options import add_params_option, add_progress_option
from cxrqa.config import load_section


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``baselines`` subcommand."""
    parser = subparsers.add_parser(
        "baselines",
        help="classical no-reference measures and scikit-learn regressors on them, vs the MOS",
        description=(
            "Measure every preprocessed image (whole image and lung ROI: variance of the Laplacian, "
            "Crete blur effect, edge width, CPBD, noise, entropy, RMS contrast, histogram spread and "
            "percentiles, clipping, BRISQUE), fit the regressors of the 'baselines' section per "
            "dimension on the training split, and map each single feature to the 1-10 scale by a line "
            "fitted on the training split.\n\n"
            "Reads: --processed/images/<id>.png, --processed/rois/<id>.png, --processed/splits.csv, "
            "--ratings (MOS), the 'baselines' section of --params.\n"
            "Writes: --out CSV (image_id, split, dimension, method, score, mos; method "
            "regressor_<name> or feature_<column>) and --features-out CSV (image_id, split, one "
            "column per measure). Prints the test-split Pearson r and ICC(A,1) of each regressor."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--processed", required=True, help="preprocess stage output folder (with splits.csv)")
    parser.add_argument("--ratings", required=True, help="ratings.csv of the study")
    parser.add_argument("--out", required=True, help="baseline scores CSV to write")
    parser.add_argument("--features-out", required=True, help="feature table CSV to write")
    add_params_option(parser, "baselines")
    add_progress_option(parser)
    parser.set_defaults(func=run)


def _write(table, path) -> None:
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    table.to_csv(temporary, index=False, float_format="%.10g")
    temporary.replace(path)


def run(args: argparse.Namespace) -> int:
    """Run ``cxrqa baselines``."""
    import time
    from pathlib import Path


    from cxrqa.baselines.features import feature_table
    from cxrqa.baselines.regress import fit_baselines, split_agreement
    from cxrqa.io.tables import mos_by_image, read_ratings, read_splits

    params = load_section(args.params, "baselines")
    processed = Path(args.processed)
    splits = read_splits(processed / "splits.csv")
    mos = mos_by_image(read_ratings(args.ratings))

    start = time.perf_counter()
    features = feature_table(
        processed, splits["image_id"].tolist(), brisque=params.brisque, workers=params.workers, progress=not args.no_progress
    )
    seconds = time.perf_counter() - start
    features.insert(1, "split", splits["split"].to_numpy())
    baselines = fit_baselines(
        features.drop(columns=["split"]),
        splits,
        mos,
        regressors=params.regressors,
        seed=params.seed,
        n_estimators=params.n_estimators,
        ridge_alphas=params.ridge_alphas,
    )
    _write(features, args.features_out)
    _write(baselines, args.out)

    print(
        f"cxrqa baselines: {len(features)} images measured in {seconds:.1f} s "
        f"({len(features.columns) - 2} features); {baselines['method'].nunique()} methods per dimension"
    )
    if (splits["split"] == "test").sum() >= 4:
        summary = split_agreement(baselines, split="test")
        for row in summary.itertuples(index=False):
            print(
                f"  test {row.dimension:<10} {row.method:<30} n={row.n:<4} "
                f"Pearson r {row.pearson_r:.3f}  ICC(A,1) {row.icc_a1:.3f}"
            )
    return 0
