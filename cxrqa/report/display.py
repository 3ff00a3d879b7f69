"""Tables as a report shows them: numbers to meaningful digits, the full precision left to the CSV.

:func:`rounded` turns a frame into text column by column:

* p-value columns (:func:`is_p_column`) as ``0.127``, or ``<0.001`` below :data:`P_FLOOR`;
* integer columns, and float columns holding only whole numbers, as integers;
* other numbers to three significant digits, never in scientific notation
  (:func:`format_number`);
* booleans as ``yes`` / ``no``, missing values as empty cells, text as it is.

:class:`Table` shows such text in a notebook (HTML without the row index, the same bytes on
every run) and keeps the unrounded frame in :attr:`Table.data`.
"""

from __future__ import annotations

import html
import math
import re
from numbers import Integral, Real
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

__all__ = ["P_FLOOR", "Table", "format_number", "format_p_value", "is_p_column", "rounded"]

#: p-values below this are shown as ``<0.001``.
P_FLOOR = 0.001

#: Words before the link to the CSV of a table shown with some of its columns.
_FULL_TABLE = "Every column at full precision:"

#: The most decimals :func:`format_number` writes (tiny numbers round to zero beyond it).
MAX_DECIMALS = 12


def _missing(value) -> bool:
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def is_p_column(name) -> bool:
    """Whether a column holds p-values: named ``p``, ``p_value`` or ``p_<anything>`` (any case).

    Examples
    --------
    >>> [is_p_column(name) for name in ("p", "P", "p_value", "p_holm", "pearson_r", "n")]
    [True, True, True, True, False, False]
    """
    name = str(name).lower()
    return name == "p" or name.startswith("p_")


def format_p_value(value) -> str:
    """A p-value to three decimals, ``<0.001`` below :data:`P_FLOOR`, empty when missing.

    Examples
    --------
    >>> [format_p_value(p) for p in (0.127064, 0.05, 1.2e-37, 1.0, float("nan"))]
    ['0.127', '0.050', '<0.001', '1.000', '']
    """
    if _missing(value):
        return ""
    return f"<{P_FLOOR:g}" if value < P_FLOOR else f"{value:.3f}"


def format_number(value, digits: int = 3) -> str:
    """A number to ``digits`` significant digits in fixed-point notation; empty when missing.

    Whole-number digits are never dropped (``12996``), integers stay integers and at most
    :data:`MAX_DECIMALS` decimals are written.

    Parameters
    ----------
    value : int or float
        The number.
    digits : int
        Significant digits.

    Returns
    -------
    str

    Examples
    --------
    >>> [format_number(x) for x in (0.890893, -0.0374533, 12995.5, 0.000313378, 1.0, 0.0, 105)]
    ['0.891', '-0.0375', '12996', '0.000313', '1.00', '0', '105']
    >>> format_number(float("nan")), format_number(float("inf")), format_number(1.2e-17)
    ('', 'inf', '0')
    """
    if _missing(value):
        return ""
    if isinstance(value, Integral):
        return str(int(value))
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = digits - 1 - math.floor(math.log10(abs(value)))
    text = f"{value:.{min(max(decimals, 0), MAX_DECIMALS)}f}"
    return "0" if float(text) == 0 else text  # below the last decimal shown (e.g. 1e-17 from a CI of 0 of n)


def _format_value(value, digits: int, *, p_value: bool = False) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, Real):
        return format_p_value(value) if p_value else format_number(value, digits)
    return "" if _missing(value) else str(value)


def _whole_numbers(column: pd.Series) -> bool:
    present = column.dropna()
    return pd.api.types.is_float_dtype(column) and len(present) > 0 and bool(
        (present.abs() < 2**53).all() and (present == present.round()).all()
    )


def _format_column(column: pd.Series, digits: int) -> pd.Series:
    if is_p_column(column.name):
        return column.map(lambda value: _format_value(value, digits, p_value=True))
    if _whole_numbers(column):
        return column.map(lambda value: "" if pd.isna(value) else str(int(value)))
    return column.map(lambda value: _format_value(value, digits))


