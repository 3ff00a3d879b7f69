"""Tables as the reports show them: rounded on the page and in Markdown, full precision in the CSV."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cxrqa.report.display import Table, rounded
from cxrqa.report.output import ReportWriter

#: A raw statistics frame as :mod:`cxrqa.stats` returns it: NaN columns, tiny p-values, long method text.
STATS = pd.DataFrame({
    "dimension": ["gray_level", "gray_level", "sharpness"],
    "metric": ["mean_difference", "auc", "cutoff"],
    "estimate": [-0.0374533, 0.983848, 7.38735],
    "ci_low": [-0.139774, 0.955571, np.nan],
    "ci_high": [0.0648674, 1.0, np.nan],
    "df1": [104.0, np.nan, np.nan],
    "p_value": [0.127064, 1.39083e-246, np.nan],
    "p_holm": [1.0, 0.0004, np.nan],
    "n": [105, 105, 105],
    "acceptable": [True, False, True],
    "method": ["paired t-test of a - b", "Mann-Whitney AUC; DeLong SE", "Youden-optimal cut-off"],
})


def test_rounding_follows_the_kind_of_each_column():
    shown = rounded(STATS)
    assert shown["estimate"].tolist() == ["-0.0375", "0.984", "7.39"]
    assert shown["ci_high"].tolist() == ["0.0649", "1.00", ""]  # missing is empty, never "NaN"
    assert shown["df1"].tolist() == ["104", "", ""]  # whole numbers stay integers
    assert shown["p_value"].tolist() == ["0.127", "<0.001", ""]
    assert shown["p_holm"].tolist() == ["1.000", "<0.001", ""]
    assert shown["n"].tolist() == ["105"] * 3 and shown["acceptable"].tolist() == ["yes", "no", "yes"]
    assert shown["method"].tolist() == STATS["method"].tolist()
    mixed = rounded(pd.DataFrame({"paper": [0.92, 441.0, 12995.5], "ours": [0.890893, np.nan, 0.000313378]}))
    assert mixed.to_dict("list") == {"paper": ["0.920", "441", "12996"], "ours": ["0.891", "", "0.000313"]}
    assert rounded(STATS.iloc[:0]).columns.tolist() == STATS.columns.tolist()


def test_table_keeps_precision_in_the_csv_and_rounds_markdown_and_page(tmp_path):
    writer = ReportWriter(tmp_path, "demo")
    table = writer.table(STATS, "stats")
    csv = (tmp_path / "tables" / "demo" / "stats.csv").read_text()
    assert "-0.0374533" in csv and "1.39083e-246" in csv and "0.127064" in csv
    pd.testing.assert_frame_equal(table.data, STATS)
    markdown = (tmp_path / "tables" / "demo" / "stats.md").read_text()
    assert markdown == table.to_markdown() + "\n"
    page = table._repr_html_()
    for text in (markdown, page, repr(table)):
        assert "-0.0375" in text and "<0.001" in text.replace("&lt;", "<") and "0.127" in text
        assert "NaN" not in text and not re.search(r"\d[eE][-+]\d", text) and "0.0374533" not in text
    assert "<th>0</th>" not in page and "Every column" not in page  # no row index; nothing left out
    assert '<td style="text-align: left; white-space: nowrap">gray_level</td>' in page  # text left, numbers right
    assert '<td style="white-space: nowrap">-0.0375</td>' in page and "<th>estimate</th>" in page
    assert markdown.splitlines()[1].startswith("|:---") and markdown.splitlines()[1].split("|")[3].endswith(":")
    assert page == writer.table(STATS, "stats")._repr_html_() and "uuid" not in page and "id=" not in page


def test_table_with_chosen_columns_links_to_the_full_csv(tmp_path):
    writer = ReportWriter(tmp_path, "demo")
    table = writer.table(STATS, "delong", columns=["dimension", "estimate", "p_value"])
    assert list(table.shown.columns) == ["dimension", "estimate", "p_value"]
    assert "method" in (tmp_path / "tables" / "demo" / "delong.csv").read_text().splitlines()[0]
    assert "method" not in (tmp_path / "tables" / "demo" / "delong.md").read_text()
    assert '<a href="../tables/demo/delong.csv">delong.csv</a>' in table._repr_html_()
    assert repr(table).endswith("Every column at full precision: delong.csv")


def test_long_statistics_go_to_the_csv_only_with_one_line_pointing_there(tmp_path):
    writer = ReportWriter(tmp_path, "demo")
    line = writer.csv_only(STATS, "table3_statistics", "Every statistic")
    assert line.data == "Every statistic: [table3_statistics.csv](../tables/demo/table3_statistics.csv) (3 rows)."
    assert sorted(p.name for p in (tmp_path / "tables" / "demo").iterdir()) == ["table3_statistics.csv"]
    assert "1.39083e-246" in (tmp_path / "tables" / "demo" / "table3_statistics.csv").read_text()


def test_paper_style_text_aligns_as_numbers_and_html_is_escaped():
    note = "a < b & c, " + "a long note that may wrap " * 2
    table = Table(pd.DataFrame({"": ["Male", "Age"], "train": ["464 (56.2%)", "52.43 ± 16.54"], "note": [note, ""]}))
    page = table._repr_html_()
    assert '<td style="text-align: left; white-space: nowrap">Male</td>' in page
    assert '<td style="white-space: nowrap">464 (56.2%)</td>' in page
    assert '<td style="text-align: left">a &lt; b &amp; c, a long note' in page
