"""Execute a report notebook with papermill: strict parameters, reproducible bytes, HTML.

A report notebook is a jupytext ``py:percent`` source in ``notebooks/`` with one cell tagged
``parameters`` that holds literal assignments only (``name = <literal>``). The runner

1. reads that cell (:func:`read_parameters`) and fails on anything but literal assignments;
2. merges the values of ``params.yaml``'s ``report`` section that the notebook declares and
   the command-line overrides (:func:`resolve_parameters`), failing on an override the notebook
   does not declare (papermill merely warns) and on a declared parameter left ``None``;
3. executes the notebook with papermill into ``<out>/notebooks/<name>.ipynb``;
4. strips what changes from run to run (papermill's per-cell start, end and duration, execution
   timestamps, random cell ids; :func:`strip_volatile`), so reruns are byte-identical;
5. renders ``<out>/html/<name>.html``, a report without the code (:func:`render_html`).

When the notebook raises, the partly executed notebook and its HTML are still written (the reader
sees the traceback in place) and :class:`NotebookFailed` is raised, so the DVC stage fails.
"""

from __future__ import annotations

import ast
import copy
import re
import tempfile
from pathlib import Path
from typing import Any

import nbformat

from cxrqa.cli_errors import CommandFailed

__all__ = [
    "NotebookFailed",
    "read_parameters",
    "render_html",
    "report_title",
    "resolve_parameters",
    "run_notebook",
    "strip_volatile",
]

#: Paths of the kernel's temporary cell files, which carry its process id, in warnings and tracebacks.
_KERNEL_FILE = re.compile(r"/tmp/ipykernel_\d+/\d+\.py")

#: Papermill's per-cell and per-notebook metadata keys that hold wall-clock times.
_TIMING_KEYS = ("start_time", "end_time", "duration")


class NotebookFailed(CommandFailed):
    """A notebook raised while executing; the partly executed notebook was kept."""


