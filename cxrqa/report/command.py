"""``cxrqa report``: execute one report notebook (stage ``report@<notebook>``)."""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import Any

import yaml

from cxrqa.cli_options import add_params_option
from cxrqa.config import ConfigError, SECTIONS, load_section


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="execute a report notebook with papermill (ipynb + HTML, figures, tables, metrics)",
        description=(
            "Executes a jupytext notebook (notebooks/NAME.py) into OUT/notebooks/NAME.ipynb and "
            "OUT/html/NAME.html. The notebook's parameters cell declares what it takes; values come "
            "from the 'report' section of --params (keys the notebook declares) and from -p, which "
            "must name declared parameters. --out is passed as the parameter 'out'. Exits non-zero "
            "when a cell raises, keeping the partly executed notebook."
        ),
    )
    parser.add_argument("--notebook", required=True, type=Path, help="jupytext source, e.g. notebooks/agreement.py")
    parser.add_argument("--out", default="reports", type=Path, help="report folder (default: reports)")
    add_params_option(parser, "report")
    parser.add_argument(
        "-p", "--parameter", action="append", default=[], metavar="KEY=VALUE",
        help="override one notebook parameter (VALUE is read as YAML: 3, 0.9, true, text); repeatable",
    )
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (default: python3)")
    parser.set_defaults(func=run)


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``["a=1", "b=text"]`` to ``{"a": 1, "b": "text"}`` (values read as YAML scalars).

    Examples
    --------
    >>> parse_overrides(["seed=3", "positive_class=non_acceptable", "confidence=0.9", "metrics="])
    {'seed': 3, 'positive_class': 'non_acceptable', 'confidence': 0.9, 'metrics': None}
    """
    values: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"-p expects KEY=VALUE, got {item!r}")
        values[key.strip()] = yaml.safe_load(text) if text else None
    return values


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    from cxrqa.report.runner import NotebookFailed, read_parameters, resolve_parameters, run_notebook

    declared = read_parameters(args.notebook)
    overrides = parse_overrides(args.parameter)
    fields = {field.name for field in dataclasses.fields(SECTIONS["report"])}
    section = dataclasses.asdict(
        load_section(args.params, "report", {k: v for k, v in overrides.items() if k in fields})
    )
    if "out" in declared:
        overrides.setdefault("out", str(args.out))
    values = resolve_parameters(declared, section, overrides, notebook=str(args.notebook))
    start = time.perf_counter()
    try:
        ipynb, html = run_notebook(args.notebook, args.out, values, kernel_name=args.kernel)
    except NotebookFailed as error:
        print(f"cxrqa report: error: {error}")
        return 1
    print(f"{args.notebook} -> {ipynb}, {html} ({time.perf_counter() - start:.1f} s)")
    return 0


__all__ = ["ConfigError", "parse_overrides", "register", "run"]
