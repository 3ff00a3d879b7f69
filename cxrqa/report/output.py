"""Write figures, tables, plot data and metrics with stable names and reproducible bytes.

Layout under the report folder ``out`` (one sub-folder per notebook, so that each DVC stage
``report@<notebook>`` owns its own outputs):

* ``figures/<notebook>/<name>.png`` and ``.svg`` (matplotlib with ``svg.hashsalt`` fixed and no
  date or software metadata);
* ``tables/<notebook>/<name>.csv`` at full precision and ``.md`` rounded as the notebook shows it
  (:mod:`cxrqa.report.display`); long statistics frames as CSV only;
* ``plots/<notebook>/<name>.csv`` (data for ``dvc plots``).

Metrics files are JSON with sorted keys and floats rounded to six decimals.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from cxrqa.report.display import Table  # noqa: E402

__all__ = ["ReportWriter", "configure_matplotlib", "write_metrics"]

#: rcParams that make matplotlib's output independent of the run.
STABLE_RC = {
    "svg.hashsalt": "cxrqa-report",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "figure.dpi": 100,
    "savefig.bbox": "tight",
    "path.simplify": True,
}


def configure_matplotlib() -> None:
    """Apply :data:`STABLE_RC` (headless Agg backend, fixed SVG ids, one font)."""
    matplotlib.rcParams.update(STABLE_RC)


def _round(value):
    if isinstance(value, dict):
        return {str(key): _round(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round(item) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if not math.isfinite(value) else round(value, 6)
    return value


def write_metrics(path: str | Path, metrics: dict) -> Path:
    """Write a metrics mapping as JSON (sorted keys, floats to 6 decimals, NaN as null).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = write_metrics(pathlib.Path(tempfile.mkdtemp()) / "m.json", {"b": 1 / 3, "a": float("nan")})
    >>> path.read_text()
    '{\\n  "a": null,\\n  "b": 0.333333\\n}\\n'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_round(metrics), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


class ReportWriter:
    """Saves one notebook's figures, tables and plot data under ``out``.

    Parameters
    ----------
    out : str or Path
        Report folder.
    notebook : str
        Notebook name, the sub-folder of every output.
    dpi : int
        Resolution of the PNG figures.
    """

    def __init__(self, out: str | Path, notebook: str, *, dpi: int = 150):
        self.out, self.notebook, self.dpi = Path(out), notebook, dpi
        configure_matplotlib()

    def path(self, kind: str, name: str, suffix: str) -> Path:
        """``<out>/<kind>/<notebook>/<name><suffix>``, its folder created."""
        path = self.out / kind / self.notebook / f"{name}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def figure(self, fig, name: str):
        """Save ``fig`` as PNG and SVG, close it, and return the PNG for display in the notebook."""
        from IPython.display import Image

        png = self.path("figures", name, ".png")
        fig.savefig(png, dpi=self.dpi, metadata={"Software": None})
        fig.savefig(self.path("figures", name, ".svg"), metadata={"Date": None, "Creator": None})
        plt.close(fig)
        return Image(filename=str(png))

    def figure_each(self, figures: Mapping[str, Figure]) -> list:
        """:meth:`figure` for each ``name -> figure``; returns the PNGs for ``display(*...)``."""
        return [self.figure(fig, name) for name, fig in figures.items()]

    def link(self, kind: str, name: str, suffix: str) -> str:
        """Relative link to :meth:`path`'s file from ``<out>/html/`` and ``<out>/notebooks/``,
        where :func:`cxrqa.report.runner.run_notebook` writes the report."""
        return f"../{kind}/{self.notebook}/{name}{suffix}"

    def _csv(self, frame: pd.DataFrame, name: str) -> pd.DataFrame:
        frame = frame.reset_index(drop=True)
        frame.to_csv(self.path("tables", name, ".csv"), index=False, float_format="%.6g", lineterminator="\n")
        return frame

    def table(self, frame: pd.DataFrame, name: str, *, columns: list[str] | None = None) -> Table:
        """Save a table and return it for display.

        The CSV keeps every column at full precision (floats to 6 significant digits); the
        displayed table and the Markdown file hold the same rounded text
        (:func:`cxrqa.report.display.rounded`).

        Parameters
        ----------
        frame : pandas.DataFrame
            The table.
        name : str
            File name without suffix: ``tables/<notebook>/<name>.csv`` and ``.md``.
        columns : list of str, optional
            The columns shown and written to Markdown (default: all); when some are left out,
            the display links to the CSV.

        Returns
        -------
        cxrqa.report.display.Table
            For ``display(...)``; its ``data`` is the saved frame.
        """
        frame = self._csv(frame, name)
        table = Table(frame, columns=columns, csv=self.link("tables", name, ".csv"))
        self.path("tables", name, ".md").write_text(table.to_markdown() + "\n", encoding="utf-8")
        return table

    def csv_only(self, frame: pd.DataFrame, name: str, what: str):
        """Save a long table (raw statistics) as CSV only; returns one Markdown line linking to it.

        Parameters
        ----------
        frame : pandas.DataFrame
            The table, saved as ``tables/<notebook>/<name>.csv`` (floats to 6 significant digits).
        name : str
            File name without suffix.
        what : str
            What the file holds, the start of the line.

        Returns
        -------
        IPython.display.Markdown
            ``<what>: [<name>.csv](<link>) (<rows> rows).``, the link relative to the page.
        """
        from IPython.display import Markdown

        frame = self._csv(frame, name)
        return Markdown(f"{what}: [{name}.csv]({self.link('tables', name, '.csv')}) ({len(frame)} rows).")

    def markdown(self, text: str, name: str):
        """Save Markdown prose as ``tables/<notebook>/<name>.md``; returns it for display in the notebook."""
        from IPython.display import Markdown

        self.path("tables", name, ".md").write_text(text + "\n", encoding="utf-8")
        return Markdown(text)

    def plot_data(self, frame: pd.DataFrame, name: str) -> Path:
        """Save the data of a ``dvc plots`` definition as CSV."""
        path = self.path("plots", name, ".csv")
        frame.reset_index(drop=True).to_csv(path, index=False, float_format="%.6g", lineterminator="\n")
        return path

    def plot_data_each(self, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
        """:meth:`plot_data` for each ``name -> table``."""
        return [self.plot_data(frame, name) for name, frame in tables.items()]
