"""``cxrqa simulate``: generate the digital reader study (the pipeline's default data)."""

from __future__ import annotations

import argparse

from cxrqa.cli_options import add_params_option, add_progress_option
from cxrqa.config import load_section


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate",
        help="generate the digital reader study (DICOMs, ratings, acceptability, truth)",
        description=(
            "Generate a digital reader study shaped like Meng et al.: one PA chest DICOM per image "
            "(procedural phantoms and variations of a real radiograph, degraded with known "
            "severity), ten readers' 1-10 scores of gray-level and sharpness with reading times, "
            "three readers' acceptability calls, and the latent truth.\n\n"
            "Reads: the 'simulate' section of --params (seed, sizes, base images).\n"
            "Writes into --out: dicom/<image_id>.dcm, masks/<image_id>.png (phantom lung masks), "
            "ratings.csv, acceptability.csv, truth.csv, montage.png. The folder is replaced only "
            "when the whole study has been written."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", required=True, help="output folder (replaced when complete)")
    add_params_option(parser, "simulate")
    parser.add_argument("--n-images", type=int, help="number of images (overrides params)")
    parser.add_argument("--seed", type=int, help="random seed (overrides params)")
    parser.add_argument("--base-images", help="'builtin' or a folder of real images (overrides params)")
    parser.add_argument("--workers", type=int, help="worker processes, 0 = one per core (overrides params)")
    add_progress_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    from cxrqa.simulate.study import simulate_study

    params = load_section(
        args.params,
        "simulate",
        {"n_images": args.n_images, "seed": args.seed, "base_images": args.base_images, "workers": args.workers},
    )
    out = simulate_study(params, args.out, progress=not args.no_progress)
    print(f"cxrqa simulate: wrote {params.n_images} images to {out}")
    return 0
