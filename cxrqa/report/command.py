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
            "from the 'report' section of --params, then from the section named NAME when there is "
            "one (notebooks/audit.py reads the 'audit' section), keys the notebook declares only, "
            "and last from -p, which must name declared parameters. --out is passed as the parameter "
            "'out'. Exits non-zero when a cell raises, keeping the partly executed notebook."
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


def notebook_defaults(params: Path, notebook: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The values ``params`` gives a notebook: its ``report`` section, then the section named after it.

    Each section is validated with the overrides that name its keys applied first, so a bad
    override fails with the section's own message. Nested sections become mappings and tuples
    lists, as papermill writes them into the notebook.
    """
    values: dict[str, Any] = {}
    for name in dict.fromkeys(("report", notebook)):
        if name not in SECTIONS:
            continue
        fields = {field.name for field in dataclasses.fields(SECTIONS[name])}
        section = load_section(params, name, {k: v for k, v in overrides.items() if k in fields})
        values.update(_plain(dataclasses.asdict(section)))
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    from cxrqa.report.runner import read_parameters, resolve_parameters, run_notebook

    declared = read_parameters(args.notebook)
    overrides = parse_overrides(args.parameter)
    section = notebook_defaults(args.params, args.notebook.stem, overrides)
    if "out" in declared:
        overrides.setdefault("out", str(args.out))
    values = resolve_parameters(declared, section, overrides, notebook=str(args.notebook))
    start = time.perf_counter()
    ipynb, html = run_notebook(args.notebook, args.out, values, kernel_name=args.kernel)
    print(f"{args.notebook} -> {ipynb}, {html} ({time.perf_counter() - start:.1f} s)")
    return 0


__all__ = ["ConfigError", "notebook_defaults", "parse_overrides", "register", "run"]