def _parameters_cell(notebook: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    cells = [cell for cell in notebook.cells if "parameters" in cell.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{source}: expected exactly one cell tagged 'parameters', found {len(cells)}")
    return cells[0]


def parse_parameters(code: str, source: str = "<parameters>") -> dict[str, Any]:
    """Parse a parameters cell: literal assignments only, in order.

    Parameters
    ----------
    code : str
        The cell's source.
    source : str
        Name used in error messages.

    Returns
    -------
    dict
        Parameter name to its default value.

    Raises
    ------
    ValueError
        On a statement that is not ``name = <literal>``, or a name assigned twice.

    Examples
    --------
    >>> parse_parameters("split = 'test'  # the analysed split\\nn = 3\\nkeep = None")
    {'split': 'test', 'n': 3, 'keep': None}
    >>> parse_parameters("n = 2 * 3")
    Traceback (most recent call last):
    ...
    ValueError: <parameters>: line 1: the parameters cell holds literals only (name = <literal>)
    """
    values: dict[str, Any] = {}
    for node in ast.parse(code).body:
        bad = ValueError(f"{source}: line {node.lineno}: the parameters cell holds literals only (name = <literal>)")
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise bad
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            raise bad from None
        name = node.targets[0].id
        if name in values:
            raise ValueError(f"{source}: line {node.lineno}: parameter '{name}' assigned twice")
        values[name] = value
    return values


def read_notebook(source: str | Path) -> nbformat.NotebookNode:
    """Read a jupytext source (``.py``) or an ``.ipynb`` as a notebook."""
    import jupytext

    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(f"{source}: notebook not found")
    return jupytext.read(source)


def read_parameters(source: str | Path) -> dict[str, Any]:
    """The parameters a notebook declares, with their defaults (see :func:`parse_parameters`)."""
    notebook = read_notebook(source)
    return parse_parameters(_parameters_cell(notebook, str(source)).source, str(source))


def resolve_parameters(
    declared: dict[str, Any],
    section: dict[str, Any],
    overrides: dict[str, Any],
    *,
    notebook: str = "notebook",
) -> dict[str, Any]:
    """The values a notebook runs with.

    Parameters
    ----------
    declared : dict
        The notebook's parameters and defaults (:func:`read_parameters`).
    section : dict
        ``params.yaml``'s ``report`` section; only the keys the notebook declares are used.
    overrides : dict
        Command-line values; each must be declared by the notebook.
    notebook : str
        Name used in error messages.

    Raises
    ------
    ValueError
        An override the notebook does not declare, or a declared parameter that is still ``None``
        (a required parameter) after merging.

    Examples
    --------
    >>> resolve_parameters({"split": "test", "out": None}, {"split": "validation", "seed": 1}, {"out": "reports"})
    {'split': 'validation', 'out': 'reports'}
    >>> resolve_parameters({"split": "test"}, {}, {"spilt": "train"})
    Traceback (most recent call last):
    ...
    ValueError: notebook: unknown parameter(s) spilt (the notebook declares: split)
    """
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise ValueError(
            f"{notebook}: unknown parameter(s) {', '.join(unknown)} (the notebook declares: {', '.join(declared)})"
        )
    values = dict(declared)
    values.update({key: value for key, value in section.items() if key in declared})
    values.update(overrides)
    missing = [key for key, value in values.items() if value is None]
    if missing:
        raise ValueError(f"{notebook}: missing value for parameter(s) {', '.join(missing)} (give them with -p KEY=VALUE)")
    return values


def strip_volatile(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without the metadata that changes between identical runs.

    Removes papermill's ``start_time``, ``end_time`` and ``duration`` (notebook and cells), the
    cells' ``execution`` timestamps, replaces the random cell ids with ``cell-<index>`` and the
    kernel's per-process cell file names in warnings and tracebacks with ``<cell>``.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    >>> nb.metadata["papermill"] = {"duration": 1.5, "parameters": {"a": 1}}
    >>> nb.cells[0].metadata["execution"] = {"iopub.status.idle": "2024-01-01T00:00:00Z"}
    >>> clean = strip_volatile(nb)
    >>> clean.metadata["papermill"], dict(clean.cells[0].metadata), clean.cells[0].id
    ({'parameters': {'a': 1}}, {}, 'cell-0')
    """
    notebook = copy.deepcopy(notebook)
    for key in _TIMING_KEYS:
        notebook.metadata.get("papermill", {}).pop(key, None)
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        for key in _TIMING_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
        if "id" in cell:
            cell["id"] = f"cell-{index}"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = _KERNEL_FILE.sub("<cell>", output["text"])
            if output.get("output_type") == "error":
                output["traceback"] = [_KERNEL_FILE.sub("<cell>", line) for line in output["traceback"]]
    return notebook


def report_title(notebook: nbformat.NotebookNode, default: str) -> str:
    """The text of the first Markdown heading, else ``default``.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Reading time (Table 4)\\nText.")])
    >>> report_title(nb, "timing"), report_title(nbformat.v4.new_notebook(), "timing")
    ('Reading time (Table 4)', 'timing')
    """
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return default


def render_html(notebook: nbformat.NotebookNode, path: str | Path) -> Path:
    """Render a notebook as a report: standalone HTML (nbconvert's ``lab`` template) without code.

    Code cells' inputs and the ``In``/``Out`` prompts are left out, and so are code cells
    without outputs (the parameters), so the reader sees the Markdown and the outputs (tables,
    figures, prose, and the traceback of a cell that raised); the executed ``.ipynb`` keeps the
    code. The page is titled by :func:`report_title`.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    shown = nbformat.from_dict({**notebook, "cells": [c for c in notebook.cells if c.cell_type != "code" or c.get("outputs")]})
    path = Path(path)
    body, _ = exporter.from_notebook_node(shown, resources={"metadata": {"name": report_title(notebook, path.stem)}})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def run_notebook(
    source: str | Path,
    out: str | Path,
    parameters: dict[str, Any],
    *,
    kernel_name: str = "python3",
    cwd: str | Path | None = None,
) -> tuple[Path, Path]:
    """Execute a notebook with papermill and write its stripped ``.ipynb`` and its HTML.

    Parameters
    ----------
    source : str or Path
        The jupytext source ``notebooks/<name>.py`` (or an ``.ipynb``).
    out : str or Path
        Report folder; writes ``notebooks/<name>.ipynb`` and ``html/<name>.html`` under it.
    parameters : dict
        Values injected by papermill (already resolved by :func:`resolve_parameters`).
    kernel_name : str
        Jupyter kernel to run.
    cwd : str or Path, optional
        Working directory of the kernel (default: the current one).

    Returns
    -------
    tuple of Path
        The executed notebook and its HTML.

    Raises
    ------
    NotebookFailed
        When a cell raised; both files are written first.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source, out = Path(source), Path(out)
    name = source.stem
    ipynb, html = out / "notebooks" / f"{name}.ipynb", out / "html" / f"{name}.html"
    ipynb.parent.mkdir(parents=True, exist_ok=True)
    notebook = read_notebook(source)
    _parameters_cell(notebook, str(source))
    notebook.metadata["kernelspec"] = {"name": kernel_name, "display_name": kernel_name, "language": "python"}
    notebook.metadata.setdefault("language_info", {"name": "python"})
    failure: PapermillExecutionError | None = None
    with tempfile.TemporaryDirectory() as scratch:
        staged = Path(scratch) / f"{name}.ipynb"
        nbformat.write(notebook, staged)
        try:
            papermill.execute_notebook(
                str(staged),
                str(ipynb),
                parameters=parameters,
                kernel_name=kernel_name,
                cwd=str(cwd or Path.cwd()),
                progress_bar=False,
                log_output=False,
                report_mode=False,
            )
        except PapermillExecutionError as error:
            failure = error
    executed = strip_volatile(nbformat.read(ipynb, as_version=4))
    executed.metadata.get("papermill", {}).update(input_path=str(source), output_path=str(ipynb))
    nbformat.write(executed, ipynb)
    render_html(executed, html)
    if failure is not None:
        raise NotebookFailed(
            f"{source}: cell {failure.exec_count} raised {failure.ename}: {failure.evalue} "
            f"(the partly executed notebook is in {ipynb} and {html})"
        ) from None
    return ipynb, html