def rounded(frame: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """The frame as text to show: every cell formatted by its column's kind (see the module).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table with its full precision.
    digits : int
        Significant digits of estimates and other non-integer numbers.

    Returns
    -------
    pandas.DataFrame
        Same columns and index, every cell a string.

    Examples
    --------
    >>> frame = pd.DataFrame({"metric": ["icc", "r"], "estimate": [0.890893, 0.895804],
    ...                       "df2": [104.0, float("nan")], "p_value": [1.2e-37, 0.127064], "n": [105, 105]})
    >>> rounded(frame).to_dict("list")
    {'metric': ['icc', 'r'], 'estimate': ['0.891', '0.896'], 'df2': ['104', ''], 'p_value': ['<0.001', '0.127'], 'n': ['105', '105']}
    """
    columns = [_format_column(frame.iloc[:, i], digits).astype(object) for i in range(frame.shape[1])]
    return pd.concat(columns, axis=1) if columns else frame.copy()


#: Text that starts like a number (``7.72 ± 1.07``, ``464 (56.2%)``, ``<0.001``): aligned as numbers.
_NUMBER_LIKE = re.compile(r"[-+<]?\.?\d")


def _number_column(data: pd.Series, shown: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(data):
        return False
    cells = [cell for cell in shown if cell]
    return pd.api.types.is_numeric_dtype(data) or (len(cells) > 0 and all(_NUMBER_LIKE.match(cell) for cell in cells))


#: Cells of a column whose text is at most this long are never broken across lines.
_SHORT = 40


def _styles(right: bool, shown: pd.Series) -> tuple[str, str]:
    """The ``style`` attributes of a column's header and cells: numbers right-aligned (the
    template's default), text left-aligned, short cells kept on one line."""
    align = "" if right else "text-align: left"
    wrap = "white-space: nowrap" if max(map(len, shown), default=0) <= _SHORT else ""
    return tuple(f' style="{style}"' if style else "" for style in (align, "; ".join(filter(None, (align, wrap)))))


def _row(tag: str, cells, styles: list[str]) -> str:
    return "<tr>" + "".join(f"<{tag}{style}>{html.escape(str(cell))}</{tag}>" for cell, style in zip(cells, styles)) + "</tr>"


class Table:
    """A table for a notebook to display: rounded text, no row index, no random ids.

    Columns of numbers, or of text that starts with one (``7.72 ± 1.07``), are right-aligned,
    other text left-aligned, on the page and in Markdown; on the page, cells of columns without
    long text stay on one line.

    Parameters
    ----------
    data : pandas.DataFrame
        The table with its full precision.
    columns : list of str, optional
        The columns shown (default: every column).
    csv : str, optional
        Link to the CSV file that holds every column, shown under the table when some are left out.
    digits : int
        Significant digits (:func:`rounded`).

    Attributes
    ----------
    data : pandas.DataFrame
        The full table.
    shown : pandas.DataFrame
        What is displayed: the chosen columns as text.
    """

    def __init__(self, data: pd.DataFrame, *, columns: list[str] | None = None, csv: str | None = None, digits: int = 3):
        chosen = data if columns is None else data[list(columns)]
        self.data = data
        self.shown = rounded(chosen, digits)
        self.csv = csv if list(chosen.columns) != list(data.columns) else None
        self._right = [_number_column(chosen.iloc[:, i], self.shown.iloc[:, i]) for i in range(chosen.shape[1])]
        self._styles = [_styles(right, self.shown.iloc[:, i]) for i, right in enumerate(self._right)]

    def to_markdown(self) -> str:
        """The shown text as a Markdown table (cells kept as written, not re-parsed as numbers)."""
        align = ["right" if right else "left" for right in self._right]
        return self.shown.to_markdown(index=False, disable_numparse=True, colalign=align)

    def _repr_html_(self) -> str:
        head, cell = [style[0] for style in self._styles], [style[1] for style in self._styles]
        lines = ['<table class="dataframe">', "<thead>", _row("th", self.shown.columns, head), "</thead>", "<tbody>"]
        lines += [_row("td", row, cell) for row in self.shown.itertuples(index=False)]
        lines += ["</tbody>", "</table>"]
        if self.csv:
            lines.append(f'<p>{_FULL_TABLE} <a href="{html.escape(self.csv)}">{html.escape(PurePosixPath(self.csv).name)}</a></p>')
        return "\n".join(lines)

    def __repr__(self) -> str:
        note = f"\n{_FULL_TABLE} {PurePosixPath(self.csv).name}" if self.csv else ""
        return self.shown.to_string(index=False) + note
