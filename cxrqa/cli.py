"""The ``cxrqa`` command: one subcommand per pipeline step, each usable outside DVC.

Each subcommand lives beside the code it runs, in a module with a ``register(subparsers)``
function; :data:`COMMAND_MODULES` lists them. Modules are imported only when their command runs,
so ``cxrqa --help`` stays fast and the analysis commands never import torch.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cxrqa.cli_errors import CommandFailed
from cxrqa.config import ConfigError

#: ``(command name, module with register(subparsers))``, in the order --help lists them.
COMMAND_MODULES: list[tuple[str, str]] = [
    ("simulate", "cxrqa.simulate.command"),
    ("preprocess", "cxrqa.preprocess.command"),
    ("split", "cxrqa.preprocess.split_command"),
    ("train", "cxrqa.train.command"),
    ("predict", "cxrqa.predict.command"),
    ("score", "cxrqa.predict.score_command"),
    ("baselines", "cxrqa.baselines.command"),
    ("report", "cxrqa.report.command"),
    ("archive", "cxrqa.archive.command"),
    ("audit", "cxrqa.audit.command"),
    ("listen", "cxrqa.listen.command"),
]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, import and register just that subcommand."""
    parser = argparse.ArgumentParser(
        prog="cxrqa",
        description="No-reference quality assessment of chest radiographs (gray-level, sharpness).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMAND_MODULES:
        if only is None or only == name:
            importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cxrqa`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    known = {name for name, _ in COMMAND_MODULES}
    command = argv[0] if argv and argv[0] in known else None
    parser = build_parser(only=command)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (CommandFailed, ConfigError, ValueError, FileNotFoundError) as error:
        print(f"cxrqa {args.command}: error: {error}", file=sys.stderr)
        # 1: the command could not finish; 2: bad input found before any work started.
        return 1 if isinstance(error, CommandFailed) else 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
