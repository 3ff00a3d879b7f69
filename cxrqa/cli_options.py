"""Options that every ``cxrqa`` subcommand spells the same way.

``--params FILE`` names the parameter file; ``--no-progress`` hides progress bars (``--quiet`` is
accepted as the same flag, which the DVC stages of ``preprocess`` and ``baselines`` use).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cxrqa.config import DEFAULT_PARAMS

__all__ = ["add_params_option", "add_progress_option"]


def add_params_option(parser: argparse.ArgumentParser, *sections: str, default: str | Path | None = DEFAULT_PARAMS) -> None:
    """``--params FILE`` (``args.params``, a Path or ``None``); ``sections`` are those the command reads.

    ``default=None`` means the command reads the packaged defaults
    (:data:`cxrqa.config.PACKAGED_DEFAULTS`, a copy of ``params.yaml``) without a file.
    """
    names = " and ".join(f"'{name}'" for name in sections)
    shown = "the packaged defaults, a copy of the repository's params.yaml" if default is None else "%(default)s"
    parser.add_argument(
        "--params", type=Path, default=None if default is None else Path(default), metavar="FILE",
        help=f"parameter file to read the {names} section{'s' if len(sections) > 1 else ''} from (default: {shown})",
    )  # fmt: skip


def add_progress_option(parser: argparse.ArgumentParser) -> None:
    """``--no-progress`` / ``--quiet``: hide progress bars (``args.no_progress``)."""
    parser.add_argument("--no-progress", "--quiet", dest="no_progress", action="store_true", help="hide progress bars")
