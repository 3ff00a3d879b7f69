"""``cxrqa archive``: build the synthetic hospital archive with planted faults (the audit's default data)."""

from __future__ import annotations

import argparse

from cxrqa.cli_options import add_params_option, add_progress_option
from cxrqa.config import load_section


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``archive`` subcommand."""
    parser = subparsers.add_parser(
        "archive",
        help="build a synthetic hospital archive with planted faults (the audit's default data)",
        description=(
            "Build a synthetic hospital archive: a year of PA chest films from several sites and "
            "stations, rendered with the digital reader study's machinery, with the exposure "
            "indices each vendor writes, films an audit must skip (laterals, other body parts, "
            "'for processing' films), unusable files (truncated, not DICOM, empty, CT) and three "
            "faults planted on known stations from known months.\n\n"
            "Reads: the 'archive' section of --params.\n"
            "Writes into --out: dicom/<site>/<station>/<YYYY-MM>/<number>.dcm, truth.csv (one row "
            "per file: kind, station, latent quality, degradation, exposure indices, fault) and "
            "faults.csv (one row per planted fault). The folder is replaced only when the whole "
            "archive has been written."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", required=True, help="output folder (replaced when complete)")
    add_params_option(parser, "archive")
    add_progress_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    from cxrqa.archive.build import build_archive

    params = load_section(args.params, "archive")
    out = build_archive(params, args.out, progress=not args.no_progress)
    print(f"cxrqa archive: wrote the archive to {out}")
    return 0
